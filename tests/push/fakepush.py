"""A push service on loopback that behaves like a phone's: it holds each subscriber's private
key and auth secret, decrypts what it receives (either encoding) and checks the VAPID token
against the instance's public key. The receiving side is written here independently of the
sending code, from the RFCs, so the two check each other."""

from __future__ import annotations

import base64
import json
import struct
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HOST = "push.test"


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _derive(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    return HKDF(hashes.SHA256(), length, salt, info).derive(ikm)


@dataclass
class Device:
    """One subscriber: the key pair and auth secret a browser or phone would make."""

    name: str
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: bytes(range(16)))

    @property
    def public(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)

    @property
    def endpoint(self) -> str:
        return f"http://{HOST}/wpush/{self.name}"

    def keys(self) -> dict[str, str]:
        return {"p256dh": b64(self.public), "auth": b64(self.auth)}

    def decrypt_aes128gcm(self, body: bytes) -> bytes:
        salt, (rs, idlen) = body[:16], struct.unpack("!IB", body[16:21])
        sender = body[21:21 + idlen]
        record = body[21 + idlen:]
        assert len(record) <= rs, "one record expected"
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender)
        secret = self.private.exchange(ec.ECDH(), peer)
        ikm = _derive(secret, self.auth, b"WebPush: info\x00" + self.public + sender, 32)
        cek = _derive(ikm, salt, b"Content-Encoding: aes128gcm\x00", 16)
        nonce = _derive(ikm, salt, b"Content-Encoding: nonce\x00", 12)
        padded = AESGCM(cek).decrypt(nonce, record, None).rstrip(b"\x00")
        assert padded.endswith(b"\x02"), "the only record must end with the last-record delimiter"
        return padded[:-1]

    def decrypt_aesgcm(self, body: bytes, *, salt: bytes, sender: bytes) -> bytes:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender)
        secret = self.private.exchange(ec.ECDH(), peer)
        ikm = _derive(secret, self.auth, b"Content-Encoding: auth\x00", 32)
        context = b"P-256\x00" + struct.pack("!H", 65) + self.public + struct.pack("!H", 65) + sender
        cek = _derive(ikm, salt, b"Content-Encoding: aesgcm\x00" + context, 16)
        nonce = _derive(ikm, salt, b"Content-Encoding: nonce\x00" + context, 12)
        plain = AESGCM(cek).decrypt(nonce, body, None)
        pad = struct.unpack("!H", plain[:2])[0]
        return plain[2 + pad:]


@dataclass
class Received:
    device: str
    encoding: str
    headers: dict[str, str]
    message: dict[str, Any]
    claims: dict[str, Any]


def _params(header: str) -> dict[str, str]:
    out = {}
    for part in header.replace(",", ";").split(";"):
        name, eq, value = part.strip().partition("=")
        if eq:
            out[name.strip()] = value.strip()
    return out


class FakePushService:
    def __init__(self, *, server_key: str, now: datetime) -> None:
        self.server_key = server_key       # the instance's VAPID public key, from its API
        self.now = now
        self.port = 0                      # set once it listens
        self.devices: dict[str, Device] = {}
        self.answers: dict[str, int] = {}  # device name -> status to answer with
        self.retry_after: str | None = None  # sent with every non-2xx answer when set
        self.received: list[Received] = []
        self.errors: list[str] = []

    def device(self, name: str) -> Device:
        self.devices[name] = Device(name)
        return self.devices[name]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/wpush/{name}", self._receive)
        return app

    async def _receive(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.read()
        try:
            received = self._open(name, request.headers, body)
        except Exception as exc:  # noqa: BLE001 - the test reads these
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return web.Response(status=400)
        self.received.append(received)
        status = self.answers.get(name, 201)
        headers = {"Retry-After": self.retry_after} if self.retry_after and status >= 300 else {}
        return web.Response(status=status, headers=headers)

    def _open(self, name: str, headers: Any, body: bytes) -> Received:
        device = self.devices[name]
        encoding = headers["Content-Encoding"]
        auth = headers["Authorization"]
        assert int(headers["TTL"]) > 0 and headers["Urgency"] in ("very-low", "low", "normal", "high")
        if encoding == "aes128gcm":
            scheme, _, rest = auth.partition(" ")
            assert scheme == "vapid", auth
            fields = _params(rest)
            jwt, key = fields["t"], fields["k"]
            plain = device.decrypt_aes128gcm(body)
        elif encoding == "aesgcm":
            scheme, _, jwt = auth.partition(" ")
            assert scheme == "WebPush", auth
            crypto_key = _params(headers["Crypto-Key"])
            key = crypto_key["p256ecdsa"]
            salt = unb64(_params(headers["Encryption"])["salt"])
            plain = device.decrypt_aesgcm(body, salt=salt, sender=unb64(crypto_key["dh"]))
        else:
            raise AssertionError(f"unexpected Content-Encoding {encoding}")
        assert key == self.server_key, "signed with a key other than the instance's"
        claims = self._verify(jwt, key, expected_aud=f"http://{HOST}")
        return Received(device=name, encoding=encoding, headers=dict(headers),
                        message=json.loads(plain), claims=claims)

    def _verify(self, jwt: str, key: str, *, expected_aud: str) -> dict[str, Any]:
        head, claims_part, signature = jwt.split(".")
        header = json.loads(unb64(head))
        assert header["alg"] == "ES256", header
        raw = unb64(signature)
        assert len(raw) == 64, "ES256 signatures are r || s"
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(key))
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            public.verify(der, f"{head}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise AssertionError("the VAPID token's signature does not verify") from None
        claims = json.loads(unb64(claims_part))
        assert claims["aud"] == expected_aud, claims
        assert 0 < claims["exp"] - self.now.timestamp() <= 24 * 3600, claims
        assert claims["sub"].startswith(("mailto:", "https://")), claims
        return claims
