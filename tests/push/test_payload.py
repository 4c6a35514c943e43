"""What the push message says, from the notification row (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from server.push import payload
from server.push.queries import PushMessage
from tests.conftest import make_config

CONFIG = make_config()
MESSAGE = PushMessage(
    access_token_id=1, endpoint="https://push.test/x", key_p256dh="", key_auth="", standard=True,
    sealed_token=b"", locale="en", notification_id=42, type="favourite", username="bob",
    display_name="", note="<p>bio</p>", avatar_path=None, avatar_url=None, suspended_at=None,
    spoiler_text="", content="<p>Hello &amp; <a href=\"x\">welcome</a></p><p>again</p>")


def test_fields_as_mastodon_sends_them() -> None:
    doc = payload.build(CONFIG, MESSAGE, access_token="tok")
    assert doc == {"access_token": "tok", "preferred_locale": "en", "notification_id": 42,
                   "notification_type": "favourite",
                   "icon": "http://ch.test/avatars/original/missing.png",
                   "title": "bob favourited your post", "body": "Hello & welcome again"}


def test_content_warning_is_shown_instead_of_the_text() -> None:
    doc = payload.build(CONFIG, replace(MESSAGE, spoiler_text="spoilers"), access_token=None)
    assert doc["body"] == "spoilers" and doc["access_token"] is None


def test_icon_is_the_senders_avatar_unless_suspended_or_absurd() -> None:
    remote = replace(MESSAGE, avatar_url="https://files.example/a.png")
    assert payload.build(CONFIG, remote, access_token=None)["icon"] == "https://files.example/a.png"
    local = replace(MESSAGE, avatar_path="avatars/1/a.png")
    assert payload.build(CONFIG, local, access_token=None)["icon"].endswith("avatars/1/a.png")
    gone = replace(remote, suspended_at=datetime.now(UTC))
    assert payload.build(CONFIG, gone, access_token=None)["icon"].endswith("missing.png")
    long = replace(MESSAGE, avatar_url="https://files.example/" + "a" * 2000)
    assert payload.build(CONFIG, long, access_token=None)["icon"].endswith("missing.png")


def test_every_notification_type_has_a_title() -> None:
    from server.notifications.service import TYPES

    assert set(payload.TITLES) == set(TYPES)
