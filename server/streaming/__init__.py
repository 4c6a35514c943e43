"""Live events for clients (Mastodon's streaming API), across processes via LISTEN/NOTIFY."""
