"""Jury draws: the documented encoding, determinism, quotas, fairness, replacement, verify."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections import Counter
from dataclasses import replace as with_changes
from itertools import combinations

import pytest

from server.errors import ValidationError
from server.governance.juries.sortition import (
    DrawParams,
    PoolEntry,
    Quota,
    commitment,
    derive_seed,
    make_secret,
    params_from_dict,
    pool_hash,
    ranking,
    replace,
    select,
    verify,
)

SECRET = "5ec2e7" + "0" * 58
HEAD = hashlib.sha256(b"head").hexdigest()
SEED = derive_seed(SECRET, HEAD)

# Every third member is a tenant, the rest are workers.
NAMES = ["ada", "bea", "cai", "dov", "eli", "fay", "gus", "hal", "ivy", "jon", "kim", "lou"]
POOL = [PoolEntry(name, "tenant" if i % 3 == 0 else "worker") for i, name in enumerate(NAMES)]
TENANTS = {e.id for e in POOL if e.stratum == "tenant"}
STRATUM_OF = {e.id: e.stratum for e in POOL}


def seed_no(n: int) -> str:
    """A fixed, well-spread seed per test iteration, so loops are reproducible."""
    return hashlib.sha256(f"test seed {n}".encode()).hexdigest()


def strata_of(ids: list[str], pool: list[PoolEntry] = POOL) -> Counter[str | None]:
    stratum_of = {e.id: e.stratum for e in pool}
    return Counter(stratum_of[i] for i in ids)


def assert_quotas(ids: list[str], params: DrawParams, pool: list[PoolEntry] = POOL) -> None:
    assert len(ids) == len(set(ids)) == params.size
    assert params.strata is not None
    counts = strata_of(ids, pool)
    for name, quota in params.strata.items():
        assert quota.min <= counts[name] <= quota.max, (name, counts)


# --- encoding: recomputed here with the standard library, as an outside verifier would ------


def test_commitment_is_sha256_of_the_hex_text() -> None:
    assert commitment(SECRET) == hashlib.sha256(SECRET.encode("ascii")).hexdigest()


def test_seed_encoding_matches_the_documented_bytes() -> None:
    material = b"commonhold-draw-seed\x00" + SECRET.encode() + b"\x00" + HEAD.encode()
    assert SEED == hashlib.sha256(material).hexdigest()
    # Pinned so that a change of encoding cannot pass unnoticed.
    assert SEED == "20b8f4339fac3a8e202caa9a7b5caf745e8fba4a2d9b127aad146cca0541d33f"


def test_pool_hash_is_canonical_json_sorted_by_id() -> None:
    listing = sorted(({"id": e.id, "stratum": e.stratum} for e in POOL), key=lambda d: d["id"])
    text = json.dumps(listing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert pool_hash(POOL) == hashlib.sha256(text.encode()).hexdigest()
    assert pool_hash(list(reversed(POOL))) == pool_hash(POOL)


def test_ranking_is_by_hmac_of_member_id() -> None:
    def key(member: str) -> bytes:
        return hmac.new(SEED.encode(), member.encode(), hashlib.sha256).digest()

    assert [e.id for e in ranking(POOL, DrawParams(1), SEED)] == sorted(NAMES, key=key)


def test_make_secret_is_fresh_hex() -> None:
    first, second = make_secret(), make_secret()
    assert len(first) == 64 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize(
    "call",
    [
        lambda: commitment("not hex"),
        lambda: commitment(SECRET.upper()),
        lambda: derive_seed(SECRET, "abc"),
        lambda: derive_seed(SECRET[:-1], HEAD),
        lambda: select(POOL, DrawParams(2), "zz" * 32),
    ],
)
def test_malformed_hex_is_refused(call) -> None:
    with pytest.raises(ValidationError):
        call()


# --- determinism ----------------------------------------------------------------------------

FIXED_DRAWS = [
    # (params, jurors for SEED): a change to the algorithm must change this table.
    (DrawParams(4), ["bea", "eli", "jon", "kim"]),
    (DrawParams(4, exclude=frozenset({"ada", "bea"})), ["eli", "jon", "kim", "cai"]),
    (DrawParams(4, {"tenant": Quota(2, 2), "worker": Quota(0, 4)}), ["bea", "eli", "jon", "ada"]),
    (DrawParams(4, {"tenant": Quota(0, 0), "worker": Quota(4, 8)}), ["bea", "eli", "kim", "cai"]),
]


@pytest.mark.parametrize(("params", "expected"), FIXED_DRAWS)
def test_fixed_seed_gives_fixed_jurors(params: DrawParams, expected: list[str]) -> None:
    assert select(POOL, params, SEED) == expected
    assert select(list(reversed(POOL)), params, SEED) == expected  # pool order is irrelevant


def test_different_seeds_give_different_juries() -> None:
    juries = {tuple(select(POOL, DrawParams(4), seed_no(n))) for n in range(20)}
    assert len(juries) > 15


@pytest.mark.parametrize(
    "params",
    [
        DrawParams(3, exclude=frozenset({"ada", "jon"})),
        DrawParams(6, {"tenant": Quota(1, 3), "worker": Quota(2, 6)}, frozenset({"dov", "eli"})),
    ],
)
def test_excluded_members_are_never_drawn(params: DrawParams) -> None:
    for n in range(200):
        assert not set(select(POOL, params, seed_no(n))) & params.exclude


# --- quotas ---------------------------------------------------------------------------------

QUOTA_CASES = [
    DrawParams(4, {"tenant": Quota(2, 2), "worker": Quota(2, 2)}),
    DrawParams(5, {"tenant": Quota(1, 2), "worker": Quota(0, 5)}),
    DrawParams(6, {"tenant": Quota(4, 4), "worker": Quota(0, 8)}),
    DrawParams(3, {"tenant": Quota(0, 0), "worker": Quota(0, 3)}),
    DrawParams(5, {"tenant": Quota(2, 3), "worker": Quota(2, 3)}, frozenset({"ada"})),
]


@pytest.mark.parametrize("params", QUOTA_CASES)
def test_quotas_hold_for_many_seeds(params: DrawParams) -> None:
    for n in range(200):
        assert_quotas(select(POOL, params, seed_no(n)), params)


# --- fairness (deterministic: the 2,000 seeds are fixed) ------------------------------------

TWENTY = [PoolEntry(f"member-{i:02d}", "north" if i < 4 else "south") for i in range(20)]
DRAWS = 2000
# One standard deviation of a frequency near 0.25 over 2,000 draws is about 0.01.
TOLERANCE = 0.05


def frequencies(params: DrawParams) -> dict[str, float]:
    counts: Counter[str] = Counter()
    for n in range(DRAWS):
        counts.update(select(TWENTY, params, seed_no(n)))
    return {e.id: counts[e.id] / DRAWS for e in TWENTY}


def test_without_strata_everyone_has_size_over_n() -> None:
    for member, freq in frequencies(DrawParams(5)).items():
        assert abs(freq - 5 / 20) < TOLERANCE, member


def test_with_strata_members_of_a_stratum_share_equal_chances() -> None:
    freq = frequencies(DrawParams(5, {"north": Quota(2, 3), "south": Quota(2, 3)}))
    for stratum in ("north", "south"):
        members = [e.id for e in TWENTY if e.stratum == stratum]
        mean = sum(freq[m] for m in members) / len(members)
        for member in members:
            assert abs(freq[member] - mean) < TOLERANCE, member
    # The small stratum's minimum makes its members much likelier to sit: documented, not a bug.
    assert freq["member-00"] > 2 * freq["member-19"]


# --- replacement ----------------------------------------------------------------------------


@pytest.mark.parametrize("params", QUOTA_CASES)
def test_replacement_keeps_quotas(params: DrawParams) -> None:
    for n in range(100):
        seed = seed_no(n)
        jurors = select(POOL, params, seed)
        declined = jurors[n % len(jurors)]
        substitute = replace(POOL, params, seed, jurors, [declined])
        if substitute is None:
            # Only acceptable when the seat must go to the declined juror's stratum (held at
            # its minimum) and nobody of that stratum is left undrawn.
            stratum = STRATUM_OF[declined]
            assert params.strata is not None
            assert strata_of(jurors)[stratum] == params.strata[stratum].min
            left = [e for e in POOL if e.stratum == stratum and e.id not in jurors]
            assert all(e.id in params.exclude for e in left)
            continue
        assert substitute not in jurors and substitute not in params.exclude
        seated = [j for j in jurors if j != declined] + [substitute]
        assert_quotas(seated, params)


def first_completable(params: DrawParams, seed: str, jurors: list[str], declined: list[str]):
    """Brute force: the best-ranked candidate after whom the open seats can still be filled."""
    seated = [j for j in jurors if j not in declined]
    candidates = [e.id for e in ranking(POOL, params, seed) if e.id not in jurors]
    for pick in candidates:
        rest = [c for c in candidates if c != pick]
        for others in combinations(rest, params.size - len(seated) - 1):
            counts = strata_of(seated + [pick, *others])
            assert params.strata is not None
            if all(q.min <= counts[n] <= q.max for n, q in params.strata.items()):
                return pick
    return None


@pytest.mark.parametrize("params", QUOTA_CASES)
def test_replacement_for_two_declines_matches_brute_force(params: DrawParams) -> None:
    for n in range(50):
        seed = seed_no(n)
        jurors = select(POOL, params, seed)
        declined = [jurors[n % len(jurors)], jurors[(n + 1) % len(jurors)]]
        expected = first_completable(params, seed, jurors, declined)
        assert replace(POOL, params, seed, jurors, declined) == expected


def test_replacement_without_strata_is_the_next_in_ranking() -> None:
    order = [e.id for e in ranking(POOL, DrawParams(4), SEED)]
    jurors = select(POOL, DrawParams(4), SEED)
    assert replace(POOL, DrawParams(4), SEED, jurors, {"eli"}) == order[4]
    # Someone who declined an earlier offer is skipped too.
    drawn = jurors + [order[4]]
    assert replace(POOL, DrawParams(4), SEED, drawn, {"eli", order[4]}) == order[5]


def test_replacement_stays_in_a_stratum_held_at_its_minimum() -> None:
    params = DrawParams(4, {"tenant": Quota(2, 2), "worker": Quota(0, 4)})
    jurors = select(POOL, params, SEED)  # bea, eli, jon, ada
    order = [e.id for e in ranking(POOL, params, SEED)]
    substitute = replace(POOL, params, SEED, jurors, ["ada"])
    assert substitute in TENANTS
    # It is the best-ranked tenant left, even though workers are ranked above it.
    assert substitute == next(m for m in order if m in TENANTS and m not in jurors)
    assert order.index("kim") < order.index(substitute)


def test_no_replacement_when_the_stratum_is_exhausted() -> None:
    params = DrawParams(4, {"tenant": Quota(4, 4), "worker": Quota(0, 8)})
    jurors = select(POOL, params, SEED)
    assert set(jurors) == TENANTS
    assert replace(POOL, params, SEED, jurors, ["ada"]) is None


@pytest.mark.parametrize(
    ("selected", "declined", "message"),
    [
        (["bea", "eli", "jon", "kim"], [], "every seat is filled"),
        (["bea", "eli", "jon", "zed"], ["eli"], "not eligible"),
        (["bea", "bea", "jon"], [], "twice"),
        (["bea", "eli", "jon", "kim"], ["nobody"], "not eligible"),
    ],
)
def test_replace_refuses_inconsistent_input(selected, declined, message) -> None:
    with pytest.raises(ValidationError, match=message):
        replace(POOL, DrawParams(4), SEED, selected, declined)


# --- verify ---------------------------------------------------------------------------------

PARAMS = DrawParams(4, {"tenant": Quota(1, 2), "worker": Quota(2, 3)}, frozenset({"gus"}))
HONEST = {
    "pool": POOL,
    "params": PARAMS,
    "seed": SEED,
    "secret": SECRET,
    "commitment": commitment(SECRET),
    "log_head_hash": HEAD,
    "expected_pool_hash": pool_hash(POOL),
    "claimed_jurors": select(POOL, PARAMS, SEED),
}
OTHER_SECRET = make_secret()

VERIFY_CASES = [
    # (what was changed, failing checks)
    ({}, set()),
    ({"claimed_jurors": list(reversed(HONEST["claimed_jurors"]))}, set()),
    # A late addition ranked low leaves the jury alone; only the pool hash shows it.
    ({"pool": POOL + [PoolEntry("new", "worker")]}, {"pool_ok"}),
    ({"pool": [e for e in POOL if e.id != "bea"]}, {"pool_ok", "jurors_ok"}),
    ({"pool": [with_changes(e, stratum="worker") for e in POOL]}, {"pool_ok", "jurors_ok"}),
    ({"secret": OTHER_SECRET}, {"commitment_ok", "seed_ok"}),
    ({"secret": "nonsense"}, {"commitment_ok", "seed_ok"}),
    ({"log_head_hash": "0" * 64}, {"seed_ok"}),
    ({"seed": derive_seed(SECRET, "0" * 64)}, {"seed_ok", "jurors_ok"}),
    ({"claimed_jurors": HONEST["claimed_jurors"][:-1] + ["lou"]}, {"jurors_ok"}),
    ({"claimed_jurors": HONEST["claimed_jurors"][:-1]}, {"jurors_ok"}),
    ({"claimed_jurors": HONEST["claimed_jurors"] + HONEST["claimed_jurors"][:1]}, {"jurors_ok"}),
    ({"params": DrawParams(4, exclude=frozenset({"gus", "bea"}))}, {"jurors_ok"}),
]
CHECKS = {"commitment_ok", "seed_ok", "pool_ok", "jurors_ok"}


@pytest.mark.parametrize(("changes", "failing"), VERIFY_CASES)
def test_verify_names_what_does_not_match(changes: dict, failing: set[str]) -> None:
    report = verify(**{**HONEST, **changes})
    assert {check for check in CHECKS if not getattr(report, check)} == failing
    assert report.ok == (not failing)
    assert len(report.problems) == len(failing)


def test_verify_lists_missing_and_unexpected_jurors() -> None:
    honest = HONEST["claimed_jurors"]
    report = verify(**{**HONEST, "claimed_jurors": honest[:-1] + ["lou"]})
    assert report.missing == (honest[-1],)
    assert report.unexpected == ("lou",)
    assert list(report.expected_jurors) == honest


def test_verify_reports_an_impossible_draw_instead_of_raising() -> None:
    report = verify(**{**HONEST, "params": DrawParams(20)})
    assert not report.jurors_ok and "cannot be recomputed" in report.problems[-1]


# --- parameters -----------------------------------------------------------------------------

INFEASIBLE = [
    # (params factory, pool, message)
    (lambda: DrawParams(0), POOL, "size"),
    (lambda: DrawParams(True), POOL, "size"),
    (lambda: DrawParams(13), POOL, "exceeds the 12 eligible"),
    (lambda: DrawParams(11, exclude=frozenset({"ada", "bea"})), POOL, "exceeds the 10 eligible"),
    (lambda: DrawParams(4, {"tenant": Quota(3, 4), "worker": Quota(2, 4)}), POOL, "minimums"),
    (lambda: DrawParams(6, {"tenant": Quota(0, 2), "worker": Quota(0, 3)}), POOL, "maximums"),
    (lambda: DrawParams(5, {"tenant": Quota(5, 5), "worker": Quota(0, 5)}), POOL, "has 4 members"),
    (lambda: DrawParams(9, {"tenant": Quota(0, 9), "worker": Quota(0, 4)}), POOL, "at most 8"),
    (lambda: DrawParams(4, {"tenant": Quota(0, 4)}), POOL, "without a quota"),
    (lambda: DrawParams(2, {"t": Quota(0, 2)}), [PoolEntry("x"), PoolEntry("y")], "without a"),
    (lambda: DrawParams(2, {"tenant": Quota(3, 2)}), POOL, "min <= max"),
    (lambda: DrawParams(2, {"tenant": Quota(-1, 2)}), POOL, "min <= max"),
    (lambda: DrawParams(2, exclude="ada"), POOL, "exclude"),
    (lambda: DrawParams(2, exclude=None), POOL, "exclude"),
    (lambda: DrawParams(2), POOL + [PoolEntry("ada")], "more than once"),
]


@pytest.mark.parametrize(("make", "pool", "message"), INFEASIBLE)
def test_infeasible_params_are_refused(make, pool, message) -> None:
    with pytest.raises(ValidationError, match=message):
        select(pool, make(), SEED)


@pytest.mark.parametrize(
    "params",
    [
        DrawParams(3),
        DrawParams(4, {"tenant": Quota(1, 2), "worker": Quota(2, 3)}, frozenset({"gus", "ada"})),
    ],
)
def test_params_round_trip_through_json(params: DrawParams) -> None:
    data = json.loads(json.dumps(params.as_dict()))
    assert params_from_dict(data) == params
    assert params_from_dict(data).as_dict() == params.as_dict()


def test_params_dict_form() -> None:
    params = DrawParams(4, {"worker": Quota(2, 3), "tenant": Quota(1, 2)}, frozenset({"b", "a"}))
    assert params.as_dict() == {
        "size": 4,
        "strata": {"tenant": {"min": 1, "max": 2}, "worker": {"min": 2, "max": 3}},
        "exclude": ["a", "b"],
    }
    assert params_from_dict({"size": 2}) == DrawParams(2)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "need a size"),
        ({"size": "3"}, "size"),
        ({"size": 3, "seats": 4}, "unknown"),
        ({"size": 3, "strata": ["a"]}, "strata"),
        ({"size": 3, "strata": {"a": {"min": 1}}}, "min and max"),
        ({"size": 3, "strata": {"a": {"min": 1, "max": 3.0}}}, "integers"),
        ({"size": 3, "exclude": "ada"}, "exclude"),
        ({"size": 3, "exclude": [1]}, "exclude"),
        ([], "JSON object"),
    ],
)
def test_params_from_dict_refuses_bad_input(data, message) -> None:
    with pytest.raises(ValidationError, match=message):
        params_from_dict(data)


def test_params_are_immutable() -> None:
    params = DrawParams(4, {"tenant": Quota(1, 2), "worker": Quota(2, 3)})
    with pytest.raises(TypeError):
        params.strata["tenant"] = Quota(0, 4)  # type: ignore[index]
