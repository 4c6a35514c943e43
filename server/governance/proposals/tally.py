"""Counting a proposal: stances, decision rules and the outcome they give.

Everything here is pure: ballots and rules in, a frozen `ProposalTally` out. Storage,
deadlines and who is eligible are decided elsewhere; this module only needs the number
of eligible members.

The rules, precisely (every comparison is done on exact fractions):

* Turnout is `cast / eligible`, where `cast` counts every voter's final stance.
* Quorum is reached when `counted_for_quorum >= quorum * eligible`. Abstentions are part
  of `counted_for_quorum` unless `abstain_counts_for_quorum` is false.
* The decisive votes are agree + disagree + block; abstentions never enter a ratio.
  `agree_share = agree / decisive` (None when nobody took a decisive stance).
* Blocks, by `block_policy`:
  - `fails`: any block fails the proposal;
  - `ignored`: a block is counted as a disagree;
  - `unless_agree_at_least`: a block fails the proposal unless
    `agree_share >= block_override` (social.coop's "no blocks unless N% agree"); a block
    that is overridden is then counted as a disagree.
* Threshold: passes when `agree_share > threshold`, or `>=` when `threshold_inclusive`.
  So a simple majority is `threshold=1/2` (exclusive: a tie fails) and a two-thirds
  supermajority is `threshold=2/3, threshold_inclusive=True` (exactly 2/3 passes).
  With no decisive votes the threshold is never met.
* The checks run in that order and the first that fails gives `reason`.

Duplicate ballots: a member may change their stance while the proposal is open, so when
several ballots carry the same `voter_id` only the last one in the sequence counts. Callers
pass ballots in the order they were cast.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType

from server.errors import ValidationError


class Stance(StrEnum):
    AGREE = "agree"
    ABSTAIN = "abstain"
    DISAGREE = "disagree"
    BLOCK = "block"


STANCES: tuple[str, ...] = tuple(stance.value for stance in Stance)


class BlockPolicy(StrEnum):
    FAILS = "fails"
    IGNORED = "ignored"
    UNLESS_AGREE_AT_LEAST = "unless_agree_at_least"


class Outcome(StrEnum):
    """Machine codes for `ProposalTally.reason`; the UI translates them."""

    QUORUM_NOT_REACHED = "quorum_not_reached"
    BLOCKED = "blocked"
    THRESHOLD_NOT_MET = "threshold_not_met"
    PASSED = "passed"


@dataclass(frozen=True)
class Ballot:
    voter_id: str
    choice: str
    reason: str = ""


def validate_ballot(
    choice: str, reason: str = "", allowed_choices: Collection[str] = STANCES
) -> None:
    """Refuse a stance the proposal does not offer, and a block that gives no reason.

    A block stops the whole group, so the group is owed an explanation it can answer.
    """
    if not isinstance(choice, str) or choice not in allowed_choices:
        expected = ", ".join(allowed_choices)
        raise ValidationError(
            f"Unknown choice {choice!r}; expected one of: {expected}.", field="choice"
        )
    if not isinstance(reason, str):
        raise ValidationError("The reason must be text.", field="reason")
    if choice == Stance.BLOCK and not reason.strip():
        raise ValidationError("A block must give its reason.", field="reason")


# --- rules -------------------------------------------------------------------------------

_RULE_KEYS = (
    "quorum",
    "threshold",
    "threshold_inclusive",
    "block_policy",
    "block_override",
    "abstain_counts_for_quorum",
)


def _bad_rule(key: str, problem: str) -> ValidationError:
    return ValidationError(f"Decision rule {key!r} {problem}", key=key)


def _parse_fraction(key: str, value: object) -> Fraction:
    """Read 0.5, 1, Fraction(2, 3), "2/3", "0.5" or "90%" as an exact fraction.

    Floats go through their shortest decimal form, so 0.9 means 9/10, not the binary
    number nearest to it; charters should prefer "2/3" to 0.6667 for thirds.
    """
    problem = 'must be a fraction such as 0.5, "2/3" or "90%".'
    if isinstance(value, bool):
        raise _bad_rule(key, problem)
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _bad_rule(key, problem)
        return Fraction(repr(value))
    if isinstance(value, str):
        text = value.strip()
        percent = text.endswith("%")
        try:
            number = Fraction(text[:-1].strip() if percent else text)
        except (ValueError, ZeroDivisionError):
            raise _bad_rule(key, problem) from None
        return number / 100 if percent else number
    raise _bad_rule(key, problem)


def _check_range(key: str, value: Fraction, *, low: Fraction, high: Fraction,
                 low_open: bool = False, high_open: bool = False) -> Fraction:
    too_low = value <= low if low_open else value < low
    too_high = value >= high if high_open else value > high
    if too_low or too_high:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        raise _bad_rule(key, f"must be in {left}{low}, {high}{right}, not {value}.")
    return value


def _check_bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _bad_rule(key, "must be true or false.")
    return value


@dataclass(frozen=True)
class DecisionRules:
    """How a proposal is decided. Numbers are stored as exact `Fraction`s.

    Constructing one directly validates it too; `from_params` is the entry point for the
    plain mapping found in the charter.
    """

    quorum: Fraction = Fraction(0)
    threshold: Fraction = Fraction(1, 2)
    threshold_inclusive: bool = False
    block_policy: str = BlockPolicy.FAILS
    block_override: Fraction | None = None
    abstain_counts_for_quorum: bool = True

    def __post_init__(self) -> None:
        # Coerce in place: the class is frozen, but this is still construction.
        set_ = object.__setattr__
        set_(self, "quorum", _check_range(
            "quorum", _parse_fraction("quorum", self.quorum), low=Fraction(0), high=Fraction(1)))
        set_(self, "threshold_inclusive", _check_bool("threshold_inclusive",
                                                      self.threshold_inclusive))
        # An exclusive threshold of 1 could never be met, and an inclusive one of 0 would
        # pass a proposal nobody agreed with: both are charter mistakes.
        set_(self, "threshold", _check_range(
            "threshold", _parse_fraction("threshold", self.threshold),
            low=Fraction(0), high=Fraction(1),
            low_open=self.threshold_inclusive, high_open=not self.threshold_inclusive))
        set_(self, "abstain_counts_for_quorum", _check_bool(
            "abstain_counts_for_quorum", self.abstain_counts_for_quorum))
        set_(self, "block_policy", self._checked_policy())
        set_(self, "block_override", self._checked_override())

    def _checked_policy(self) -> BlockPolicy:
        try:
            return BlockPolicy(self.block_policy)
        except ValueError:
            allowed = ", ".join(policy.value for policy in BlockPolicy)
            raise _bad_rule("block_policy", f"must be one of: {allowed}.") from None

    def _checked_override(self) -> Fraction | None:
        wants_override = self.block_policy == BlockPolicy.UNLESS_AGREE_AT_LEAST
        if self.block_override is None:
            if wants_override:
                raise _bad_rule("block_override", "is required when block_policy is "
                                "'unless_agree_at_least'.")
            return None
        if not wants_override:
            # Silently ignoring it would hide a charter that says something it does not do.
            raise _bad_rule("block_override", "only applies when block_policy is "
                            "'unless_agree_at_least'.")
        value = _parse_fraction("block_override", self.block_override)
        return _check_range("block_override", value, low=Fraction(0), high=Fraction(1),
                            low_open=True)

    @classmethod
    def from_params(cls, params: Mapping[str, object]) -> DecisionRules:
        """Build rules from the charter's parameter block; missing keys take the defaults."""
        if not isinstance(params, Mapping):
            raise ValidationError("Decision rules must be a table of named parameters.")
        for key in params:
            if key not in _RULE_KEYS:
                raise ValidationError(f"Unknown decision rule {key!r}.", key=str(key))
        return cls(**params)  # type: ignore[arg-type]  # __post_init__ checks every value

    def as_dict(self) -> dict[str, object]:
        return {
            "quorum": str(self.quorum),
            "threshold": str(self.threshold),
            "threshold_inclusive": self.threshold_inclusive,
            "block_policy": str(self.block_policy),
            "block_override": None if self.block_override is None else str(self.block_override),
            "abstain_counts_for_quorum": self.abstain_counts_for_quorum,
        }


