"""Formats shared by every entity."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(when: datetime | None) -> str | None:
    """Mastodon's timestamp format: UTC with milliseconds, `2024-05-01T12:00:00.000Z`."""
    if when is None:
        return None
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def iso_date(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).date().isoformat()


def midnight(when: datetime) -> str:
    """Accounts show only the day they were created (Mastodon hides the time of day)."""
    utc = when.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT00:00:00.000Z")
