"""draft-cavage-http-signatures-12, the scheme Mastodon and most of the fediverse speak.

Signing copies Mastodon's choices (rsa-sha256, `(request-target) host date [digest]` plus the
headers the caller adds, such as Content-Type or Accept) so that any peer that accepts
Mastodon accepts us. Verification is stricter than the draft, which lets a signature cover
nothing but `date`: we insist on the target, the host, a timestamp and, with a body, the digest.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from functools import lru_cache
from urllib.parse import urlsplit

from server.federation.activitypub import sigcore
from server.federation.activitypub.digests import check_digest, digest_header
from server.federation.activitypub.sigcore import ParsedSignature, combined_field, refuse

_PARAM = re.compile(r'\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^",\s]+))\s*')
_UNESCAPE = re.compile(r"\\(.)")
_ALGORITHMS = {
    "rsa-sha256": sigcore.RSA_V15_SHA256,
    "hs2019": sigcore.BY_KEY,
    "ed25519": sigcore.ED25519,
}
# Headers we set ourselves when signing; a caller passing them too would sign a second copy.
_RESERVED = frozenset({"host", "date", "digest", "signature", "authorization"})


def signature_params(headers: Mapping[str, str]) -> dict[str, str] | None:
    """The key=value pairs of `Signature`, or of `Authorization: Signature ...`; None if absent."""
    raw = combined_field(headers, "signature")
    if raw is None:
        auth = combined_field(headers, "authorization") or ""
        scheme, _, rest = auth.partition(" ")
        if scheme.lower() != "signature":
            return None
        raw = rest
    return _parse_params(raw)


def _parse_params(raw: str) -> dict[str, str]:
    params: dict[str, str] = {}
    pos = 0
    while pos < len(raw):
        m = _PARAM.match(raw, pos)
        if not m:
            refuse("malformed", "Signature header is malformed")
        name = m.group(1)
        if name in params:
            refuse("malformed", f"Signature header repeats {name}")
        quoted = m.group(2)
        if quoted is None:
            params[name] = m.group(3)
        else:
            params[name] = _UNESCAPE.sub(r"\1", quoted) if "\\" in quoted else quoted
        pos = m.end()
        if pos < len(raw):
            if raw[pos] != ",":
                refuse("malformed", "Signature header is malformed")
            pos += 1
    return params


def _timestamp(params: Mapping[str, str], name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}(\.[0-9]+)?", value):
        refuse("malformed", f"Signature parameter {name} is not a timestamp")
    return datetime.fromtimestamp(float(value), UTC)


def _parse_http_date(value: str) -> datetime:
    try:
        stamp = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        refuse("malformed_date", "Date header is not an HTTP date")
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def signing_string(
    covered: tuple[str, ...], method: str, path_qs: str, headers: Mapping[str, str],
    params: Mapping[str, str],
) -> bytes:
    """The draft's signing string: one `name: value` line per covered name, in order."""
    lines = []
    for name in covered:
        if name == "(request-target)":
            value: str | None = f"{method.lower()} {path_qs}"
        elif name in ("(created)", "(expires)"):
            value = params.get(name[1:-1])
        else:
            value = combined_field(headers, name)
        if value is None:
            refuse("missing_header", f"signed header {name} is missing from the request")
        lines.append(f"{name}: {value}")
    return "\n".join(lines).encode("utf-8")


def _check_coverage_and_time(
    covered: tuple[str, ...], headers: Mapping[str, str], params: Mapping[str, str],
    body: bytes, now: datetime, max_skew: timedelta,
) -> datetime:
    for required in ("(request-target)", "host"):
        if required not in covered:
            refuse("not_covered", f"the signature must cover {required}")
    if body and "digest" not in covered:
        refuse("digest_not_covered", "a request with a body must have its Digest signed")
    if "digest" in covered:
        check_digest(headers, body)
    sigcore.check_not_expired(_timestamp(params, "expires"), now)
    if "(created)" in covered:
        created = _timestamp(params, "created")
        if created is None:
            refuse("malformed", "(created) is signed but the created parameter is missing")
        sigcore.check_window(created, now, max_skew, "creation time")
        return created
    if "date" not in covered:
        refuse("not_covered", "the signature must cover date or (created)")
    date = _parse_http_date(combined_field(headers, "date") or "")
    sigcore.check_window(date, now, max_skew, "Date")
    return date


