"""Encrypting a push message for one subscriber (pure, no I/O).

Two encodings, as the subscription asks:

- `aes128gcm` (RFC 8291 on top of RFC 8188): the salt, record size and our ephemeral public
  key travel in a header at the start of the body.
- `aesgcm` (the draft Mastodon and many apps still use for subscriptions not marked
  `standard`): the same ECDH and HKDF idea with a different key schedule, and the salt and
  ephemeral key travel in the `Encryption` and `Crypto-Key` headers instead.

Both produce one record: a notification is far below the 4 kB a push service accepts.
"""

from __future__ import annotations

import base64
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

RECORD_SIZE = 4096
# RFC 8030 §7.2: push services must accept at least 4096 bytes of body; aes128gcm spends 86 on
# its header and 17 on the delimiter and tag.
MAX_PLAINTEXT = RECORD_SIZE - 86 - 17
AUTH_SECRET_BYTES = 16
POINT_BYTES = 65  # uncompressed P-256 point: 0x04 || X || Y


class BadKeyError(ValueError):
    """A subscriber key that is not what the push protocol requires."""


def b64url_decode(text: str) -> bytes:
    """Lenient on padding and alphabet: clients send url-safe without padding, some pad, and
    older ones send standard base64."""
    cleaned = text.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (ValueError, TypeError) as exc:
        raise BadKeyError("not base64") from exc


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def load_p256dh(text: str) -> ec.EllipticCurvePublicKey:
    raw = b64url_decode(text)
    if len(raw) != POINT_BYTES or raw[0] != 4:
        raise BadKeyError("p256dh must be an uncompressed P-256 point (65 bytes)")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError as exc:  # off the curve
        raise BadKeyError("p256dh is not a point on P-256") from exc


def load_auth(text: str) -> bytes:
    raw = b64url_decode(text)
    if len(raw) != AUTH_SECRET_BYTES:
        raise BadKeyError("auth must be 16 bytes")
    return raw


def public_bytes(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.X962,
                            serialization.PublicFormat.UncompressedPoint)


def _hkdf(ikm: bytes, *, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


@dataclass(frozen=True)
class Encrypted:
    body: bytes
    salt: bytes
    server_public: bytes   # the ephemeral key; the aesgcm headers carry it


def _agree(plaintext: bytes, ua_public: bytes, as_private: ec.EllipticCurvePrivateKey | None,
           salt: bytes | None) -> tuple[bytes, bytes, bytes]:
    """What both encodings start from: (our ephemeral public key, the ECDH secret shared with
    the subscriber's key, the salt)."""
    if len(plaintext) > MAX_PLAINTEXT:
        raise ValueError("push message too long for one record")
    as_private = as_private or ec.generate_private_key(ec.SECP256R1())
    ua_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ua_public)
    return (public_bytes(as_private.public_key()), as_private.exchange(ec.ECDH(), ua_key),
            salt or os.urandom(16))


def encrypt_aes128gcm(plaintext: bytes, *, ua_public: bytes, auth_secret: bytes,
                      as_private: ec.EllipticCurvePrivateKey | None = None,
                      salt: bytes | None = None) -> Encrypted:
    """RFC 8291 §3.4 and §4. `as_private` and `salt` are fresh per message; tests pass the
    RFC's fixed ones to reproduce its example."""
    as_public, shared, salt = _agree(plaintext, ua_public, as_private, salt)
    ikm = _hkdf(shared, salt=auth_secret, info=b"WebPush: info\x00" + ua_public + as_public,
                length=32)
    cek = _hkdf(ikm, salt=salt, info=b"Content-Encoding: aes128gcm\x00", length=16)
    nonce = _hkdf(ikm, salt=salt, info=b"Content-Encoding: nonce\x00", length=12)
    # 0x02 marks the last (and only) record; no padding after it.
    sealed = AESGCM(cek).encrypt(nonce, plaintext + b"\x02", None)
    header = salt + struct.pack("!IB", RECORD_SIZE, len(as_public)) + as_public
    return Encrypted(body=header + sealed, salt=salt, server_public=as_public)


def encrypt_aesgcm(plaintext: bytes, *, ua_public: bytes, auth_secret: bytes,
                   as_private: ec.EllipticCurvePrivateKey | None = None,
                   salt: bytes | None = None) -> Encrypted:
    """The draft-04 scheme: a key schedule bound to both public keys through a length-prefixed
    context, and a two-byte padding length in front of the plaintext."""
    as_public, shared, salt = _agree(plaintext, ua_public, as_private, salt)
    ikm = _hkdf(shared, salt=auth_secret, info=b"Content-Encoding: auth\x00", length=32)
    context = (b"P-256\x00" + struct.pack("!H", len(ua_public)) + ua_public
               + struct.pack("!H", len(as_public)) + as_public)
    cek = _hkdf(ikm, salt=salt, info=b"Content-Encoding: aesgcm\x00" + context, length=16)
    nonce = _hkdf(ikm, salt=salt, info=b"Content-Encoding: nonce\x00" + context, length=12)
    sealed = AESGCM(cek).encrypt(nonce, b"\x00\x00" + plaintext, None)
    return Encrypted(body=sealed, salt=salt, server_public=as_public)