# --- tally -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProposalTally:
    """The outcome of a proposal. Fractions stay exact; `as_dict` writes them as "p/q"."""

    counts: Mapping[str, int]
    cast: int
    eligible: int
    counted_for_quorum: int
    turnout: Fraction
    quorum_reached: bool
    agree_share: Fraction | None
    passed: bool
    reason: str
    rules: DecisionRules = field(repr=False)

    def as_dict(self) -> dict[str, object]:
        return {
            "counts": dict(self.counts),
            "cast": self.cast,
            "eligible": self.eligible,
            "counted_for_quorum": self.counted_for_quorum,
            "turnout": str(self.turnout),
            "quorum_reached": self.quorum_reached,
            "agree_share": None if self.agree_share is None else str(self.agree_share),
            "passed": self.passed,
            "reason": self.reason,
            "rules": self.rules.as_dict(),
        }


def final_ballots(ballots: Sequence[Ballot]) -> dict[str, Ballot]:
    """Validate every ballot and keep each voter's last one (a changed stance replaces)."""
    final: dict[str, Ballot] = {}
    for ballot in ballots:
        if not isinstance(ballot, Ballot):
            raise ValidationError("Expected a Ballot.")
        if not isinstance(ballot.voter_id, str) or not ballot.voter_id:
            raise ValidationError("A ballot must say who cast it.", field="voter_id")
        validate_ballot(ballot.choice, ballot.reason)
        final.pop(ballot.voter_id, None)  # re-insert so the order follows the last ballot
        final[ballot.voter_id] = ballot
    return final


