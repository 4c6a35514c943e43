"""The instance's VAPID identity (RFC 8292): one P-256 key pair, and the signed token that
goes with every push request so a push service knows who sends (pure, no I/O)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from server.push.ece import b64url, public_bytes

# RFC 8292 §2: push services may refuse a token that lives longer than a day. Twelve hours
# leaves room for a clock that is somewhat off on either side.
TOKEN_LIFETIME = timedelta(hours=12)


def generate_private_pem() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def load_private(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


def public_key_b64(key: ec.EllipticCurvePrivateKey) -> str:
    """The application server key as the Push API takes it: the uncompressed point, base64url."""
    return b64url(public_bytes(key.public_key()))


def audience(endpoint: str) -> str:
    """The push resource's origin: scheme, host and any non-default port."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def subject(*, contact_email: str, base_url: str) -> str:
    return f"mailto:{contact_email}" if contact_email else base_url.rstrip("/")


def sign_token(key: ec.EllipticCurvePrivateKey, *, endpoint: str, sub: str, now: datetime) -> str:
    """A compact JWS (ES256): the signature is r || s, 32 bytes each, not DER (RFC 7518 §3.4)."""
    header = b64url(json.dumps({"typ": "JWT", "alg": "ES256"}, separators=(",", ":")).encode())
    claims = {"aud": audience(endpoint), "exp": int((now + TOKEN_LIFETIME).timestamp()),
              "sub": sub}
    body = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode("ascii")
    r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
    return f"{header}.{body}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
