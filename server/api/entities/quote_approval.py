"""`quote_approval` of a Status entity (Mastodon 4.5): who may quote a post, and how that
applies to the reader, as the policy Commonhold applies (statuses.service.may_quote): a
member's public or unlisted post may be quoted by anyone, automatically; a followers-only
post by its author only; a direct post or a boost by nobody. Of a post from elsewhere the
policy is not recorded: `unknown` to a signed-in reader of a public or unlisted one (a quote
of it is asked of its server, which decides), `denied` otherwise. The reader counts only as
anonymous, the author, or anyone else, so a status part keeps the three answers ready."""

from __future__ import annotations

from server.jsonio import dumpb
from server.statuses.queries import Status

_QUOTABLE = ("public", "unlisted")


Approvals = tuple[bytes, bytes, bytes]
# One answer per kind of post (boost or not, visibility, here or elsewhere): a dozen at most,
# shared by every status part.
_KNOWN: dict[tuple[bool, str, bool], Approvals] = {}


def quote_approvals(status: Status) -> Approvals:
    """`,"quote_approval":{...}}` (closing the entity) for an anonymous reader, the author,
    and any other signed-in reader."""
    kind = (status.reblog_of_id is not None, status.visibility, status.local)
    found = _KNOWN.get(kind)
    if found is None:
        found = _KNOWN[kind] = _approvals(*kind)
    return found


def _approvals(boost: bool, visibility: str, local: bool) -> Approvals:
    if boost or visibility == "direct":
        automatic: list[str] = []
        readers = ("denied", "denied", "denied")
    elif local:
        quotable = visibility in _QUOTABLE
        automatic = ["public"] if quotable else []
        readers = ("denied", "automatic", "automatic" if quotable else "denied")
    else:
        automatic = []
        readers = ("denied", "denied", "unknown" if visibility in _QUOTABLE else "denied")
    return tuple(  # type: ignore[return-value]
        b',"quote_approval":' + dumpb({"automatic": automatic, "manual": [],
                                       "current_user": reader}) + b"}"
        for reader in readers)
