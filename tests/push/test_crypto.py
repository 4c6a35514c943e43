"""The content encodings and the VAPID token, against RFC 8291's worked example and the
receiving side in fakepush.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from server.push import ece, vapid
from tests.push.fakepush import Device, FakePushService, unb64

# RFC 8291, Appendix A.
PLAINTEXT = b"When I grow up, I want to be a watermelon"
AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
AS_PUBLIC = ("BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl"
             "7A8")
UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
UA_PUBLIC = ("BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIA"
             "iw4")
AUTH = "BTBZMqHH6r4Tts7J_aSIgg"
SALT = "DGv6ra1nlYgDCS1FRnbzlw"
BODY = ("DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInm"
        "YWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQ"
        "exSgSxsj_Qulcy4a-fN")


def _private(text: str) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(int.from_bytes(unb64(text), "big"), ec.SECP256R1())


def _rfc_device() -> Device:
    return Device("rfc", private=_private(UA_PRIVATE), auth=unb64(AUTH))


def test_rfc8291_example_encrypts_to_the_published_body() -> None:
    sealed = ece.encrypt_aes128gcm(PLAINTEXT, ua_public=unb64(UA_PUBLIC), auth_secret=unb64(AUTH),
                                   as_private=_private(AS_PRIVATE), salt=unb64(SALT))
    assert ece.b64url(sealed.server_public) == AS_PUBLIC
    assert ece.b64url(sealed.body) == BODY


def test_rfc8291_example_body_decrypts_to_the_plaintext() -> None:
    device = _rfc_device()
    assert ece.b64url(device.public) == UA_PUBLIC
    assert device.decrypt_aes128gcm(unb64(BODY)) == PLAINTEXT


def test_fresh_keys_and_salt_every_message() -> None:
    device = _rfc_device()
    one = ece.encrypt_aes128gcm(PLAINTEXT, ua_public=device.public, auth_secret=device.auth)
    two = ece.encrypt_aes128gcm(PLAINTEXT, ua_public=device.public, auth_secret=device.auth)
    assert one.body != two.body and one.salt != two.salt
    assert device.decrypt_aes128gcm(two.body) == PLAINTEXT


def test_legacy_aesgcm_round_trip() -> None:
    device = Device("legacy")
    sealed = ece.encrypt_aesgcm(PLAINTEXT, ua_public=device.public, auth_secret=device.auth)
    assert len(sealed.body) == 2 + len(PLAINTEXT) + 16   # padding length, text, tag
    assert device.decrypt_aesgcm(sealed.body, salt=sealed.salt,
                                 sender=sealed.server_public) == PLAINTEXT


def test_message_too_long_for_one_record_is_refused() -> None:
    device = Device("big")
    with pytest.raises(ValueError):
        ece.encrypt_aes128gcm(b"x" * (ece.MAX_PLAINTEXT + 1), ua_public=device.public,
                              auth_secret=device.auth)


@pytest.mark.parametrize("text", ["", "not base64 !!", ece.b64url(b"\x04" + b"\x01" * 64),
                                  ece.b64url(b"\x02" + b"\x01" * 32), UA_PUBLIC[:-4]])
def test_bad_p256dh_refused(text: str) -> None:
    with pytest.raises(ece.BadKeyError):
        ece.load_p256dh(text)


def test_auth_must_be_sixteen_bytes() -> None:
    assert ece.load_auth(AUTH) == unb64(AUTH)
    with pytest.raises(ece.BadKeyError):
        ece.load_auth(ece.b64url(b"x" * 15))


def test_padded_and_standard_base64_keys_are_read() -> None:
    padded = UA_PUBLIC + "=" * (-len(UA_PUBLIC) % 4)
    standard = padded.replace("-", "+").replace("_", "/")
    assert ece.public_bytes(ece.load_p256dh(standard)) == unb64(UA_PUBLIC)


def test_vapid_token_verifies_and_names_the_origin() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    key = vapid.load_private(vapid.generate_private_pem())
    token = vapid.sign_token(key, endpoint="https://push.example:8443/wpush/abc?x=1",
                             sub="mailto:admins@ch.test", now=now)
    fake = FakePushService(server_key=vapid.public_key_b64(key), now=now)
    claims = fake._verify(token, vapid.public_key_b64(key), expected_aud="https://push.example:8443")
    assert claims["sub"] == "mailto:admins@ch.test"
    assert claims["exp"] == int(now.timestamp()) + 12 * 3600
    assert json.loads(unb64(token.split(".")[0])) == {"typ": "JWT", "alg": "ES256"}
    other = vapid.public_key_b64(vapid.load_private(vapid.generate_private_pem()))
    with pytest.raises(AssertionError):
        fake._verify(token, other, expected_aud="https://push.example:8443")


def test_subject_prefers_the_contact_address() -> None:
    assert vapid.subject(contact_email="a@ch.test", base_url="https://ch.test/") == "mailto:a@ch.test"
    assert vapid.subject(contact_email="", base_url="https://ch.test/") == "https://ch.test"
