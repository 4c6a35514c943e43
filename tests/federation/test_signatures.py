"""HTTP signatures: published vectors, round trips, a Mastodon-shaped delivery, refusals."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from multidict import CIMultiDict

from server.errors import SignatureError
from server.federation.activitypub import cavage, rfc9421, sigcore
from server.federation.activitypub import structured_fields as sf
from server.federation.activitypub.signatures import (
    ParsedSignature,
    content_digest_header,
    digest_header,
    generate_rsa_keypair,
    load_private_key,
    load_public_key,
    parse_request_signature,
    sign_request,
    sign_request_rfc9421,
    verify_parsed,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "signatures"


def fixture_key(name: str) -> Any:
    return load_public_key((FIXTURES / name).read_text())


# --- digests (RFC 9530 §2 / draft-cavage Appendix C use the same body) -----------------------

HELLO = b'{"hello": "world"}'


@pytest.mark.parametrize(
    ("body", "digest", "content_digest"),
    [
        (
            HELLO,
            "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        ),
        (
            b"",
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:",
        ),
    ],
    ids=["hello-world", "empty"],
)
def test_digest_headers(body: bytes, digest: str, content_digest: str) -> None:
    assert digest_header(body) == digest
    assert content_digest_header(body) == content_digest


# --- RFC 9421 Appendix B ---------------------------------------------------------------------

RFC_CREATED = datetime.fromtimestamp(1618884473, UTC)
RFC_NOW = RFC_CREATED + timedelta(seconds=30)
REQ_CONTENT_DIGEST = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+"
    "TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
)
# The B.2 `test-request`; each case adds its own Signature-Input and Signature.
TEST_REQUEST = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": REQ_CONTENT_DIGEST,
    "Content-Length": "18",
}
CLIENT_CERT = (
    ":MIIBqDCCAU6gAwIBAgIBBzAKBggqhkjOPQQDAjA6MRswGQYDVQQKDBJMZXQncyBBdXRoZW50aWNhdGUxGzAZBgNVBAMM"
    "EkxBIEludGVybWVkaWF0ZSBDQTAeFw0yMDAxMTQyMjU1MzNaFw0yMTAxMjMyMjU1MzNaMA0xCzAJBgNVBAMMAkJDMFkw"
    "EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8YnXXfaUgmnMtOXU/IncWalRhebrXmckC8vdgJ1p5Be5F/3YC8OthxM4+k1M"
    "6aEAEFcGzkJiNy6J84y7uzo9M6NyMHAwCQYDVR0TBAIwADAfBgNVHSMEGDAWgBRm3WjLa38lbEYCuiCPct0ZaSED2DAO"
    "BgNVHQ8BAf8EBAMCBsAwEwYDVR0lBAwwCgYIKwYBBQUHAwIwHQYDVR0RAQH/BBMwEYEPYmRjQGV4YW1wbGUuY29tMAoG"
    "CCqGSM49BAMCA0gAMEUCIBHda/r1vaL6G3VliL4/Di6YK0Q6bMjeSkC3dFCOOB8TAiEAx/kHSB4urmiZ0NX5r5XarmPk"
    "0wmuydBVoU4hBVZ1yhk=:"
)


@dataclass(frozen=True)
class Vector:
    name: str
    method: str
    path_qs: str
    headers: dict[str, str]
    key: str
    base: str
    body: bytes = HELLO


def _b2(label: str, signature_input: str, signature: str, key: str, base: list[str]) -> Vector:
    headers = dict(TEST_REQUEST, **{"Signature-Input": signature_input, "Signature": signature})
    return Vector(label, "POST", "/foo?param=Value&Pet=dog", headers, key, "\n".join(base))


RSA_PSS = "rfc9421-test-key-rsa-pss.pub.pem"
ECC = "rfc9421-test-key-ecc-p256.pub.pem"
ED = "rfc9421-test-key-ed25519.pub.pem"

VECTORS = [
    _b2(
        "B.2.1",
        'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
        "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++"
        "wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72"
        "rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/"
        "QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:",
        RSA_PSS,
        [
            '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"'
            ';nonce="b3k2pp5k7z-50gnwp.yemd"'
        ],
    ),
    _b2(
        "B.2.2",
        'sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473'
        ';keyid="test-key-rsa-pss";tag="header-example"',
        "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfK"
        "tjvuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEu"
        "EfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZ"
        "fB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:",
        RSA_PSS,
        [
            '"@authority": example.com',
            f'"content-digest": {REQ_CONTENT_DIGEST}',
            '"@query-param";name="Pet": dog',
            '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
            ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
        ],
    ),
    _b2(
        "B.2.3",
        'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest"'
        ' "content-length");created=1618884473;keyid="test-key-rsa-pss"',
        "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt"
        "683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNm"
        "vKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim"
        "5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:",
        RSA_PSS,
        [
            '"date": Tue, 20 Apr 2021 02:07:55 GMT',
            '"@method": POST',
            '"@path": /foo',
            '"@query": ?param=Value&Pet=dog',
            '"@authority": example.com',
            '"content-type": application/json',
            f'"content-digest": {REQ_CONTENT_DIGEST}',
            '"content-length": 18',
            '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type"'
            ' "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
        ],
    ),
    _b2(
        "B.2.6",
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
        ';created=1618884473;keyid="test-key-ed25519"',
        "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp"
        "BKRCw==:",
        ED,
        [
            '"date": Tue, 20 Apr 2021 02:07:55 GMT',
            '"@method": POST',
            '"@path": /foo',
            '"@authority": example.com',
            '"content-type": application/json',
            '"content-length": 18',
            '"@signature-params": ("date" "@method" "@path" "@authority" "content-type"'
            ' "content-length");created=1618884473;keyid="test-key-ed25519"',
        ],
    ),
    Vector(
        "B.3-ttrp",
        "POST",
        "/foo?param=Value&Pet=dog",
        {
            "Host": "service.internal.example",
            "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
            "Content-Type": "application/json",
            "Content-Length": "18",
            "Client-Cert": CLIENT_CERT,
            "Signature-Input": 'ttrp=("@path" "@query" "@method" "@authority" "client-cert")'
            ';created=1618884473;keyid="test-key-ecc-p256"',
            "Signature": "ttrp=:xVMHVpawaAC/0SbHrKRs9i8I3eOs5RtTMGCWXm/9nvZzoHsIg6Mce9315T6xoklyy0"
            "yzhD9ah4JHRwMLOgmizw==:",
        },
        ECC,
        "\n".join(
            [
                '"@path": /foo',
                '"@query": ?param=Value&Pet=dog',
                '"@method": POST',
                '"@authority": service.internal.example',
                f'"client-cert": {CLIENT_CERT}',
                '"@signature-params": ("@path" "@query" "@method" "@authority" "client-cert")'
                ';created=1618884473;keyid="test-key-ecc-p256"',
            ]
        ),
    ),
    Vector(
        "B.4-transform",
        "GET",
        "/demo?name1=Value1&Name2=value2",
        # Two Accept field lines, combined as RFC 9421 §2.1 says.
        CIMultiDict(
            [
                ("Host", "example.org"),
                ("Date", "Fri, 15 Jul 2022 14:24:55 GMT"),
                ("Accept", "application/json"),
                ("Accept", "*/*"),
                (
                    "Signature-Input",
                    'transform=("@method" "@path" "@authority" "accept");created=1618884473'
                    ';keyid="test-key-ed25519"',
                ),
                (
                    "Signature",
                    "transform=:ZT1kooQsEHpZ0I1IjCqtQppOmIqlJPeo7DHR3SoMn0s5JZ1eRGS0A+vyYP9t/LXlh5Q"
                    "MFFQ6cpLt2m0pmj3NDA==:",
                ),
            ]
        ),
        ED,
        "\n".join(
            [
                '"@method": GET',
                '"@path": /demo',
                '"@authority": example.org',
                '"accept": application/json, */*',
                '"@signature-params": ("@method" "@path" "@authority" "accept");created=1618884473'
                ';keyid="test-key-ed25519"',
            ]
        ),
        body=b"",
    ),
]


def _view(v: Vector) -> rfc9421.RequestView:
    host = sigcore.combined_field(v.headers, "host") or ""
    return rfc9421.RequestView(v.method, "https", host, v.path_qs, v.headers)


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_rfc9421_signature_base_matches_the_rfc(vector: Vector) -> None:
    found = rfc9421.signature_headers(vector.headers)
    assert found is not None
    components, _ = found
    assert rfc9421.signature_base(_view(vector), components).decode() == vector.base


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: v.name)
def test_rfc9421_published_signature_verifies(vector: Vector) -> None:
    found = rfc9421.signature_headers(vector.headers)
    assert found is not None
    components, signature = found
    base = rfc9421.signature_base(_view(vector), components)
    parsed = ParsedSignature("rfc9421", "k", "", base, signature, (), RFC_CREATED)
    verify_parsed(parsed, fixture_key(vector.key))
    with pytest.raises(SignatureError):
        verify_parsed(ParsedSignature("rfc9421", "k", "", base + b" ", signature, (), None),
                      fixture_key(vector.key))


def test_rfc9421_ed25519_signature_is_reproduced_exactly() -> None:
    """Ed25519 is deterministic, so B.2.6 must come out byte for byte."""
    b26 = VECTORS[3]
    key = load_private_key((FIXTURES / "rfc9421-test-key-ed25519.pem").read_text())
    signed = sigcore.sign_bytes(key, sigcore.ED25519, b26.base.encode())
    assert f"sig-b26=:{base64.b64encode(signed).decode()}:" == b26.headers["Signature"]


def test_rfc9421_b24_response_signature_verifies_over_its_published_base() -> None:
    """B.2.4 signs a response, which we never verify, but it is the RFC's ECDSA r||s vector."""
    base = "\n".join(
        [
            '"@status": 200',
            '"content-type": application/json',
            '"content-digest": sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX'
            "69wWdXymyU0rjJuahq4l5aGgfLQ==:",
            '"content-length": 23',
            '"@signature-params": ("@status" "content-type" "content-digest" "content-length")'
            ';created=1618884473;keyid="test-key-ecc-p256"',
        ]
    ).encode()
    signature = base64.b64decode(
        "wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw=="
    )
    parsed = ParsedSignature("rfc9421", "k", "ecdsa-p256-sha256", base, signature, (), None)
    verify_parsed(parsed, fixture_key(ECC))


