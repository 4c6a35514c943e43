"""What both signature schemes share: the parsed result, header access, freshness, and the
signature algorithms themselves.

Every refusal is a `SignatureError` whose `detail["reason"]` names the cause in one word, so
the inbox can log and count refusals without matching on message text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from server.errors import SignatureError

Scheme = Literal["cavage", "rfc9421"]

# Only asymmetric algorithms: a federation peer never shares a secret with us, so an HMAC
# signature could only ever be checked against a key the sender also controls.
RSA_V15_SHA256 = "rsa-v1_5-sha256"
RSA_PSS_SHA512 = "rsa-pss-sha512"
ECDSA_P256_SHA256 = "ecdsa-p256-sha256"
ED25519 = "ed25519"
SYMMETRIC = frozenset({"hmac-sha256"})
# The empty string means "chosen by the key", which is what both `hs2019` and an RFC 9421
# signature without `alg` ask for.
BY_KEY = ""
KNOWN_ALGORITHMS = frozenset({RSA_V15_SHA256, RSA_PSS_SHA512, ECDSA_P256_SHA256, ED25519, BY_KEY})


@dataclass(frozen=True)
class ParsedSignature:
    """A signature whose signing string has been rebuilt from the request but not yet checked.

    `algorithm` is one of the RFC 9421 algorithm names above, or "" when the key decides;
    draft-cavage names are mapped onto them (`rsa-sha256` -> `rsa-v1_5-sha256`, `hs2019` -> "").
    """

    scheme: Scheme
    key_id: str
    algorithm: str
    signing_string: bytes
    signature: bytes
    covered: tuple[str, ...]
    created: datetime | None
    # Mastodon signs `(request-target)` without the query string (and accepts both ways
    # itself), so for such requests the query-less string is tried second.
    legacy_signing_string: bytes | None = None


def refuse(reason: str, message: str) -> NoReturn:
    raise SignatureError(message, reason=reason)


_OBS_FOLD = re.compile(r"[ \t]*\r?\n[ \t]+")


def field_values(headers: Mapping[str, str], name: str) -> list[str]:
    """Every line of a header field, whatever mapping the web layer handed us."""
    getall = getattr(headers, "getall", None)
    if getall is not None:
        return [str(v) for v in getall(name, [])]
    lowered = name.lower()
    return [str(v) for k, v in headers.items() if k.lower() == lowered]


def combined_field(headers: Mapping[str, str], name: str) -> str | None:
    """A field's lines joined as both schemes define it: trimmed, obs-folds flattened, ", "."""
    lines = field_values(headers, name)
    if not lines:
        return None
    if len(lines) == 1 and "\n" not in lines[0]:  # the usual case, without the regex
        return lines[0].strip(" \t")
    return ", ".join(_OBS_FOLD.sub(" ", line).strip(" \t") for line in lines)


def require_aware(now: datetime) -> datetime:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("timestamps must carry a timezone (use UTC)")
    return now


def check_window(stamp: datetime, now: datetime, max_skew: timedelta, what: str) -> None:
    """Refuse a stamp outside now ± max_skew: both old replays and clocks far ahead."""
    if stamp < now - max_skew:
        refuse("stale", f"signature {what} is too old")
    if stamp > now + max_skew:
        refuse("future", f"signature {what} is too far in the future")


def check_not_expired(expires: datetime | None, now: datetime) -> None:
    if expires is not None and expires <= now:
        refuse("expired", "signature has expired")


def check_algorithm_name(name: str) -> None:
    if name in SYMMETRIC:
        refuse("unsupported_algorithm", f"{name} needs a shared secret; peers have none with us")
    if name not in KNOWN_ALGORITHMS:
        refuse("unsupported_algorithm", f"unsupported signature algorithm {name!r}")


def _raw_ecdsa_to_der(signature: bytes) -> bytes:
    # RFC 9421 sends r||s as two 32-byte integers; `cryptography` wants DER.
    if len(signature) != 64:
        return signature
    return encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )


Check = Callable[[bytes, bytes], None]  # (signature, data); raises InvalidSignature


def _rsa_checks(key: rsa.RSAPublicKey, algorithm: str, scheme: Scheme) -> list[Check]:
    def v15(sig: bytes, data: bytes) -> None:
        key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())

    def pss(sig: bytes, data: bytes) -> None:
        key.verify(sig, data, padding.PSS(padding.MGF1(hashes.SHA512()), 64), hashes.SHA512())

    if algorithm == RSA_V15_SHA256:
        return [v15]
    if algorithm == RSA_PSS_SHA512:
        return [pss]
    if algorithm == BY_KEY and scheme == "rfc9421":
        # Without `alg` the RFC lets the key decide; RSA keys are used both ways in the wild.
        return [v15, pss]
    if algorithm == BY_KEY:
        return [v15]  # hs2019 with an RSA key means PKCS#1 v1.5 in practice (Mastodon)
    refuse("algorithm_mismatch", f"an RSA key cannot check an {algorithm} signature")


def _checks(key: object, parsed: ParsedSignature) -> list[Check]:
    if isinstance(key, rsa.RSAPublicKey):
        return _rsa_checks(key, parsed.algorithm, parsed.scheme)
    if isinstance(key, ed25519.Ed25519PublicKey):
        if parsed.algorithm not in (ED25519, BY_KEY):
            refuse("algorithm_mismatch", f"an Ed25519 key cannot check {parsed.algorithm}")
        return [key.verify]
    if isinstance(key, ec.EllipticCurvePublicKey):
        if parsed.algorithm not in (ECDSA_P256_SHA256, BY_KEY) or not isinstance(
            key.curve, ec.SECP256R1
        ):
            refuse("algorithm_mismatch", "only P-256 keys with ecdsa-p256-sha256 are accepted")
        curve_key = key

        def ecdsa(sig: bytes, data: bytes) -> None:
            curve_key.verify(_raw_ecdsa_to_der(sig), data, ec.ECDSA(hashes.SHA256()))

        return [ecdsa]
    refuse("unsupported_key", f"unsupported public key type {type(key).__name__}")


def verify_signature(parsed: ParsedSignature, public_key: object) -> None:
    """Check `parsed.signature` over the signing string with the key the caller found."""
    checks = _checks(public_key, parsed)
    candidates = [parsed.signing_string]
    if parsed.legacy_signing_string is not None:
        candidates.append(parsed.legacy_signing_string)
    for data in candidates:
        for check in checks:
            try:
                check(parsed.signature, data)
                return
            except (InvalidSignature, ValueError):
                continue
    refuse("bad_signature", "signature does not verify")


def algorithm_for_private_key(private_key: object) -> str:
    if isinstance(private_key, rsa.RSAPrivateKey):
        return RSA_V15_SHA256
    if isinstance(private_key, ed25519.Ed25519PrivateKey):
        return ED25519
    if isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(
        private_key.curve, ec.SECP256R1
    ):
        return ECDSA_P256_SHA256
    raise TypeError(f"cannot sign with a {type(private_key).__name__}")


def sign_bytes(private_key: object, algorithm: str, data: bytes) -> bytes:
    """Produce the signature bytes exactly as the verifier above expects them."""
    if algorithm == RSA_V15_SHA256 and isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == ED25519 and isinstance(private_key, ed25519.Ed25519PrivateKey):
        return private_key.sign(data)
    if algorithm == ECDSA_P256_SHA256 and isinstance(private_key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    raise TypeError(f"cannot sign {algorithm} with a {type(private_key).__name__}")
