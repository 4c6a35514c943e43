"""OAuth 2 as Mastodon clients use it: registering applications, authorization codes (with
PKCE, RFC 7636), the password and client-credentials grants, and revocation (RFC 7009).

Every secret handed out (client secret, code, token) is random and stored as its SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar
from urllib.parse import urlsplit

from server.accounts import service as accounts
from server.db import Conn
from server.errors import CommonholdError, ForbiddenError, ValidationError
from server.ids import new_id
from server.oauth import queries
from server.oauth.queries import Application
from server.oauth.scopes import InvalidScopeError, parse_scopes, require_subset

OOB = "urn:ietf:wg:oauth:2.0:oob"
CODE_LIFETIME = timedelta(minutes=10)
NAME_MAX = 60
URL_MAX = 2000
_FORBIDDEN_SCHEMES = frozenset({"data", "vbscript", "javascript"})
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*$")
_PKCE = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")


class OAuthError(CommonholdError):
    """An error the token and revocation endpoints answer as RFC 6749 §5.2 describes."""

    status = 400
    code = "invalid_request"
    texts: ClassVar[dict[str, tuple[int, str]]] = {
        "invalid_request": (400, "The request is missing a parameter, has an unsupported value "
                                 "or is otherwise malformed."),
        "invalid_client": (401, "Client authentication failed: unknown client, no client "
                                "credentials, or an unsupported authentication method."),
        "invalid_grant": (400, "The authorization grant is invalid, expired or revoked, does not "
                               "match the redirect URI of the authorization request, or was "
                               "issued to another client."),
        "unauthorized_client": (403, "This client is not authorized to do that."),
        "unsupported_grant_type": (400, "This authorization grant type is not supported."),
        "invalid_scope": (400, "The requested scope is invalid, unknown, or malformed."),
    }

    def __init__(self, error: str, description: str | None = None) -> None:
        status, text = self.texts[error]
        super().__init__(description or text)
        self.error = error
        self.status = status  # type: ignore[misc]  # per error, not per class


@dataclass(frozen=True)
class NewApplication:
    application: Application
    client_secret: str   # shown once, in the answer to the registration


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    scopes: tuple[str, ...]
    created_at: datetime


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


# --- applications ---------------------------------------------------------------------------

def check_redirect_uris(raw: str | list[str] | None) -> list[str]:
    uris = raw.split() if isinstance(raw, str) else [w for u in raw or [] for w in u.split()]
    if not uris:
        raise ValidationError("Validation failed: Redirect URI can't be blank",
                              field="redirect_uris")
    for uri in uris:
        if uri == OOB:
            continue
        parts = urlsplit(uri)
        scheme = parts.scheme.lower()
        if len(uri) > URL_MAX or not _SCHEME.match(scheme) or scheme in _FORBIDDEN_SCHEMES \
                or parts.fragment or (scheme in ("http", "https") and not parts.hostname):
            raise ValidationError("Validation failed: Redirect URI must be an absolute URI "
                                  "without a fragment", field="redirect_uris")
    return list(dict.fromkeys(uris))


def check_website(website: str | None) -> str | None:
    if not website:
        return None
    parts = urlsplit(website)
    if len(website) > URL_MAX or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Validation failed: Website is not a valid URL", field="website")
    return website


async def register_application(conn: Conn, *, name: str | None,
                               redirect_uris: str | list[str] | None,
                               scopes: str | list[str] | None, website: str | None,
                               now: datetime) -> NewApplication:
    clean_name = (name or "").strip()
    if not clean_name:
        raise ValidationError("Validation failed: Name can't be blank", field="client_name")
    if len(clean_name) > NAME_MAX:
        raise ValidationError(f"Validation failed: Name is too long (maximum is {NAME_MAX} "
                              "characters)", field="client_name")
    uris = check_redirect_uris(redirect_uris)
    try:
        granted = parse_scopes(scopes)
    except InvalidScopeError as exc:
        raise ValidationError(f"Validation failed: Scopes are invalid ({exc.message})",
                              field="scopes") from None
    secret = secrets.token_urlsafe(32)
    app = await queries.insert_application(
        conn, app_id=new_id(), name=clean_name, website=check_website(website),
        redirect_uris=uris, scopes=list(granted), client_id=secrets.token_urlsafe(32),
        client_secret_hash=digest(secret), now=now)
    return NewApplication(application=app, client_secret=secret)


async def authenticate_client(conn: Conn, *, client_id: str | None,
                              client_secret: str | None) -> Application:
    app = None
    if client_id:
        app = await queries.get_application_by_client_id(conn, client_id=client_id)
    if app is None or not client_secret \
            or not hmac.compare_digest(app.client_secret_hash, digest(client_secret)):
        raise OAuthError("invalid_client")
    return app


# --- authorization codes --------------------------------------------------------------------

def check_code_challenge(challenge: str | None,
                         method: str | None) -> tuple[str | None, str | None]:
    if not challenge:
        if method:
            raise OAuthError("invalid_request", "code_challenge_method without code_challenge")
        return None, None
    method = method or "plain"   # RFC 7636 §4.3: absent means plain
    if method not in ("S256", "plain"):
        raise OAuthError("invalid_request", "code_challenge_method must be S256 or plain")
    if not _PKCE.match(challenge):
        raise OAuthError("invalid_request", "code_challenge is malformed")
    return challenge, method


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "S256":
        computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        return hmac.compare_digest(computed.rstrip(b"=").decode(), challenge)
    return hmac.compare_digest(verifier, challenge)


async def issue_code(conn: Conn, *, app: Application, user_id: int, redirect_uri: str,
                     scopes: tuple[str, ...], code_challenge: str | None,
                     code_challenge_method: str | None, now: datetime) -> str:
    code = secrets.token_urlsafe(32)
    await queries.delete_expired_codes(conn, cutoff=now - timedelta(days=1))
    await queries.insert_authorization_code(
        conn, code_hash=digest(code), application_id=app.id, user_id=user_id,
        redirect_uri=redirect_uri, scopes=list(scopes), code_challenge=code_challenge,
        code_challenge_method=code_challenge_method, now=now, expires_at=now + CODE_LIFETIME)
    await record_activity(conn, user_id=user_id, now=now)
    return code


async def exchange_code(conn: Conn, *, app: Application, code: str | None,
                        redirect_uri: str | None, code_verifier: str | None,
                        now: datetime) -> IssuedToken | OAuthError:
    """The token for a code, or the reason there is none. Failures are returned, not raised,
    so that the caller commits what they changed: a presented code is spent even when the
    exchange fails, and a replayed code revokes the token it produced (RFC 6749 §4.1.2)."""
    if not code:
        return OAuthError("invalid_request", "Missing required parameter: code")
    claimed = await queries.claim_authorization_code(conn, code_hash=digest(code), now=now)
    if claimed is None or claimed.application_id != app.id:
        return OAuthError("invalid_grant")
    if claimed.was_used:
        if claimed.access_token_id is not None:
            await queries.revoke_token(conn, token_id=claimed.access_token_id, now=now)
        return OAuthError("invalid_grant")
    if claimed.expires_at <= now or redirect_uri != claimed.redirect_uri:
        return OAuthError("invalid_grant")
    if claimed.code_challenge is not None:
        if not code_verifier or not _PKCE.match(code_verifier):
            return OAuthError("invalid_grant", "The code_verifier is missing or malformed.")
        if not pkce_matches(code_verifier, claimed.code_challenge,
                            claimed.code_challenge_method or "plain"):
            return OAuthError("invalid_grant", "The code_verifier does not match the challenge.")
    token, token_id = await _issue_token(conn, app_id=app.id, user_id=claimed.user_id,
                                         scopes=tuple(claimed.scopes), now=now)
    await queries.set_code_token(conn, code_hash=digest(code), access_token_id=token_id)
    return token


# --- other grants ---------------------------------------------------------------------------

def _requested_scopes(app: Application, scope: str | None) -> tuple[str, ...]:
    try:
        scopes = parse_scopes(scope)
        require_subset(scopes, app.scopes)
    except InvalidScopeError as exc:
        raise OAuthError("invalid_scope", exc.message) from None
    return scopes


async def password_grant(conn: Conn, *, app: Application, username: str | None,
                         password: str | None, scope: str | None, now: datetime) -> IssuedToken:
    scopes = _requested_scopes(app, scope)
    if not username or not password:
        raise OAuthError("invalid_request", "username and password are required")
    try:
        user = await accounts.authenticate(conn, login=username, password=password, now=now)
    except ForbiddenError as exc:
        raise OAuthError("invalid_grant", exc.message) from None
    await record_activity(conn, user_id=user.id, now=now)
    token, _ = await _issue_token(conn, app_id=app.id, user_id=user.id, scopes=scopes, now=now)
    return token


async def client_credentials_grant(conn: Conn, *, app: Application, scope: str | None,
                                   now: datetime) -> IssuedToken:
    scopes = _requested_scopes(app, scope)
    token, _ = await _issue_token(conn, app_id=app.id, user_id=None, scopes=scopes, now=now)
    return token


async def issue_token(conn: Conn, *, application_id: int, user_id: int,
                      scopes: tuple[str, ...], now: datetime) -> IssuedToken:
    """A token for a user who did not pass through a grant: one who just signed up through
    the application (POST /api/v1/accounts), with the application's scopes."""
    token, _ = await _issue_token(conn, app_id=application_id, user_id=user_id, scopes=scopes,
                                  now=now)
    return token


