"""RFC 9421 HTTP Message Signatures, for requests.

Only the first label of `Signature-Input` is looked at: a request that carries several
signatures (say, one added by a proxy) is judged by the one its sender put first. Component
parameters that only make sense for responses, trailers or structured re-serialization
(`req`, `tr`, `sf`, `key`) are refused rather than half-implemented; `bs` and `name` work.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

from server.federation.activitypub import sigcore
from server.federation.activitypub import structured_fields as sf
from server.federation.activitypub.cavage import http_date, split_url
from server.federation.activitypub.digests import check_content_digest, content_digest_header
from server.federation.activitypub.sigcore import (
    ParsedSignature,
    combined_field,
    field_values,
    refuse,
)

LABEL = "sig1"
_FORM_SAFE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._"
)
_RESERVED = frozenset({"host", "date", "content-digest", "signature", "signature-input"})


@dataclass(frozen=True)
class RequestView:
    """The parts of a received request that derived components are computed from."""

    method: str
    scheme: str
    authority: str
    path_qs: str
    headers: Mapping[str, str]


def signature_headers(headers: Mapping[str, str]) -> tuple[sf.InnerList, bytes] | None:
    """The first signature's component list and bytes; None if the request has no
    `Signature-Input` (so it is not an RFC 9421 request)."""
    raw_input = combined_field(headers, "signature-input")
    if raw_input is None:
        return None
    raw_signature = combined_field(headers, "signature")
    if raw_signature is None:
        refuse("malformed", "Signature-Input without a Signature header")
    try:
        inputs = sf.parse_dictionary(raw_input)
        signatures = sf.parse_dictionary(raw_signature)
    except sf.StructuredFieldError as exc:
        refuse("malformed", f"signature headers are not structured fields: {exc}")
    if not inputs:
        refuse("malformed", "Signature-Input is empty")
    label, components = next(iter(inputs.items()))
    signature = signatures.get(label)
    if not isinstance(components, sf.InnerList):
        refuse("malformed", f"Signature-Input {label} is not an inner list")
    if not isinstance(signature, sf.Item) or not isinstance(signature.value, bytes):
        refuse("malformed", f"Signature has no byte sequence for {label}")
    return components, signature.value


def _form_encode(text: str) -> str:
    # RFC 9421 §2.2.8: the application/x-www-form-urlencoded set, but spaces as %20.
    return "".join(chr(b) if b in _FORM_SAFE else f"%{b:02X}" for b in text.encode("utf-8"))


def _query_param(req: RequestView, name: str) -> str:
    query = req.path_qs.partition("?")[2]
    values = [v for k, v in parse_qsl(query, keep_blank_values=True) if _form_encode(k) == name]
    if len(values) != 1:
        # The RFC forbids signing a repeated parameter by name; absent is just missing.
        refuse("missing_component", f"query parameter {name!r} is absent or repeated")
    return _form_encode(values[0])


def _derived_value(req: RequestView, name: str, params: sf.Params) -> str:
    path, _, query = req.path_qs.partition("?")
    if name == "@query-param":
        param = params.get("name")
        if not isinstance(param, str) or set(params) != {"name"}:
            refuse("malformed", "@query-param needs exactly a name parameter")
        return _query_param(req, param)
    if params:
        refuse("unsupported_component", f"{name} takes no parameters")
    values = {
        "@method": req.method,
        "@scheme": req.scheme.lower(),
        "@authority": req.authority.lower(),
        "@target-uri": f"{req.scheme.lower()}://{req.authority.lower()}{req.path_qs}",
        "@request-target": req.path_qs,
        "@path": path or "/",
        "@query": "?" + query,
    }
    if name not in values:
        refuse("unsupported_component", f"component {name} cannot be used on a request")
    return values[name]


def _field_value(req: RequestView, name: str, params: sf.Params) -> str:
    if name != name.lower():
        refuse("malformed", f"component names must be lowercase, got {name!r}")
    if set(params) - {"bs"}:
        refuse("unsupported_component", f"unsupported parameters on {name}: {sorted(params)}")
    if "bs" in params:
        lines = field_values(req.headers, name)
        if not lines:
            refuse("missing_header", f"signed header {name} is missing from the request")
        wrapped = (sf.serialize_bare_item(line.strip(" \t").encode("utf-8")) for line in lines)
        return ", ".join(wrapped)
    value = combined_field(req.headers, name)
    if value is None:
        refuse("missing_header", f"signed header {name} is missing from the request")
    return value


def component_line(req: RequestView, component: sf.Item) -> str:
    name = component.value
    if not isinstance(name, str) or isinstance(name, sf.Token):
        refuse("malformed", "component identifiers must be strings")
    if name == "@signature-params":
        refuse("malformed", "@signature-params cannot be covered")
    if name.startswith("@"):
        value = _derived_value(req, name, component.params)
    else:
        value = _field_value(req, name, component.params)
    if "\n" in value or "\r" in value:
        refuse("malformed", f"component {name} has a line break")
    return f"{sf.serialize_item(component)}: {value}"


def signature_base(req: RequestView, components: sf.InnerList) -> bytes:
    """The exact bytes the sender signed (RFC 9421 §2.5)."""
    lines, seen = [], set()
    for component in components.items:
        identifier = sf.serialize_item(component)
        if identifier in seen:
            refuse("malformed", f"component {identifier} is listed twice")
        seen.add(identifier)
        lines.append(component_line(req, component))
    lines.append(f'"@signature-params": {sf.serialize_inner_list(components)}')
    return "\n".join(lines).encode("utf-8")


def _covered_names(components: sf.InnerList) -> tuple[str, ...]:
    return tuple(
        str(c.value) + sf.serialize_params(c.params) for c in components.items
    )


def _timestamp(params: sf.Params, name: str) -> datetime | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        refuse("malformed", f"signature parameter {name} must be an integer")
    return datetime.fromtimestamp(value, UTC)


def _check_policy(
    covered: tuple[str, ...], req: RequestView, body: bytes, now: datetime, created: datetime,
    max_skew: timedelta,
) -> None:
    has_target = "@target-uri" in covered or (
        ("@path" in covered or "@request-target" in covered)
        and ("@authority" in covered or "host" in covered)
    )
    if "@method" not in covered or not has_target:
        refuse("not_covered", "the signature must cover @method, the path and the authority")
    if body and "content-digest" not in covered:
        refuse("digest_not_covered", "a request with a body must have its Content-Digest signed")
    if "content-digest" in covered:
        check_content_digest(req.headers, body)
    sigcore.check_window(created, now, max_skew, "creation time")


def parse(
    components: sf.InnerList, signature: bytes, req: RequestView, *, body: bytes,
    now: datetime, max_skew: timedelta,
) -> ParsedSignature:
    params = components.params
    key_id, alg = params.get("keyid"), params.get("alg", sigcore.BY_KEY)
    if not isinstance(key_id, str) or not key_id:
        refuse("malformed", "Signature-Input lacks a keyid")
    if not isinstance(alg, str) or ("alg" in params and not alg):
        refuse("malformed", "alg must be a non-empty string")
    sigcore.check_algorithm_name(alg)
    sigcore.check_not_expired(_timestamp(params, "expires"), now)
    created = _timestamp(params, "created")
    if created is None:
        refuse("malformed", "Signature-Input lacks created; undated signatures are replayable")
    base = signature_base(req, components)
    covered = _covered_names(components)
    _check_policy(covered, req, body, now, created, max_skew)
    return ParsedSignature("rfc9421", key_id, alg, base, signature, covered, created)


def sign(
    *, method: str, url: str, body: bytes | None, key_id: str, private_key: object,
    now: datetime, extra_headers: Mapping[str, str] | None,
) -> dict[str, str]:
    extra = dict(extra_headers or {})
    if _RESERVED & {k.lower() for k in extra}:
        raise ValueError(f"extra_headers may not set {sorted(_RESERVED)}")
    scheme, host, target = split_url(url)
    out = {"Host": host, "Date": http_date(now)}
    names = ["@method", "@target-uri", "@authority"]
    if body is not None:
        out["Content-Digest"] = content_digest_header(body)
        names.append("content-digest")
    out.update(extra)
    names.extend(k.lower() for k in extra)
    algorithm = sigcore.algorithm_for_private_key(private_key)
    components = sf.InnerList(
        tuple(sf.Item(n) for n in names),
        {"created": int(now.timestamp()), "keyid": key_id, "alg": algorithm},
    )
    req = RequestView(method.upper(), scheme, host, target, out)
    signature = sigcore.sign_bytes(private_key, algorithm, signature_base(req, components))
    out["Signature-Input"] = f"{LABEL}={sf.serialize_inner_list(components)}"
    out["Signature"] = f"{LABEL}=:{base64.b64encode(signature).decode('ascii')}:"
    return out
