"""Body digests: `Digest` (RFC 3230, what draft-cavage senders use) and `Content-Digest`
(RFC 9530, what RFC 9421 senders use).

A digest that does not match the body is refused with `SignatureError` (reason
`digest_mismatch`), not `BadRequestError`: the signature vouches for the digest, so a body
that differs from it is a body nobody signed, and the inbox answers every unsigned-content
case the same way.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable, Mapping

from server.federation.activitypub import structured_fields as sf
from server.federation.activitypub.sigcore import combined_field, refuse

# Weaker algorithms (MD5, SHA-1) are deliberately absent: a match on them proves little.
_HASHES: dict[str, Callable[[bytes], bytes]] = {
    "sha-256": lambda b: hashlib.sha256(b).digest(),
    "sha-512": lambda b: hashlib.sha512(b).digest(),
}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def digest_header(body: bytes) -> str:
    return "SHA-256=" + _b64(hashlib.sha256(body).digest())


def content_digest_header(body: bytes) -> str:
    return "sha-256=:" + _b64(hashlib.sha256(body).digest()) + ":"


def _compare(claimed: Mapping[str, bytes], body: bytes, header: str) -> None:
    """Every digest we can compute must match; at least one must be one we can compute."""
    known = {alg: value for alg, value in claimed.items() if alg in _HASHES}
    if not known:
        refuse("digest_unsupported", f"{header} uses no algorithm we accept (sha-256, sha-512)")
    for alg, value in known.items():
        if not hmac.compare_digest(_HASHES[alg](body), value):
            refuse("digest_mismatch", f"{header} does not match the request body")


def _parse_digest(value: str) -> dict[str, bytes]:
    claimed: dict[str, bytes] = {}
    for part in value.split(","):
        alg, sep, encoded = part.strip().partition("=")
        if not sep:
            refuse("malformed_digest", "Digest header is malformed")
        try:
            claimed[alg.strip().lower()] = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            refuse("malformed_digest", "Digest header is not base64")
    return claimed


def _parse_content_digest(value: str) -> dict[str, bytes]:
    try:
        members = sf.parse_dictionary(value)
    except sf.StructuredFieldError:
        refuse("malformed_digest", "Content-Digest is not a structured dictionary")
    claimed: dict[str, bytes] = {}
    for alg, member in members.items():
        if not isinstance(member, sf.Item) or not isinstance(member.value, bytes):
            refuse("malformed_digest", "Content-Digest values must be byte sequences")
        claimed[alg] = member.value
    return claimed


def check_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Check the cavage-era `Digest` header against the body; it must be present."""
    value = combined_field(headers, "digest")
    if value is None:
        refuse("digest_missing", "a request with a body must carry a Digest header")
    _compare(_parse_digest(value), body, "Digest")


def check_content_digest(headers: Mapping[str, str], body: bytes) -> None:
    """Check RFC 9530 `Content-Digest` against the body; it must be present."""
    value = combined_field(headers, "content-digest")
    if value is None:
        refuse("digest_missing", "a request with a body must carry a Content-Digest header")
    _compare(_parse_content_digest(value), body, "Content-Digest")
