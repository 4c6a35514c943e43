"""HTTP signatures for federation: sign what we send, check what we receive.

Pure functions only: no network, no database, no clock (callers pass `now`). Verification is
split so the caller can look the key up in between and, when the cached key fails, refetch
it once (keys rotate) and call `verify_parsed` again without re-parsing:

    parsed = parse_request_signature(method=..., path_qs=..., headers=..., body=..., now=...)
    key = await keys.get(parsed.key_id)
    verify_parsed(parsed, key)

Two schemes are understood: draft-cavage-http-signatures-12 (`Signature`, or
`Authorization: Signature`), which nearly every fediverse server sends, and RFC 9421
(`Signature-Input` + `Signature`). Every refusal is a `SignatureError` (401) with a one-word
`detail["reason"]`; that includes a body that does not match its digest (see `digests`).
Misuse by our own code (a naive datetime, a non-http URL, a key of the wrong type) raises
ValueError or TypeError, never SignatureError.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from server.federation.keys import generate_rsa_keypair  # noqa: F401  (part of this module's API)
from server.errors import ConfigError
from server.federation.activitypub import cavage, rfc9421, sigcore
from server.federation.activitypub.digests import content_digest_header, digest_header
from server.federation.activitypub.sigcore import ParsedSignature, combined_field, refuse

__all__ = [
    "ParsedSignature",
    "content_digest_header",
    "digest_header",
    "generate_rsa_keypair",
    "load_private_key",
    "load_public_key",
    "parse_request_signature",
    "sign_request",
    "sign_request_rfc9421",
    "verify_parsed",
]

PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
PrivateKey = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey




def load_private_key(pem: str) -> PrivateKey:
    """Our own stored key; a bad one is a configuration problem, not the peer's fault."""
    # Our keys were made here, so the RSA consistency checks (about 0.1 s of CPU per load,
    # and a process loads its keys on first use, often many at once) prove nothing new.
    try:
        key = serialization.load_pem_private_key(pem.encode("ascii"), password=None,
                                                 unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError, UnicodeEncodeError) as exc:
        raise ConfigError("stored private key is not an unencrypted PEM key") from exc
    if not isinstance(key, PrivateKey):
        raise ConfigError(f"stored private key has unsupported type {type(key).__name__}")
    return key


def load_public_key(pem: str) -> PublicKey:
    """A peer's published key (SPKI, or PKCS#1 `RSA PUBLIC KEY` as some servers publish)."""
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError):
        refuse("bad_key", "the signer's public key is not a PEM key")
    if not isinstance(key, PublicKey):
        refuse("unsupported_key", f"unsupported public key type {type(key).__name__}")
    return key


def sign_request(
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    now: datetime,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Sign like Mastodon: rsa-sha256 over `(request-target) host date`, then `digest` when
    there is a body, then each extra header in the order given.

    Mastodon adds `Content-Type` to deliveries and `Accept` to fetches and signs them, so pass
    those as `extra_headers`. The result holds Host, Date, Digest (when `body` is not None),
    the extra headers and Signature: send all of them exactly as returned.
    """
    return cavage.sign(
        method=method, url=url, body=body, key_id=key_id, private_key=private_key, now=now,
        extra_headers=extra_headers,
    )


def sign_request_rfc9421(
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: object,
    now: datetime,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Sign with RFC 9421 as label `sig1` over `@method @target-uri @authority`, then
    `content-digest` when there is a body, then the extra headers; `alg` follows the key
    (RSA -> rsa-v1_5-sha256, Ed25519, P-256). Returns Host, Date, Content-Digest (with a
    body), the extra headers, Signature-Input and Signature.
    """
    return rfc9421.sign(
        method=method, url=url, body=body, key_id=key_id, private_key=private_key, now=now,
        extra_headers=extra_headers,
    )


def parse_request_signature(
    *,
    method: str,
    path_qs: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    max_skew: timedelta = timedelta(hours=1),
    scheme: str = "https",
) -> ParsedSignature:
    """Rebuild what the sender signed and check everything that needs no key.

    `path_qs` is the raw request target as received (path and query, not decoded); `headers`
    may be a CIMultiDict or any mapping (matched case-insensitively). `scheme` is how the
    request reached us from outside, for RFC 9421's `@target-uri` and `@scheme`.
    Refuses (SignatureError): no or malformed signature, unknown or HMAC algorithm, a
    timestamp outside now ± max_skew, an expired signature, a digest that does not match the
    body, a body whose digest is not signed, or a signature that does not cover the method
    and target and the host.
    """
    now = sigcore.require_aware(now)
    body = body or b""
    found = rfc9421.signature_headers(headers)
    if found is not None:
        authority = combined_field(headers, "host")
        if not authority:
            refuse("missing_header", "request has no Host header")
        view = rfc9421.RequestView(method, scheme, authority, path_qs, headers)
        components, signature = found
        return rfc9421.parse(components, signature, view, body=body, now=now, max_skew=max_skew)
    params = cavage.signature_params(headers)
    if params is None:
        refuse("missing", "request is not signed")
    return cavage.parse(
        params, method=method, path_qs=path_qs, headers=headers, body=body, now=now,
        max_skew=max_skew,
    )


def verify_parsed(parsed: ParsedSignature, public_key: object) -> None:
    """Raise SignatureError unless `public_key` produced `parsed.signature`."""
    sigcore.verify_signature(parsed, public_key)
