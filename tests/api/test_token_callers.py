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


def test_a_token_read_again_unchanged_keeps_the_row_and_caller_it_had() -> None:
    """A busy token is read again every few seconds: an equal row leaves the one held (and
    the caller made from it) in place, with a later expiry; a changed row replaces it."""
    auth._KNOWN.clear()
    cache = auth.TokenCache(5.0)
    cache.listening = True
    held = cache.put(b"k", _row(1, ["read"]))
    caller = auth._known(held)[1]
    expires = cache._expires[b"k"]

    again = _row(1, ["read"])
    assert again == held and again is not held
    assert cache.put(b"k", again) is held and cache.get(b"k") is held
    assert cache._expires[b"k"] >= expires
    assert auth._known(cache.get(b"k"))[1] is caller

    changed = _row(1, ["read", "write"])
    assert cache.put(b"k", changed) is changed and cache.get(b"k") is changed
    assert auth._known(changed)[1] is not caller

    cache.forget(b"k")
    assert cache.get(b"k") is None and not cache._expires
    auth._KNOWN.clear()


def test_callers_of_one_application_share_its_record_and_equal_scopes() -> None:
    """Thousands of tokens of one client keep one application record and one set of each
    distinct scopes between them, not a copy each."""
    auth._KNOWN.clear()
    one, two, other = _row(1, ["read"]), _row(2, ["read"]), _row(3, ["read", "write"])
    a, b, c = (auth._known(r)[1] for r in (one, two, other))
    assert a.application is b.application is c.application
    assert a.scopes is b.scopes and c.scopes == frozenset({"read", "write"})
    auth._KNOWN.clear()
