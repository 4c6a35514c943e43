"""Formats shared by every entity."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(when: datetime | None) -> str | None:
    """Mastodon's timestamp format: UTC with milliseconds, `2024-05-01T12:00:00.000Z`."""
    if when is None:
        return None
    # isoformat is C code, several times faster than strftime, and this runs ~40 times a page.
    return when.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def iso_date(when: datetime | None) -> str | None:
    return None if when is None else when.astimezone(UTC).date().isoformat()


def midnight(when: datetime) -> str:
    """Accounts show only the day they were created (Mastodon hides the time of day)."""
    return when.astimezone(UTC).date().isoformat() + "T00:00:00.000Z"
