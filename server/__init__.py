"""Commonhold: a member-owned fediverse server."""