async def _issue_token(conn: Conn, *, app_id: int, user_id: int | None,
                       scopes: tuple[str, ...], now: datetime) -> tuple[IssuedToken, int]:
    token = secrets.token_urlsafe(32)
    token_id = new_id()
    await queries.insert_access_token(conn, token_id=token_id, token_hash=digest(token),
                                      application_id=app_id, user_id=user_id,
                                      scopes=list(scopes), now=now)
    return IssuedToken(access_token=token, scopes=scopes, created_at=now), token_id


async def revoke(conn: Conn, *, app: Application, token: str | None, now: datetime) -> None:
    """RFC 7009: an unknown token is not an error; another client's token is."""
    if not token:
        raise OAuthError("invalid_request", "Missing required parameter: token")
    owner = await queries.get_token_owner(conn, token_hash=digest(token))
    if owner is None:
        return
    token_id, application_id = owner
    if application_id != app.id:
        raise OAuthError("unauthorized_client", "You are not authorized to revoke this token.")
    await queries.revoke_token(conn, token_id=token_id, now=now)


async def record_activity(conn: Conn, *, user_id: int, now: datetime) -> None:
    """The user's last sign-in and their week in the activity report."""
    monday = (now - timedelta(days=now.weekday())).date()
    await queries.touch_user_activity(conn, user_id=user_id, week=monday, now=now)
