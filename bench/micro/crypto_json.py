"""Micro: the CPU cost of what every federated request pays, measured on the machine at hand.

RSA-2048 sign/verify (PKCS#1 v1.5, SHA-256), Ed25519, RSA-4096 sign, the SHA-256 Digest header
of a 2.66 kB body, json vs orjson (when installed) parse/dump of a Create(Note), and our own
`sign_request` and `parse_request_signature` + `verify_parsed` per call. The ratios (ours /
raw crypto) say how much our signature code adds around the primitive; they hold across
machines where the absolute µs do not.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from bench.common import APP_CORE, Result, pin_self, runs_for, time_op
from bench.scenarios.w4_delivery import activity


def run(*, quick: bool) -> Result:
    from server.federation.activitypub import signatures
    from server.federation.activitypub.digests import digest_header

    pinned = pin_self(APP_CORE)
    runs = runs_for(quick, full=7, fast=3)
    min_time = 0.1 if quick else 0.3
    res = Result("micro_crypto_json", params={"runs": runs, "pinned": pinned})
    body_obj = activity(1)
    body = json.dumps(body_obj, separators=(",", ":")).encode()
    message = b"(request-target): post /inbox\nhost: r0001.bench.invalid\n" \
              b"date: Wed, 25 Nov 2026 12:00:00 GMT\ndigest: SHA-256=" + b"A" * 44 + \
              b"\ncontent-type: application/activity+json"
    rsa2048 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rsa4096 = rsa.generate_private_key(public_exponent=65537, key_size=4096)
    ed = ed25519.Ed25519PrivateKey.generate()
    pkcs, sha = padding.PKCS1v15(), hashes.SHA256()
    sig2048 = rsa2048.sign(message, pkcs, sha)
    sig4096 = rsa4096.sign(message, pkcs, sha)
    sig_ed = ed.sign(message)
    pub2048, pub4096, pub_ed = rsa2048.public_key(), rsa4096.public_key(), ed.public_key()

    now = datetime.now(UTC)
    url = "https://r0001.bench.invalid/inbox"
    headers = signatures.sign_request(method="POST", url=url, body=body, key_id="k#main-key",
                                      private_key=rsa2048, now=now,
                                      extra_headers={"Content-Type": "application/activity+json"})

    def our_verify() -> None:
        parsed = signatures.parse_request_signature(method="POST", path_qs="/inbox", headers=headers,
                                                    body=body, now=now)
        signatures.verify_parsed(parsed, pub2048)

    ops = {
        "rsa2048_sign": lambda: rsa2048.sign(message, pkcs, sha),
        "rsa2048_verify": lambda: pub2048.verify(sig2048, message, pkcs, sha),
        "ed25519_sign": lambda: ed.sign(message),
        "ed25519_verify": lambda: pub_ed.verify(sig_ed, message),
        "rsa4096_sign": lambda: rsa4096.sign(message, pkcs, sha),
        "rsa4096_verify": lambda: pub4096.verify(sig4096, message, pkcs, sha),
        "digest_body": lambda: digest_header(body),
        "json_loads": lambda: json.loads(body),
        "json_dumps": lambda: json.dumps(body_obj, separators=(",", ":"), ensure_ascii=False).encode(),
        "our_sign_request": lambda: signatures.sign_request(
            method="POST", url=url, body=body, key_id="k#main-key", private_key=rsa2048, now=now,
            extra_headers={"Content-Type": "application/activity+json"}),
        "our_parse_verify": our_verify,
    }
    try:
        import orjson

        ops["orjson_loads"] = lambda: orjson.loads(body)
        ops["orjson_dumps"] = lambda: orjson.dumps(body_obj)
    except ImportError:
        res.notes.append("orjson is not installed: its rows are absent")
    rows = []
    for name, fn in ops.items():
        m = res.metric(name, time_op(fn, runs=runs, min_time=min_time), "µs/op")
        rows.append([name, f"{m['median']:.1f}", f"{m['min']:.1f}–{m['max']:.1f}",
                     f"{1e6 / m['median']:,.0f}"])
    med = {k: v["median"] for k, v in res.metrics.items()}
    res.ratios["crypto.sign_request_over_rsa_sign"] = med["our_sign_request"] / med["rsa2048_sign"]
    res.ratios["crypto.parse_verify_over_rsa_verify"] = med["our_parse_verify"] / med["rsa2048_verify"]
    res.lower_is_better += ["crypto.sign_request_over_rsa_sign", "crypto.parse_verify_over_rsa_verify"]
    res.table(["operation", "µs/op (median)", "min–max", "ops/s"], rows,
              title=f"Micro: crypto and JSON (body {len(body):,} bytes)")
    res.params["body_bytes"] = len(body)
    return res


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    args = p.parse_args(argv)
    res = run(quick=args.quick)
    res.write()
    print("\n\n".join(res.tables))


if __name__ == "__main__":
    main()
