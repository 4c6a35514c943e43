"""Where local statuses live (DESIGN.md §5)."""

from __future__ import annotations

from server.config import Config


def status_uri(config: Config, username: str, status_id: int) -> str:
    return config.url(f"/users/{username}/statuses/{status_id}")


def status_url(config: Config, username: str, status_id: int) -> str:
    return config.url(f"/@{username}/{status_id}")


def reblog_uri(config: Config, username: str, status_id: int) -> str:
    return config.url(f"/users/{username}/statuses/{status_id}/activity")


def tag_url(config: Config, name: str) -> str:
    return config.url(f"/tags/{name.lower()}")
