"""Proposal tallies. Each expected outcome is worked out by hand in the case's comment."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from server.errors import ValidationError
from server.governance.proposals.tally import (
    STANCES,
    Ballot,
    BlockPolicy,
    DecisionRules,
    tally_proposal,
    validate_ballot,
)

_LETTERS = {"A": "agree", "S": "abstain", "D": "disagree", "B": "block"}


def ballots(spec: str) -> list[Ballot]:
    """One ballot per letter, from distinct voters: A agree, S abstain, D disagree, B block."""
    return [
        Ballot(f"voter-{i}", _LETTERS[letter], "It breaks our charter." if letter == "B" else "")
        for i, letter in enumerate(spec)
    ]


MAJORITY = DecisionRules(quorum=Fraction(1, 2))
TWO_THIRDS = DecisionRules(threshold=Fraction(2, 3), threshold_inclusive=True)
TWO_THIRDS_STRICT = DecisionRules(threshold=Fraction(2, 3), threshold_inclusive=False)
NO_QUORUM = DecisionRules()
IGNORE_BLOCKS = DecisionRules(block_policy="ignored")
OVERRIDE_90 = DecisionRules(block_policy="unless_agree_at_least", block_override=Fraction(9, 10))
ABSTAIN_NOT_QUORUM = DecisionRules(quorum=Fraction(1, 2), abstain_counts_for_quorum=False)


@pytest.mark.parametrize(
    ("spec", "eligible", "rules", "reason"),
    [
        # 4 of 10 voted; the quorum needs 1/2 * 10 = 5.
        pytest.param("AAAA", 10, MAJORITY, "quorum_not_reached", id="quorum-not-reached"),
        # 5 of 10 voted (5 >= 5); agree share 4/5 > 1/2.
        pytest.param("AAAAD", 10, MAJORITY, "passed", id="quorum-exactly-and-majority"),
        # 2/4 = 1/2 is not strictly more than half: a tie fails a simple majority.
        pytest.param("AADD", 4, NO_QUORUM, "threshold_not_met", id="majority-tie-fails"),
        # 6/9 = 2/3 exactly; inclusive supermajority, so 2/3 >= 2/3 passes ...
        pytest.param("AAAAAADDD", 9, TWO_THIRDS, "passed", id="two-thirds-at-boundary"),
        # ... and the same votes fail when the threshold is exclusive (2/3 > 2/3 is false).
        pytest.param("AAAAAADDD", 9, TWO_THIRDS_STRICT, "threshold_not_met",
                     id="two-thirds-strict-boundary"),
        # 5/8 = 0.625 < 0.666...
        pytest.param("AAAAADDD", 8, TWO_THIRDS, "threshold_not_met", id="two-thirds-just-under"),
        # Default policy "fails": one block among nine agrees stops it.
        pytest.param("AAAAAAAAAB", 10, NO_QUORUM, "blocked", id="block-fails"),
        # social.coop style, 90%: agree share 9/10 >= 9/10 overrides the block; 9/10 > 1/2.
        pytest.param("AAAAAAAAAB", 10, OVERRIDE_90, "passed", id="block-overridden-at-90"),
        # 8/9 = 0.888... < 0.9, so the block stands.
        pytest.param("AAAAAAAAB", 9, OVERRIDE_90, "blocked", id="block-stands-under-90"),
        # "ignored": the block is a disagree, 2/(2+1+1) = 1/2 is not > 1/2.
        pytest.param("AABD", 4, IGNORE_BLOCKS, "threshold_not_met", id="block-ignored-counts-no"),
        # "ignored": 3/(3+1) = 3/4 > 1/2.
        pytest.param("AAAB", 4, IGNORE_BLOCKS, "passed", id="block-ignored-passes"),
        # Quorum is checked before blocks: 1 of 10 voted, under the 5 needed.
        pytest.param("B", 10, MAJORITY, "quorum_not_reached", id="quorum-before-block"),
        # Abstentions make quorum (5 of 10) but stay out of the ratio: 2/(2+1) > 1/2.
        pytest.param("AADSS", 10, MAJORITY, "passed", id="abstain-quorum-not-threshold"),
        # Same ballots, but abstentions do not count: 3 < 5.
        pytest.param("AADSS", 10, ABSTAIN_NOT_QUORUM, "quorum_not_reached",
                     id="abstain-excluded-from-quorum"),
        # Only abstentions: quorum met, but no decisive vote, so no agreement to pass on.
        pytest.param("SSS", 3, NO_QUORUM, "threshold_not_met", id="only-abstentions"),
        # Nobody voted and no quorum is required: 0 >= 0, but nothing agreed.
        pytest.param("", 10, NO_QUORUM, "threshold_not_met", id="zero-votes-no-quorum"),
        # Nobody voted, any positive quorum fails.
        pytest.param("", 10, DecisionRules(quorum=Fraction(1, 10)), "quorum_not_reached",
                     id="zero-votes-with-quorum"),
        # An empty electorate: nothing to count, nothing passes.
        pytest.param("", 0, NO_QUORUM, "threshold_not_met", id="zero-eligible"),
        # Unanimity (inclusive 1): one disagree among agrees fails it, 3/4 < 1.
        pytest.param("AAAD", 4, DecisionRules(threshold=1, threshold_inclusive=True),
                     "threshold_not_met", id="unanimity-fails"),
        pytest.param("AAAS", 4, DecisionRules(threshold=1, threshold_inclusive=True),
                     "passed", id="unanimity-with-abstention"),
    ],
)
def test_outcomes(spec: str, eligible: int, rules: DecisionRules, reason: str) -> None:
    result = tally_proposal(ballots(spec), eligible=eligible, rules=rules)
    assert result.reason == reason
    assert result.passed is (reason == "passed")


@pytest.mark.parametrize(
    ("spec", "eligible", "rules", "expected"),
    [
        # 2 agree, 1 disagree, 2 abstain of 10: turnout 5/10, agree share 2/3.
        ("AADSS", 10, MAJORITY,
         {"counts": {"agree": 2, "abstain": 2, "disagree": 1, "block": 0}, "cast": 5,
          "counted_for_quorum": 5, "turnout": Fraction(1, 2), "quorum_reached": True,
          "agree_share": Fraction(2, 3)}),
        # Abstentions left out of quorum: counted 3 of 10 < 5.
        ("AADSS", 10, ABSTAIN_NOT_QUORUM,
         {"cast": 5, "counted_for_quorum": 3, "quorum_reached": False}),
        # No ballots: everything zero, no share, turnout defined as 0 when nobody is eligible.
        ("", 0, NO_QUORUM,
         {"cast": 0, "turnout": Fraction(0), "agree_share": None, "quorum_reached": True}),
        # A block sits in the denominator: 9/(9+1).
        ("AAAAAAAAAB", 12, OVERRIDE_90,
         {"agree_share": Fraction(9, 10), "turnout": Fraction(10, 12)}),
    ],
)
def test_tally_fields(spec: str, eligible: int, rules: DecisionRules, expected: dict) -> None:
    result = tally_proposal(ballots(spec), eligible=eligible, rules=rules)
    for name, value in expected.items():
        actual = getattr(result, name)
        assert (dict(actual) if name == "counts" else actual) == value, name


def test_changed_vote_counts_only_the_last() -> None:
    # voter-1 disagreed then agreed: 2 agree, 0 disagree, 2 voters cast.
    history = [
        Ballot("voter-1", "disagree"),
        Ballot("voter-2", "agree"),
        Ballot("voter-1", "agree"),
    ]
    result = tally_proposal(history, eligible=3, rules=NO_QUORUM)
    assert dict(result.counts) == {"agree": 2, "abstain": 0, "disagree": 0, "block": 0}
    assert result.cast == 2
    assert result.passed


def test_withdrawn_block_no_longer_blocks() -> None:
    history = [Ballot("voter-1", "block", "Not yet costed."), Ballot("voter-1", "agree")]
    result = tally_proposal(history, eligible=1, rules=NO_QUORUM)
    assert result.counts["block"] == 0
    assert result.reason == "passed"


def test_as_dict_is_json_with_exact_fractions() -> None:
    result = tally_proposal(ballots("AADSS"), eligible=10, rules=MAJORITY)
    data = json.loads(json.dumps(result.as_dict()))
    assert data["turnout"] == "1/2"
    assert data["agree_share"] == "2/3"
    assert data["reason"] == "passed" and data["passed"] is True
    assert data["counts"] == {"agree": 2, "abstain": 2, "disagree": 1, "block": 0}
    assert data["rules"]["quorum"] == "1/2"
    assert list(data["counts"]) == list(STANCES)


def test_tally_is_deterministic() -> None:
    first = tally_proposal(ballots("ABDSA"), eligible=7, rules=OVERRIDE_90)
    again = tally_proposal(ballots("ABDSA"), eligible=7, rules=OVERRIDE_90)
    assert first.as_dict() == again.as_dict()


# --- ballots ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("choice", "reason", "message"),
    [
        ("block", "", "A block must give its reason."),
        ("block", "   \n", "A block must give its reason."),
        ("maybe", "", "Unknown choice 'maybe'"),
        ("Agree", "", "Unknown choice 'Agree'"),
    ],
)
def test_invalid_ballots(choice: str, reason: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_ballot(choice, reason)


@pytest.mark.parametrize("choice", STANCES)
def test_every_stance_with_reason_is_valid(choice: str) -> None:
    validate_ballot(choice, "Because.")


def test_choices_can_be_narrowed() -> None:
    with pytest.raises(ValidationError):
        validate_ballot("block", "Serious.", ("agree", "abstain", "disagree"))


def test_block_without_reason_refused_in_tally() -> None:
    with pytest.raises(ValidationError, match="A block must give its reason."):
        tally_proposal([Ballot("voter-1", "block")], eligible=1, rules=NO_QUORUM)


@pytest.mark.parametrize(
    ("given", "eligible"),
    [
        (ballots("AAA"), 2),  # more voters than eligible members
        ([Ballot("", "agree")], 1),  # anonymous ballot
        (ballots("A"), -1),
        (ballots("A"), True),
    ],
)
def test_inconsistent_tally_inputs(given: list[Ballot], eligible: int) -> None:
    with pytest.raises(ValidationError):
        tally_proposal(given, eligible=eligible, rules=NO_QUORUM)


# --- rules -----------------------------------------------------------------------------

def test_from_params_reads_charter_values() -> None:
    rules = DecisionRules.from_params({
        "quorum": "25%",
        "threshold": "2/3",
        "threshold_inclusive": True,
        "block_policy": "unless_agree_at_least",
        "block_override": 0.9,
        "abstain_counts_for_quorum": False,
    })
    assert rules.quorum == Fraction(1, 4)
    assert rules.threshold == Fraction(2, 3)
    assert rules.block_override == Fraction(9, 10)  # 0.9 read as decimal, not binary
    assert rules.block_policy is BlockPolicy.UNLESS_AGREE_AT_LEAST
    assert rules.abstain_counts_for_quorum is False


def test_from_params_defaults() -> None:
    rules = DecisionRules.from_params({})
    assert (rules.quorum, rules.threshold, rules.threshold_inclusive) == (0, Fraction(1, 2), False)
    assert rules.block_policy == "fails" and rules.block_override is None


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"quorum": 1.5}, "quorum"),
        ({"quorum": -0.1}, "quorum"),
        ({"quorum": "lots"}, "quorum"),
        ({"quorum": True}, "quorum"),
        ({"quorum": float("nan")}, "quorum"),
        ({"quorum": None}, "quorum"),
        ({"threshold": 1}, "threshold"),  # exclusive 1 could never be met
        ({"threshold": 0, "threshold_inclusive": True}, "threshold"),  # would pass with no agree
        ({"threshold": "1/0"}, "threshold"),
        ({"threshold_inclusive": "yes"}, "threshold_inclusive"),
        ({"block_policy": "veto"}, "block_policy"),
        ({"block_policy": "unless_agree_at_least"}, "block_override"),
        ({"block_override": 0.9}, "block_override"),  # default policy "fails" ignores it
        ({"block_policy": "unless_agree_at_least", "block_override": 0}, "block_override"),
        ({"block_policy": "unless_agree_at_least", "block_override": "120%"}, "block_override"),
        ({"abstain_counts_for_quorum": 1}, "abstain_counts_for_quorum"),
        ({"quorom": 0.5}, "quorom"),  # a typo must not silently mean "no quorum"
    ],
)
def test_invalid_rules_name_the_key(params: dict, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        DecisionRules.from_params(params)
    assert caught.value.detail["key"] == key
    assert repr(key) in caught.value.message


def test_from_params_needs_a_mapping() -> None:
    with pytest.raises(ValidationError):
        DecisionRules.from_params([("quorum", 0.5)])  # type: ignore[arg-type]