@pytest.mark.parametrize(
    ("vector", "outcome"),
    [
        (VECTORS[2], "ok"),  # covers method, path, authority and its sha-512 Content-Digest
        (VECTORS[5], "ok"),  # a GET: nothing to digest
        (VECTORS[0], "not_covered"),  # covers nothing at all
        (VECTORS[1], "not_covered"),  # no @method
        (VECTORS[3], "digest_not_covered"),  # has a body but leaves Content-Digest unsigned
    ],
    ids=["B.2.3", "B.4", "B.2.1", "B.2.2", "B.2.6"],
)
def test_rfc9421_vectors_through_the_inbox_policy(vector: Vector, outcome: str) -> None:
    def run() -> ParsedSignature:
        parsed = parse_request_signature(
            method=vector.method, path_qs=vector.path_qs, headers=vector.headers,
            body=vector.body, now=RFC_NOW,
        )
        verify_parsed(parsed, fixture_key(vector.key))
        return parsed

    if outcome != "ok":
        with pytest.raises(SignatureError) as info:
            run()
        assert info.value.detail["reason"] == outcome
        return
    parsed = run()
    assert parsed.scheme == "rfc9421"
    assert parsed.key_id in ("test-key-rsa-pss", "test-key-ed25519")
    assert parsed.created == RFC_CREATED
    assert parsed.signing_string.decode() == vector.base


