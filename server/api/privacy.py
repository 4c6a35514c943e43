"""The privacy policy served at /api/v1/instance/privacy_policy.

Clients show it before sign-up next to the terms (the charter). The charter says how members
treat one another's information (§6.5, §11.2); this text says what the server itself keeps,
which follows from the code and so is written here, next to it. UPDATED_AT moves whenever the
text does.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape

from server.config import Config

UPDATED_AT = datetime(2026, 11, 26, tzinfo=UTC)

_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("What this server keeps", (
        "Your account: username, display name, profile, the email address you signed up with "
        "and a salted hash of your password (never the password itself).",
        "What you post, upload, follow, like, bookmark, block and mute, so that it can be "
        "shown to you and to the people you address.",
        "For signed-in browsers: a session record with its IP address and browser name; "
        "signing out removes it. Access tokens are stored only as hashes.",
        "Counters per network address for rate limits, removed after a few hours.",
    )),
    ("What leaves this server", (
        "Public and unlisted posts, your profile and your follows are sent to the servers of "
        "the people who follow you or are mentioned, as the fediverse works; those servers "
        "keep their own copies under their own rules.",
        "Followers-only and direct posts go only to the servers of their addressees.",
        "Nothing is sold, and there are no advertising or tracking scripts.",
    )),
    ("Your choices", (
        "You can edit or delete your posts; deletions are also sent to the servers that "
        "received the posts.",
        "Questions about your data, and requests to close your account, go to the instance's "
        "contact address.",
    )),
)


def render(config: Config) -> str:
    parts = [f"<p>How {escape(config.instance_name or config.domain)} handles information "
             "about the people who use it.</p>"]
    for title, items in _SECTIONS:
        parts.append(f"<h2>{escape(title)}</h2><ul>")
        parts.extend(f"<li>{escape(item)}</li>" for item in items)
        parts.append("</ul>")
    if config.contact_email:
        parts.append(f"<p>Contact: {escape(config.contact_email)}</p>")
    return "".join(parts)
