"""The WebPushSubscription entity, as Mastodon renders it."""

from __future__ import annotations

from typing import Any

from server.notifications.service import TYPES
from server.push.queries import Subscription


def to_mastodon_push_subscription(sub: Subscription, *, server_key: str) -> dict[str, Any]:
    enabled = set(sub.alerts)
    return {
        "id": str(sub.id),
        "endpoint": sub.endpoint,
        "standard": sub.standard,
        # Every type, each true or false: clients show one switch per key they get.
        "alerts": {t: t in enabled for t in TYPES},
        "policy": sub.policy,
        "server_key": server_key,
    }