# --- draft-cavage-http-signatures-12 Appendix C ----------------------------------------------

CAVAGE_HEADERS = {
    "Host": "example.com",
    "Date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
CAVAGE_NOW = datetime(2014, 1, 5, 21, 32, 0, tzinfo=UTC)
CAVAGE_TARGET = "/foo?param=value&pet=dog"


@dataclass(frozen=True)
class CavageVector:
    name: str
    signature: str
    signing_string: str
    outcome: str
    headers_param: str | None = None


CAVAGE_VECTORS = [
    CavageVector(
        "C.1-default",
        "SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEE"
        "aDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM=",
        "date: Sun, 05 Jan 2014 21:31:40 GMT",
        "not_covered",
    ),
    CavageVector(
        "C.2-basic",
        "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2i"
        "icw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=",
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\n"
        "date: Sun, 05 Jan 2014 21:31:40 GMT",
        "digest_not_covered",
        "(request-target) host date",
    ),
    # Draft 12 lists (created) and (expires) for C.3, but its published signature is the one
    # computed over this list (from draft 10); that is the one that verifies.
    CavageVector(
        "C.3-all-headers",
        "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB"
        "1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=",
        "(request-target): post /foo?param=value&pet=dog\nhost: example.com\n"
        "date: Sun, 05 Jan 2014 21:31:40 GMT\ncontent-type: application/json\n"
        "digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\ncontent-length: 18",
        "ok",
        "(request-target) host date content-type digest content-length",
    ),
]


def _cavage_header(v: CavageVector) -> str:
    headers = f',headers="{v.headers_param}"' if v.headers_param else ""
    return f'keyId="Test",algorithm="rsa-sha256"{headers},signature="{v.signature}"'


@pytest.mark.parametrize("vector", CAVAGE_VECTORS, ids=lambda v: v.name)
def test_cavage_vector_signing_string_and_signature(vector: CavageVector) -> None:
    params = cavage._parse_params(_cavage_header(vector))
    covered = tuple((vector.headers_param or "date").split())
    base = cavage.signing_string(covered, "POST", CAVAGE_TARGET, CAVAGE_HEADERS, params)
    assert base.decode() == vector.signing_string
    signature = base64.b64decode(vector.signature)
    verify_parsed(
        ParsedSignature("cavage", "Test", sigcore.RSA_V15_SHA256, base, signature, covered, None),
        fixture_key("cavage-test-key.pub.pem"),
    )
    # PKCS#1 v1.5 is deterministic: our signer must reproduce the draft's bytes.
    private = load_private_key((FIXTURES / "cavage-test-key.pem").read_text())
    assert sigcore.sign_bytes(private, sigcore.RSA_V15_SHA256, base) == signature


@pytest.mark.parametrize("vector", CAVAGE_VECTORS, ids=lambda v: v.name)
@pytest.mark.parametrize("carrier", ["Signature", "Authorization"])
def test_cavage_vectors_through_the_inbox_policy(vector: CavageVector, carrier: str) -> None:
    value = _cavage_header(vector)
    headers = dict(CAVAGE_HEADERS)
    headers[carrier] = value if carrier == "Signature" else f"Signature {value}"

    def run() -> ParsedSignature:
        parsed = parse_request_signature(
            method="POST", path_qs=CAVAGE_TARGET, headers=headers, body=HELLO, now=CAVAGE_NOW
        )
        verify_parsed(parsed, fixture_key("cavage-test-key.pub.pem"))
        return parsed

    if vector.outcome != "ok":
        with pytest.raises(SignatureError) as info:
            run()
        assert info.value.detail["reason"] == vector.outcome
        return
    parsed = run()
    assert (parsed.scheme, parsed.key_id, parsed.algorithm) == ("cavage", "Test", "rsa-v1_5-sha256")
    assert parsed.covered[0] == "(request-target)"
    assert parsed.created == datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)


