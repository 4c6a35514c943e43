"""Small facts about URIs that every federation check needs: whose host an id is on, and
whether an id is acceptable at all under this configuration."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from server.config import Config

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# Servers write the public collection three ways; all mean the same audience.
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})

# The shape nearly every id has: a lower-case http(s) scheme, then a plain DNS name or IPv4
# address with an optional port, then the end or a path, query or fragment. For it the
# authority is read off directly; urlsplit (several passes, a result object) is left for the
# rest. The match stops at the first character urlsplit would treat specially (tab and
# newlines, which it deletes; `@`, `[`, non-ASCII), so both give the same answer.
_PLAIN_AUTHORITY = re.compile(r"(https?)://([A-Za-z0-9.\-]+(?::[0-9]+)?)(?=[/?#]|\Z)")


# Every inbox POST asks for the host of the same actor URI several times (shape check,
# domain policy, key id); the answer depends on the string alone. Those repeats come within
# one request, so a short memory keeps them: most ids are seen once (activities, objects),
# and each entry keeps its id alive (about 0.25 KiB), while a miss costs under 2 µs.
@lru_cache(maxsize=1024)
def host_of(uri: str) -> str:
    """The lower-cased authority of an http(s) URI, without userinfo or a default port;
    "" when `uri` is not an absolute http(s) URI."""
    plain = _PLAIN_AUTHORITY.match(uri)
    if plain is not None:
        scheme, host = plain.groups()
        return host.lower().removesuffix(":443" if scheme == "https" else ":80")
    return host_by_urlsplit(uri)


def host_by_urlsplit(uri: str) -> str:
    """host_of for any shape: the rule the fast path above must agree with."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.netloc.rpartition("@")[2].lower()
    default = ":443" if parts.scheme == "https" else ":80"
    return host.removesuffix(default)


def same_host(a: str, b: str) -> bool:
    host = host_of(a)
    return bool(host) and host == host_of(b)


def acceptable_id(uri: str, config: Config) -> bool:
    """An id we will store: https, or plain http only when the configuration allows it."""
    if not isinstance(uri, str) or len(uri) > 2048 or not host_of(uri):
        return False
    scheme = uri.split(":", 1)[0].lower()
    return scheme == "https" or (scheme == "http" and config.allow_http)


def without_fragment(uri: str) -> str:
    return uri.split("#", 1)[0]


def is_local(uri: str, config: Config) -> bool:
    return host_of(uri) == host_of(config.base_url)


def domain_suffixes(host: str) -> list[str]:
    """The host and each parent domain (a policy for a domain covers its subdomains)."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    parts = name.split(".")
    return [host, *(".".join(parts[i:]) for i in range(len(parts)))]