def parse(
    params: Mapping[str, str], *, method: str, path_qs: str, headers: Mapping[str, str],
    body: bytes, now: datetime, max_skew: timedelta,
) -> ParsedSignature:
    for name in ("keyId", "signature"):
        if not params.get(name):
            refuse("malformed", f"Signature header lacks {name}")
    name = params.get("algorithm", "hs2019").lower()
    if name not in _ALGORITHMS:
        if name.startswith("hmac"):
            sigcore.check_algorithm_name("hmac-sha256")  # says why HMAC cannot work here
        refuse("unsupported_algorithm", f"unsupported signature algorithm {name!r}")
    covered = tuple(params.get("headers", "date").lower().split())
    if not covered:
        refuse("malformed", "Signature header covers no headers")
    try:
        signature = base64.b64decode(params["signature"], validate=True)
    except binascii.Error:
        refuse("malformed", "signature is not base64")
    base = signing_string(covered, method, path_qs, headers, params)
    created = _check_coverage_and_time(covered, headers, params, body, now, max_skew)
    path, _, query = path_qs.partition("?")
    legacy = signing_string(covered, method, path, headers, params) if query else None
    return ParsedSignature(
        "cavage", params["keyId"], _ALGORITHMS[name], base, signature, covered, created, legacy
    )


def http_date(now: datetime) -> str:
    """RFC 7231 IMF-fixdate, e.g. `Tue, 20 Apr 2021 02:07:55 GMT`."""
    return _http_date_of_second(int(sigcore.require_aware(now).timestamp()))


@lru_cache(maxsize=4)
def _http_date_of_second(second: int) -> str:
    # A fan-out signs thousands of requests within the same few seconds.
    return format_datetime(datetime.fromtimestamp(second, UTC), usegmt=True)


@lru_cache(maxsize=4096)
def split_url(url: str) -> tuple[str, str, str]:
    """(scheme, host as sent in Host, origin-form target) for an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    host = parts.netloc.rpartition("@")[2].lower()
    default_port = ":443" if parts.scheme == "https" else ":80"
    host = host.removesuffix(default_port)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, host, target


def sign(
    *, method: str, url: str, body: bytes | None, key_id: str, private_key: object,
    now: datetime, extra_headers: Mapping[str, str] | None,
) -> dict[str, str]:
    if '"' in key_id:
        raise ValueError("key ids may not contain double quotes")
    extra = dict(extra_headers or {})
    if _RESERVED & {k.lower() for k in extra}:
        raise ValueError(f"extra_headers may not set {sorted(_RESERVED)}")
    _, host, target = split_url(url)
    out = {"Host": host, "Date": http_date(now)}
    if body is not None:
        out["Digest"] = _digest_of(body)
    out.update(extra)
    covered = ("(request-target)", *(k.lower() for k in out))
    base = _own_signing_string(covered, method, target, out)
    signature = sigcore.sign_bytes(private_key, sigcore.RSA_V15_SHA256, base)
    out["Signature"] = (
        f'keyId="{key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return out


_OWS = " \t"  # what combined_field trims
_last_digest: tuple[bytes, str] = (b"", digest_header(b""))


def _digest_of(body: bytes) -> str:
    """digest_header, remembered for the last body: a fan-out signs the same bytes object for
    every inbox (and a different object with equal bytes is only compared, never hashed)."""
    global _last_digest
    last_body, last = _last_digest
    if body is not last_body and body != last_body:
        last = digest_header(body)
        _last_digest = (body, last)
    return last


def _own_signing_string(covered: tuple[str, ...], method: str, target: str,
                        out: Mapping[str, str]) -> bytes:
    """signing_string over the headers we are about to send, one value per name: the same
    bytes without looking each name up again across the whole mapping."""
    if len(set(covered)) != len(covered) or any("\n" in v for v in out.values()):
        return signing_string(covered, method, target, out, {})  # repeated names, folded lines
    lines = [f"(request-target): {method.lower()} {target}"]
    lines += [f"{name}: {value.strip(_OWS)}" for name, value in zip(covered[1:], out.values())]
    return "\n".join(lines).encode("utf-8")