# --- our own signatures, both ways -----------------------------------------------------------

NOW = datetime(2025, 3, 14, 9, 26, 54, tzinfo=UTC)
INBOX = "https://commonhold.example/users/bob/inbox"
KEY_ID = "https://origin.example/users/alice#main-key"


@pytest.fixture(scope="module")
def rsa_pair() -> tuple[Any, Any]:
    private_pem, public_pem = generate_rsa_keypair()
    return load_private_key(private_pem), load_public_key(public_pem)


@pytest.fixture(scope="module")
def other_rsa_public() -> Any:
    return load_public_key(generate_rsa_keypair()[1])


def _ed25519_pair() -> tuple[Any, Any]:
    key = ed25519.Ed25519PrivateKey.generate()
    return key, key.public_key()


def _p256_pair() -> tuple[Any, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    return key, key.public_key()


@pytest.mark.parametrize(
    ("signer", "method", "url", "body", "extra", "pair", "expect_covered"),
    [
        (sign_request, "POST", INBOX, b'{"type":"Follow"}',
         {"Content-Type": "application/activity+json"}, "rsa",
         ("(request-target)", "host", "date", "digest", "content-type")),
        (sign_request, "GET", "https://commonhold.example/users/bob?page=2", None,
         {"Accept": "application/activity+json"}, "rsa",
         ("(request-target)", "host", "date", "accept")),
        (sign_request, "POST", "https://commonhold.example:8443/inbox", b"", None, "rsa",
         ("(request-target)", "host", "date", "digest")),
        (sign_request_rfc9421, "POST", INBOX, b'{"type":"Like"}',
         {"Content-Type": "application/activity+json"}, "rsa",
         ("@method", "@target-uri", "@authority", "content-digest", "content-type")),
        (sign_request_rfc9421, "GET", "https://commonhold.example/users/bob?page=2", None,
         None, "ed25519", ("@method", "@target-uri", "@authority")),
        (sign_request_rfc9421, "POST", INBOX, "héllo ☕".encode(), None, "p256",
         ("@method", "@target-uri", "@authority", "content-digest")),
    ],
    ids=["cavage-post", "cavage-get", "cavage-port", "9421-rsa-post", "9421-ed25519-get",
         "9421-p256-post"],
)
@pytest.mark.parametrize("mapping", [dict, CIMultiDict], ids=["dict", "cimultidict"])
def test_round_trip(
    signer: Callable[..., dict[str, str]], method: str, url: str, body: bytes | None,
    extra: dict[str, str] | None, pair: str, expect_covered: tuple[str, ...],
    mapping: type, rsa_pair: tuple[Any, Any],
) -> None:
    private, public = {"rsa": lambda: rsa_pair, "ed25519": _ed25519_pair, "p256": _p256_pair}[
        pair
    ]()
    sent = signer(method=method, url=url, body=body, key_id=KEY_ID, private_key=private, now=NOW,
                  extra_headers=extra)
    assert sent["Date"] == "Fri, 14 Mar 2025 09:26:54 GMT"
    parts = urlsplit(url)
    path_qs = f"{parts.path}?{parts.query}" if parts.query else parts.path
    parsed = parse_request_signature(
        method=method, path_qs=path_qs, headers=mapping(sent), body=body or b"",
        now=NOW + timedelta(seconds=5),
    )
    verify_parsed(parsed, public)
    assert parsed.key_id == KEY_ID
    assert parsed.covered == expect_covered
    assert parsed.created == NOW


def test_cavage_signature_header_is_shaped_like_mastodons(rsa_pair: tuple[Any, Any]) -> None:
    sent = sign_request(method="POST", url=INBOX, body=b"{}", key_id=KEY_ID,
                        private_key=rsa_pair[0], now=NOW,
                        extra_headers={"Content-Type": "application/activity+json"})
    assert list(sent) == ["Host", "Date", "Digest", "Content-Type", "Signature"]
    assert sent["Host"] == "commonhold.example"
    assert sent["Digest"] == digest_header(b"{}")
    assert sent["Signature"].startswith(
        f'keyId="{KEY_ID}",algorithm="rsa-sha256",'
        'headers="(request-target) host date digest content-type",signature="'
    )


def test_mastodon_shaped_inbox_post_verifies() -> None:
    fixture = json.loads((FIXTURES / "mastodon_post.json").read_text())
    headers = CIMultiDict([tuple(pair) for pair in fixture["headers"]])
    parsed = parse_request_signature(
        method=fixture["method"], path_qs=fixture["path_qs"], headers=headers,
        body=fixture["body"].encode("utf-8"), now=datetime.fromisoformat(fixture["now"]),
    )
    verify_parsed(parsed, load_public_key(fixture["public_key_pem"]))
    assert parsed.key_id == fixture["key_id"]
    assert parsed.covered == ("(request-target)", "host", "date", "digest", "content-type")


@pytest.mark.parametrize(
    ("signed_target", "received_target", "reason"),
    [
        ("/users/bob/outbox?page=true", "/users/bob/outbox?page=true", None),
        # Mastodon signs (request-target) without the query and accepts that form itself.
        ("/users/bob/outbox", "/users/bob/outbox?page=true", None),
        ("/users/bob/outbox?page=1", "/users/bob/outbox?page=2", "bad_signature"),
        ("/users/bob/outbox", "/users/bob/following?page=true", "bad_signature"),
    ],
    ids=["with-query", "mastodon-without-query", "other-query", "other-path"],
)
def test_cavage_request_target_and_query_strings(
    signed_target: str, received_target: str, reason: str | None, rsa_pair: tuple[Any, Any]
) -> None:
    headers = {"Host": "commonhold.example", "Date": cavage.http_date(NOW),
               "Accept": "application/activity+json"}
    covered = ("(request-target)", "host", "date", "accept")
    base = cavage.signing_string(covered, "GET", signed_target, headers, {})
    signature = base64.b64encode(sigcore.sign_bytes(rsa_pair[0], sigcore.RSA_V15_SHA256, base))
    headers["Signature"] = (f'keyId="{KEY_ID}",algorithm="rsa-sha256",headers="{" ".join(covered)}"'
                            f',signature="{signature.decode()}"')
    parsed = parse_request_signature(method="GET", path_qs=received_target, headers=headers,
                                     body=b"", now=NOW)
    if reason is None:
        verify_parsed(parsed, rsa_pair[1])
        return
    with pytest.raises(SignatureError) as info:
        verify_parsed(parsed, rsa_pair[1])
    assert info.value.detail["reason"] == reason


# --- refusals --------------------------------------------------------------------------------


@dataclass
class Case:
    """A request to present to parse + verify, and the key that is asked to vouch for it."""

    headers: dict[str, str]
    method: str = "POST"
    path_qs: str = "/users/bob/inbox"
    body: bytes = b'{"type":"Follow"}'
    now: datetime = NOW
    key: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def _signed(keys: tuple[Any, Any], **overrides: Any) -> Case:
    private, public = keys
    body = overrides.pop("body", b'{"type":"Follow"}')
    headers = sign_request(method="POST", url=INBOX, body=body, key_id=KEY_ID,
                           private_key=private, now=NOW)
    return Case(headers=headers, body=body, key=public, **overrides)


def _hand_signed_cavage(keys: tuple[Any, Any], covered: str, algorithm: str = "rsa-sha256",
                        date: datetime = NOW) -> Case:
    """Sign an arbitrary header list, as a careless or hostile peer might."""
    private, public = keys
    body = b'{"type":"Follow"}'
    headers = {"Host": "commonhold.example", "Date": cavage.http_date(date),
               "Digest": digest_header(body)}
    base = cavage.signing_string(tuple(covered.split()), "POST", "/users/bob/inbox", headers, {})
    signature = base64.b64encode(sigcore.sign_bytes(private, sigcore.RSA_V15_SHA256, base))
    headers["Signature"] = (f'keyId="{KEY_ID}",algorithm="{algorithm}",headers="{covered}",'
                            f'signature="{signature.decode()}"')
    return Case(headers=headers, body=body, key=public)


def _hand_signed_9421(components: tuple[str, ...], created: datetime = NOW,
                      expires: datetime | None = None, alg: str = "ed25519",
                      extra: dict[str, str] | None = None) -> Case:
    private, public = _ed25519_pair()
    body = b'{"type":"Follow"}'
    headers = {"Host": "commonhold.example", "Content-Digest": content_digest_header(body),
               **(extra or {})}
    params: sf.Params = {"created": int(created.timestamp()), "keyid": KEY_ID, "alg": alg}
    if expires is not None:
        params["expires"] = int(expires.timestamp())
    inner = sf.InnerList(tuple(sf.Item(c) for c in components), params)
    view = rfc9421.RequestView("POST", "https", "commonhold.example", "/users/bob/inbox", headers)
    signature = private.sign(rfc9421.signature_base(view, inner))
    headers["Signature-Input"] = f"sig1={sf.serialize_inner_list(inner)}"
    headers["Signature"] = f"sig1=:{base64.b64encode(signature).decode()}:"
    return Case(headers=headers, body=body, key=public)


def _without(case: Case, name: str) -> Case:
    case.headers = {k: v for k, v in case.headers.items() if k != name}
    return case


def _replace_in(case: Case, name: str, old: str, new: str) -> Case:
    case.headers[name] = case.headers[name].replace(old, new)
    return case


FULL_9421 = ("@method", "@path", "@authority", "content-digest")
REFUSALS: list[tuple[str, Callable[[tuple[Any, Any], Any], Case], str]] = [
    ("no-signature-header", lambda k, o: _without(_signed(k), "Signature"), "missing"),
    ("authorization-not-signature",
     lambda k, o: Case(headers={"Authorization": "Bearer abc", "Host": "x"}), "missing"),
    ("malformed-signature-header",
     lambda k, o: _replace_in(_signed(k), "Signature", '",headers=', '" headers='), "malformed"),
    ("signature-not-base64",
     lambda k, o: _replace_in(_signed(k), "Signature", 'signature="', 'signature="*'), "malformed"),
    ("no-keyid", lambda k, o: _replace_in(_signed(k), "Signature", "keyId=", "kid="), "malformed"),
    ("unknown-algorithm",
     lambda k, o: _hand_signed_cavage(k, "(request-target) host date digest", "rsa-sha1"),
     "unsupported_algorithm"),
    ("hmac-algorithm",
     lambda k, o: _hand_signed_cavage(k, "(request-target) host date digest", "hmac-sha256"),
     "unsupported_algorithm"),
    ("date-too-old",
     lambda k, o: _hand_signed_cavage(k, "(request-target) host date digest",
                                      date=NOW - timedelta(hours=1, seconds=1)), "stale"),
    ("date-in-the-future",
     lambda k, o: _hand_signed_cavage(k, "(request-target) host date digest",
                                      date=NOW + timedelta(hours=1, seconds=1)), "future"),
    ("date-not-covered",
     lambda k, o: _hand_signed_cavage(k, "(request-target) host digest"), "not_covered"),
    ("tampered-body",
     lambda k, o: Case(**{**_signed(k).__dict__, "body": b'{"type":"Block"}'}), "digest_mismatch"),
    ("digest-not-covered",
     lambda k, o: _hand_signed_cavage(k, "(request-target) host date"), "digest_not_covered"),
    ("body-without-digest",
     lambda k, o: _without(_hand_signed_cavage(k, "(request-target) host date"), "Digest"),
     "digest_not_covered"),
    ("request-target-not-covered",
     lambda k, o: _hand_signed_cavage(k, "host date digest"), "not_covered"),
    ("host-not-covered",
     lambda k, o: _hand_signed_cavage(k, "(request-target) date digest"), "not_covered"),
    ("signed-header-missing",
     lambda k, o: _without(_signed(k), "Date"), "missing_header"),
    ("wrong-key", lambda k, o: Case(**{**_signed(k).__dict__, "key": o}), "bad_signature"),
    ("mismatching-path",
     lambda k, o: Case(**{**_signed(k).__dict__, "path_qs": "/users/carol/inbox"}),
     "bad_signature"),
    ("mismatching-method",
     lambda k, o: Case(**{**_signed(k).__dict__, "method": "PUT"}), "bad_signature"),
    ("ed25519-key-for-rsa-sha256",
     lambda k, o: Case(**{**_signed(k).__dict__, "key": _ed25519_pair()[1]}),
     "algorithm_mismatch"),
    ("9421-expired",
     lambda k, o: _hand_signed_9421(FULL_9421, NOW - timedelta(minutes=10),
                                    NOW - timedelta(minutes=5)), "expired"),
    ("9421-created-too-old",
     lambda k, o: _hand_signed_9421(FULL_9421, NOW - timedelta(hours=2)), "stale"),
    ("9421-no-created",
     lambda k, o: _replace_in(_hand_signed_9421(FULL_9421), "Signature-Input",
                              f";created={int(NOW.timestamp())}", ""), "malformed"),
    ("9421-method-not-covered",
     lambda k, o: _hand_signed_9421(("@path", "@authority", "content-digest")), "not_covered"),
    ("9421-authority-not-covered",
     lambda k, o: _hand_signed_9421(("@method", "@path", "content-digest")), "not_covered"),
    ("9421-digest-not-covered",
     lambda k, o: _hand_signed_9421(("@method", "@path", "@authority")), "digest_not_covered"),
    ("9421-tampered-body",
     lambda k, o: Case(**{**_hand_signed_9421(FULL_9421).__dict__, "body": b"{}"}),
     "digest_mismatch"),
    ("9421-mismatching-path",
     lambda k, o: Case(**{**_hand_signed_9421(FULL_9421).__dict__, "path_qs": "/inbox"}),
     "bad_signature"),
    ("9421-hmac", lambda k, o: _hand_signed_9421(FULL_9421, alg="hmac-sha256"),
     "unsupported_algorithm"),
    ("9421-unknown-alg", lambda k, o: _hand_signed_9421(FULL_9421, alg="rsa-sha1"),
     "unsupported_algorithm"),
    ("9421-alg-does-not-fit-key",
     lambda k, o: _hand_signed_9421(FULL_9421, alg="rsa-v1_5-sha256"), "algorithm_mismatch"),
    ("9421-malformed-input",
     lambda k, o: _replace_in(_hand_signed_9421(FULL_9421), "Signature-Input", "sig1=(", "sig1=(("),
     "malformed"),
    ("9421-signature-label-missing",
     lambda k, o: _replace_in(_hand_signed_9421(FULL_9421), "Signature", "sig1=", "sig2="),
     "malformed"),
    ("9421-signed-header-missing",
     lambda k, o: _without(_hand_signed_9421(FULL_9421 + ("content-type",),
                                              extra={"Content-Type": "application/json"}),
                            "Content-Type"), "missing_header"),
    ("9421-unsupported-component-parameter",
     lambda k, o: _replace_in(_hand_signed_9421(FULL_9421), "Signature-Input",
                              '"content-digest"', '"content-digest";sf'),
     "unsupported_component"),
]


@pytest.mark.parametrize(
    ("build", "reason"), [(b, r) for _, b, r in REFUSALS], ids=[n for n, _, _ in REFUSALS]
)
def test_refusals(
    build: Callable[[tuple[Any, Any], Any], Case], reason: str,
    rsa_pair: tuple[Any, Any], other_rsa_public: Any,
) -> None:
    case = build(rsa_pair, other_rsa_public)
    with pytest.raises(SignatureError) as info:
        parsed = parse_request_signature(
            method=case.method, path_qs=case.path_qs, headers=case.headers, body=case.body,
            now=case.now,
        )
        verify_parsed(parsed, case.key)
    assert info.value.detail["reason"] == reason
    assert info.value.status == 401


@pytest.mark.parametrize(
    "member",
    [
        '("@method" "@target-uri");keyid="k";created=1618884473;alg="ed25519"',
        '("@query-param";name="Pet" "x";bs);expires=1;nonce="a\\"b\\\\c"',
        '();created=-5;tag=tok/en;flag;ratio=0.25',
    ],
    ids=["param-order-kept", "escapes-and-flags", "token-and-decimal"],
)
def test_structured_inner_list_round_trips_exactly(member: str) -> None:
    parsed = sf.parse_dictionary(f"sig1={member}")["sig1"]
    assert isinstance(parsed, sf.InnerList)
    assert sf.serialize_inner_list(parsed) == member


@pytest.mark.parametrize(
    "text",
    ['sig1=("a" "b"', "sig1=:not base64!:", 'sig1="unterminated', "sig1=(),", "Sig1=()",
     'sig1=("a""b")', "sig1=1234567890123456"],
    ids=["open-list", "bad-bytes", "open-string", "trailing-comma", "uppercase-key",
         "no-space-between", "integer-too-long"],
)
def test_structured_field_errors(text: str) -> None:
    with pytest.raises(sf.StructuredFieldError):
        sf.parse_dictionary(text)


# --- keys and inputs -------------------------------------------------------------------------


def test_generated_keypair_is_pkcs8_and_spki_2048() -> None:
    private_pem, public_pem = generate_rsa_keypair()
    assert private_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith("-----BEGIN PUBLIC KEY-----")
    assert load_private_key(private_pem).key_size == 2048
    assert load_public_key(public_pem).key_size == 2048


@pytest.mark.parametrize(
    ("pem", "ok"),
    [
        ((FIXTURES / "rfc9421-test-key-rsa.pub.pem").read_text(), True),  # PKCS#1 form
        ((FIXTURES / "rfc9421-test-key-ecc-p256.pub.pem").read_text(), True),
        ("-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n", False),
        ("", False),
    ],
    ids=["pkcs1-rsa", "p256", "garbage", "empty"],
)
def test_load_public_key(pem: str, ok: bool) -> None:
    if ok:
        assert load_public_key(pem) is not None
        return
    with pytest.raises(SignatureError) as info:
        load_public_key(pem)
    assert info.value.detail["reason"] == "bad_key"


@pytest.mark.parametrize(
    "kwargs",
    [{"now": datetime(2025, 3, 14, 9, 26, 54)}, {"url": "ftp://example.com/x"}],
    ids=["naive-datetime", "not-http"],
)
def test_programming_errors_are_value_errors(
    kwargs: dict[str, Any], rsa_pair: tuple[Any, Any]
) -> None:
    args = {"method": "GET", "url": INBOX, "body": None, "key_id": KEY_ID,
            "private_key": rsa_pair[0], "now": NOW, **kwargs}
    with pytest.raises(ValueError):
        sign_request(**args)
