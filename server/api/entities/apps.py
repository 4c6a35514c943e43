"""Application and CredentialApplication entities, and the Token answer."""

from __future__ import annotations

from typing import Any

from server.oauth.queries import Application
from server.oauth.service import IssuedToken

# What a caller that does not pass the instance's VAPID key gets: Mastodon's schema expects
# a string, and an empty one tells a client there is nothing to subscribe with.
NO_VAPID_KEY = ""


def to_mastodon_application(*, app_id: int, name: str, website: str | None,
                            redirect_uris: list[str] | tuple[str, ...],
                            scopes: list[str] | tuple[str, ...],
                            vapid_key: str = NO_VAPID_KEY) -> dict[str, Any]:
    return {
        "id": str(app_id),
        "name": name,
        "website": website,
        "scopes": list(scopes),
        # kept for older clients: all registered URIs, one per line, as Mastodon does
        "redirect_uri": "\n".join(redirect_uris),
        "redirect_uris": list(redirect_uris),
        "vapid_key": vapid_key,
    }


def to_mastodon_credential_application(app: Application, client_secret: str,
                                       vapid_key: str = NO_VAPID_KEY) -> dict[str, Any]:
    entity = to_mastodon_application(app_id=app.id, name=app.name, website=app.website,
                                     redirect_uris=app.redirect_uris, scopes=app.scopes,
                                     vapid_key=vapid_key)
    entity["client_id"] = app.client_id
    entity["client_secret"] = client_secret
    entity["client_secret_expires_at"] = 0   # RFC 7591: 0 means it does not expire
    return entity


def to_mastodon_token(token: IssuedToken) -> dict[str, Any]:
    return {"access_token": token.access_token, "token_type": "Bearer",
            "scope": " ".join(token.scopes), "created_at": int(token.created_at.timestamp())}
