"""TLS session resumption for outgoing connections (activitypub/tls_resume.py), over real TLS
on loopback: a second connection to a host resumes, never with another host's session, and
a server that refuses the ticket still gets a full, verified handshake."""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvloop
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from server.federation.activitypub import tls_resume


def _cert(names: list[str]) -> tuple[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode())


CERT, KEY = _cert(["a.test"])


def _server_context() -> ssl.SSLContext:
    """A fresh server context: its own ticket keys, so it refuses another's tickets."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "c.pem").write_text(CERT)
        (Path(d) / "k.pem").write_text(KEY)
        ctx.load_cert_chain(str(Path(d) / "c.pem"), str(Path(d) / "k.pem"))
    return ctx


async def _serve(ctx: ssl.SSLContext) -> tuple[asyncio.Server, int]:
    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"hello\n")
        await writer.drain()
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0, ssl=ctx)
    return server, server.sockets[0].getsockname()[1]


async def _connect(client: ssl.SSLContext, port: int, host: str = "a.test") -> bool:
    """Reads the greeting (the ticket comes with it); whether the session was resumed."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client,
                                                   server_hostname=host)
    assert await reader.readline() == b"hello\n"
    reused = writer.get_extra_info("ssl_object").session_reused
    writer.close()
    await writer.wait_closed()
    return reused


async def _resumes_second_connection() -> None:
    server, port = await _serve(_server_context())
    client = tls_resume.client_context(cadata=CERT)
    try:
        assert await _connect(client, port) is False
        assert len(client.sessions) == 1
        assert await _connect(client, port) is True   # the saved ticket, used once ...
        assert await _connect(client, port) is True   # ... and the new one it brought
        assert client.sessions.offered == 2
    finally:
        server.close()
        await server.wait_closed()


async def test_second_connection_resumes() -> None:
    await _resumes_second_connection()


def test_second_connection_resumes_under_uvloop() -> None:
    # the app runs on uvloop, whose TLS protocol is its own (it too calls wrap_bio)
    loop = uvloop.new_event_loop()
    try:
        loop.run_until_complete(_resumes_second_connection())
    finally:
        loop.close()


async def test_session_never_offered_to_another_host() -> None:
    server, port = await _serve(_server_context())
    client = tls_resume.client_context(cadata=CERT)
    try:
        assert await _connect(client, port, "a.test") is False
        # the certificate is not b.test's: a full handshake, which refuses it
        with pytest.raises(ssl.SSLCertVerificationError):
            await _connect(client, port, "b.test")
        assert client.sessions.offered == 0
        assert await _connect(client, port, "a.test") is True
    finally:
        server.close()
        await server.wait_closed()


async def test_server_refusing_the_ticket_gets_a_full_handshake() -> None:
    first, port1 = await _serve(_server_context())
    client = tls_resume.client_context(cadata=CERT)
    try:
        assert await _connect(client, port1) is False
    finally:
        first.close()
        await first.wait_closed()
    # the same host restarted with new ticket keys
    second, port2 = await _serve(_server_context())
    try:
        assert await _connect(client, port2) is False
        assert client.sessions.offered == 1
        assert await _connect(client, port2) is True
    finally:
        second.close()
        await second.wait_closed()


async def test_wrong_certificate_still_refused_with_a_saved_session() -> None:
    server, port = await _serve(_server_context())
    client = tls_resume.client_context(cadata=CERT)
    try:
        assert await _connect(client, port) is False
    finally:
        server.close()
        await server.wait_closed()
    # another server now answers for a.test, with a certificate nobody trusts; it cannot
    # resume a session it never made, so the full handshake checks its certificate
    cert, key = _cert(["a.test"])
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / "c.pem").write_text(cert)
        (Path(d) / "k.pem").write_text(key)
        ctx.load_cert_chain(str(Path(d) / "c.pem"), str(Path(d) / "k.pem"))
    impostor, port2 = await _serve(ctx)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            await _connect(client, port2)
    finally:
        impostor.close()
        await impostor.wait_closed()


@dataclass
class _Session:  # what SessionStore reads of an ssl.SSLSession
    time: int
    timeout: int
    ticket_lifetime_hint: int


def test_store_expires_bounds_and_uses_once() -> None:
    store = tls_resume.SessionStore(max_hosts=2, per_host=2)
    store.save("a", _Session(1000, 7200, 300))  # type: ignore[arg-type]
    assert store.take("a", now=1301) is None                    # past the server's hint
    for t in (1000, 1001, 1002):
        store.save("a", _Session(t, 7200, 300))  # type: ignore[arg-type]
    assert len(store) == 2                                       # per host
    assert store.take("a", now=1100).time == 1002                # newest first, used once
    assert store.take("a", now=1100).time == 1001
    assert store.take("a", now=1100) is None
    for host in ("a", "b", "c"):
        store.save(host, _Session(1000, 7200, 0))  # type: ignore[arg-type]
    assert store.take("a", now=1100) is None                     # least recently saved, dropped
    assert store.take("c", now=8199) is not None                 # no hint: the session timeout
