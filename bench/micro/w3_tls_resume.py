"""An experiment, measured by w3_fetch_instructions (`raw_tls_resumed`), not used by the app:
TLS session resumption for an outgoing client, a second connection to a server resuming the
session of an earlier one instead of a full handshake. With Python's ssl module on OpenSSL
3.0 it saves no instructions (see that module's docstring for why); kept so that the
measurement can be repeated on another Python or OpenSSL.

A full handshake costs the client most of a new actor's fetch (OpenSSL 3.0 decodes and
verifies the server's certificate chain: several million instructions, against ~0.4 M for a
GET on a kept-alive connection), and kept-alive connections last only 75 s: a server we
fetch a key from, or deliver to, every few minutes pays it every time. A resumed handshake
skips the certificate: the server proves it holds the secret of the earlier session, which
was verified in full, for the same host name.

asyncio, uvloop and aiohttp never pass a session to a new connection, but both event loops
create their TLS objects through `SSLContext.wrap_bio`: ResumingContext overrides it to
offer the session saved for that `server_hostname`, and its TLS objects save the first
ticket the server sends on each connection (TLS 1.3 sends tickets after the handshake, so
they are read with the first data). Rules:

- a session is only ever offered to the host name it was made for (exact match), so a
  resumed connection never skips a check a full handshake would make for that name;
- each saved ticket is used once (RFC 8446 advises it: a reused ticket links connections),
  and every connection brings a new one, at most TICKETS_PER_HOST kept per host, for at
  most MAX_HOSTS hosts (least recently used dropped);
- a ticket expires as the server says (its lifetime hint, bounded by the session timeout)
  and is not offered after that;
- a server that refuses the ticket (restarted, rotated its ticket keys) simply runs a full
  handshake: OpenSSL falls back by itself.
"""

from __future__ import annotations

import ssl
import time
from collections import OrderedDict
from typing import Any

MAX_HOSTS = 4096
TICKETS_PER_HOST = 2


class SessionStore:
    """host name -> up to TICKETS_PER_HOST (expires at, session), newest last."""

    def __init__(self, *, max_hosts: int = MAX_HOSTS, per_host: int = TICKETS_PER_HOST) -> None:
        self.max_hosts, self.per_host = max_hosts, per_host
        self._hosts: OrderedDict[str, list[tuple[float, ssl.SSLSession]]] = OrderedDict()
        self.offered = 0   # sessions offered to new connections
        self.resumed = 0   # ... that the server accepted (counted when a ticket comes)
        self.saved = 0

    def take(self, host: str, now: float | None = None) -> ssl.SSLSession | None:
        saved = self._hosts.get(host)
        if not saved:
            return None
        now = time.time() if now is None else now
        while saved:
            expires, session = saved.pop()
            if expires > now:
                self.offered += 1
                if not saved:
                    del self._hosts[host]
                return session
        del self._hosts[host]
        return None

    def save(self, host: str, session: ssl.SSLSession) -> None:
        lifetime = session.timeout
        if session.ticket_lifetime_hint:
            lifetime = min(lifetime, session.ticket_lifetime_hint)
        if lifetime <= 0:
            return
        saved = self._hosts.setdefault(host, [])
        self._hosts.move_to_end(host)
        saved.append((session.time + lifetime, session))
        del saved[:-self.per_host]
        self.saved += 1
        while len(self._hosts) > self.max_hosts:
            self._hosts.popitem(last=False)

    def __len__(self) -> int:
        return sum(len(s) for s in self._hosts.values())


class ResumingSSLObject(ssl.SSLObject):
    """Saves the first session ticket its server sends (see the module docstring)."""

    _store: SessionStore | None = None
    _host: str = ""

    def read(self, len: int = 1024, buffer: Any = None) -> Any:  # noqa: A002 (ssl's names)
        data = super().read(len, buffer)
        if self._store is not None:
            self._save_ticket()
        return data

    def _save_ticket(self) -> None:
        session = self.session
        if session is not None and session.has_ticket:
            assert self._store is not None
            if self.session_reused:
                self._store.resumed += 1
            self._store.save(self._host, session)
            self._store = None  # one ticket per connection is enough


class ResumingContext(ssl.SSLContext):
    """A client SSLContext whose connections resume earlier sessions to the same host."""

    sslobject_class = ResumingSSLObject

    @property
    def sessions(self) -> SessionStore:
        store = self.__dict__.get("_sessions")
        if store is None:
            store = self.__dict__["_sessions"] = SessionStore()
        return store

    def wrap_bio(self, incoming: ssl.MemoryBIO, outgoing: ssl.MemoryBIO,
                 server_side: bool = False, server_hostname: str | None = None,
                 session: ssl.SSLSession | None = None) -> ssl.SSLObject:
        if server_side or not server_hostname:
            return super().wrap_bio(incoming, outgoing, server_side, server_hostname, session)
        store = self.sessions
        if session is None:
            session = store.take(server_hostname)
        obj = super().wrap_bio(incoming, outgoing, server_side, server_hostname, session)
        assert isinstance(obj, ResumingSSLObject)
        obj._store, obj._host = store, server_hostname
        return obj


def client_context(*, cafile: str | None = None, cadata: str | None = None) -> ResumingContext:
    """What ssl.create_default_context() makes for a client (certificate and host name
    required, the system's CA store or the given one), resuming sessions."""
    ctx = ResumingContext(ssl.PROTOCOL_TLS_CLIENT)
    if cafile or cadata:
        ctx.load_verify_locations(cafile=cafile, cadata=cadata)
    else:
        ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    return ctx
