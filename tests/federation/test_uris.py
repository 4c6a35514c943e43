"""host_of reads the authority of the usual id shape directly and leaves anything else to
urlsplit: both paths must agree on every input."""

import pytest

from server.federation import uris


@pytest.mark.parametrize("uri", [
    "https://example.com/users/a", "https://Example.COM:443/x", "http://a.example:80/",
    "https://a.example:80/", "http://a.example:443", "https://a.example", "https://a.b?x",
    "https://a.b#frag", "https://10.0.0.1:8080/p", "https://a.b:/", "https://a..b/",
    "https://user@a.b/", "https://[::1]:8443/", "https://a.b\\c/", "https://a.b\t/x",
    "https://a.b\n.c/x", " https://a.b/", "HTTPS://A.B/", "https:/a.b/", "https://:80/",
    "ftp://a.b/", "https://exämple.com/", "https://a.b/\npath", "https://a.b\n", "",
    "as:Public", "https://www.w3.org/ns/activitystreams#Public",
])
def test_host_of_agrees_with_urlsplit(uri: str) -> None:
    assert uris.host_of(uri) == uris.host_by_urlsplit(uri)
