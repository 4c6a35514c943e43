"""Outgoing requests go to public addresses only (unless the configuration allows private
ones, for tests and local development).

The check sits in the resolver that the HTTP client connects through, so it judges the very
addresses the connection will use: a host name that resolves to a private address is refused
even when a redirect brought us there, and DNS rebinding between a check and the connect is
not possible. A URL whose host is already an IP address never reaches a resolver, so
`check_url_host` covers that case before the request is made.
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver


class AddressRefusedError(OSError):
    """The host resolves to an address outgoing requests may not reach."""


def is_public_address(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # ::ffff:10.0.0.1 and 64:ff9b::/96 style wrappings must be judged by the IPv4 inside.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast


def check_url_host(host: str, *, allow_private: bool) -> None:
    """Refuse a literal IP host that is not public; host names are checked when resolved."""
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        return
    if not allow_private and not is_public_address(bare):
        raise AddressRefusedError(f"{host} is not a public address")


class GuardedResolver(AbstractResolver):
    """Wraps another resolver and refuses any host with a non-public address among its
    answers (all of them are checked: the client may try each)."""

    def __init__(self, inner: AbstractResolver | None = None, *, allow_private: bool) -> None:
        self._inner = inner if inner is not None else DefaultResolver()
        self._allow_private = allow_private

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if not self._allow_private:
            for result in results:
                if not is_public_address(result["host"]):
                    raise AddressRefusedError(
                        f"{host} resolves to {result['host']}, which is not a public address")
        return results

    async def close(self) -> None:
        await self._inner.close()