def tally_proposal(
    ballots: Sequence[Ballot], *, eligible: int, rules: DecisionRules
) -> ProposalTally:
    if isinstance(eligible, bool) or not isinstance(eligible, int) or eligible < 0:
        raise ValidationError("The number of eligible members must be a whole number >= 0.")
    final = final_ballots(ballots)
    counts = {stance: 0 for stance in STANCES}
    for ballot in final.values():
        counts[ballot.choice] += 1
    cast = len(final)
    if cast > eligible:
        raise ValidationError(f"{cast} members voted but only {eligible} are eligible.")

    counted = cast if rules.abstain_counts_for_quorum else cast - counts[Stance.ABSTAIN]
    quorum_reached = counted >= rules.quorum * eligible
    decisive = counts[Stance.AGREE] + counts[Stance.DISAGREE] + counts[Stance.BLOCK]
    agree_share = Fraction(counts[Stance.AGREE], decisive) if decisive else None
    reason = _decide(counts, quorum_reached, agree_share, rules)
    return ProposalTally(
        counts=MappingProxyType(counts),
        cast=cast,
        eligible=eligible,
        counted_for_quorum=counted,
        # An electorate of nobody has no turnout to speak of; 0 keeps the field a number.
        turnout=Fraction(cast, eligible) if eligible else Fraction(0),
        quorum_reached=quorum_reached,
        agree_share=agree_share,
        passed=reason == Outcome.PASSED,
        reason=str(reason),
        rules=rules,
    )


def _decide(
    counts: Mapping[str, int],
    quorum_reached: bool,
    agree_share: Fraction | None,
    rules: DecisionRules,
) -> Outcome:
    if not quorum_reached:
        return Outcome.QUORUM_NOT_REACHED
    if counts[Stance.BLOCK] and _block_stands(agree_share, rules):
        return Outcome.BLOCKED
    # Blocks that did not stop the proposal are already inside agree_share's denominator,
    # which is exactly "a block counts as a disagree".
    if not _meets_threshold(agree_share, rules):
        return Outcome.THRESHOLD_NOT_MET
    return Outcome.PASSED


def _block_stands(agree_share: Fraction | None, rules: DecisionRules) -> bool:
    if rules.block_policy == BlockPolicy.FAILS:
        return True
    if rules.block_policy == BlockPolicy.IGNORED:
        return False
    # There is at least one block, so agree_share is defined here.
    assert agree_share is not None and rules.block_override is not None
    return agree_share < rules.block_override


def _meets_threshold(agree_share: Fraction | None, rules: DecisionRules) -> bool:
    if agree_share is None:
        return False
    if rules.threshold_inclusive:
        return agree_share >= rules.threshold
    return agree_share > rules.threshold
