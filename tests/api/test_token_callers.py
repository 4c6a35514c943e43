"""The callers require_token makes from remembered token rows: one kept per token."""

from datetime import UTC, datetime

from server.api import auth
from server.oauth.queries import TokenRow


def _row(token_id: int, scopes: list[str]) -> TokenRow:
    return TokenRow(token_id=token_id, scopes=scopes, created_at=datetime(2026, 1, 1, tzinfo=UTC),
                    user_id=7, application_id=3, application_name="app",
                    application_website=None, redirect_uris=["urn:ietf:wg:oauth:2.0:oob"],
                    application_scopes=["read", "write"], account_id=11, role=None,
                    approved=True, disabled=False, last_sign_in_at=None)


def test_a_token_read_again_replaces_its_caller() -> None:
    auth._KNOWN.clear()
    first = _row(1, ["read"])
    _, caller, _ = auth._known(first)
    assert auth._known(first)[1] is caller   # the same row: the same caller

    again = _row(1, ["read", "write"])   # the token read again, its scopes changed meanwhile
    _, fresh, _ = auth._known(again)
    assert fresh is not caller and fresh.scopes == frozenset({"read", "write"})
    assert len(auth._KNOWN) == 1

    auth._known(_row(2, ["read"]))
    assert len(auth._KNOWN) == 2
    auth._KNOWN.clear()
