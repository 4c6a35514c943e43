"""Counting polls: single choice, approval, score and dot votes, and splitting a fund.

Ranked methods live in `ranked` (instant runoff) and `stv` (single transferable vote) and
are re-exported here, so callers need only this module.

Conventions shared by every method:

* `options` is the poll's options in display order. That order is also the last-resort
  tie-break wherever one option must be picked over another.
* `ballots` holds one ballot per voter; removing superseded ballots is the caller's job
  (see `tally.final_ballots` for proposals).
* A ballot that names an unknown option, or breaks the method's limits, raises
  `ValidationError`; nothing is silently dropped.
* `winners` lists every option sharing the best result (so a tie gives several) and is
  empty when nobody chose anything.
* Fractions are kept exact in the results; `as_dict()` writes them as strings such as
  "2/3" (read back with `fractions.Fraction`), so JSON never carries a rounded float.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from server.errors import ValidationError
from server.governance.proposals._counting import (
    check_count,
    check_int,
    check_known,
    check_options,
    fraction_str,
    leaders,
)
from server.governance.proposals.ranked import IrvResult, IrvRound, instant_runoff
from server.governance.proposals.stv import StvResult, StvRound, single_transferable_vote

__all__ = [
    "ChoiceResult",
    "DotVoteResult",
    "IrvResult",
    "IrvRound",
    "ScoreResult",
    "StvResult",
    "StvRound",
    "allocate_fund",
    "approval",
    "dot_vote",
    "instant_runoff",
    "score",
    "single_choice",
    "single_transferable_vote",
]


def _frozen(mapping: dict) -> Mapping:
    return MappingProxyType(mapping)


# --- single choice and approval -----------------------------------------------------------

@dataclass(frozen=True)
class ChoiceResult:
    """Result of a single-choice or approval poll: one point per chosen option."""

    method: str
    options: tuple[str, ...]
    counts: Mapping[str, int]
    ballots: int
    winners: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "options": list(self.options),
            "counts": dict(self.counts),
            "ballots": self.ballots,
            "winners": list(self.winners),
        }


def _choice_result(method: str, options: tuple[str, ...], counts: dict[str, int],
                   ballots: int) -> ChoiceResult:
    chosen = {option: n for option, n in counts.items() if n}
    return ChoiceResult(method, options, _frozen(counts), ballots, leaders(chosen, options))


def single_choice(options: Sequence[str], ballots: Sequence[str]) -> ChoiceResult:
    """Each ballot is the one option the voter chose."""
    options = check_options(options)
    counts = {option: 0 for option in options}
    for ballot in ballots:
        counts[check_known(ballot, counts)] += 1
    return _choice_result("single_choice", options, counts, len(ballots))


def _approved(ballot: Collection[str], known: Collection[str]) -> set[str]:
    # A bare string is a collection of characters: almost certainly a caller's mistake.
    if isinstance(ballot, str) or not isinstance(ballot, Collection):
        raise ValidationError("An approval ballot must be a list of options.")
    approved: set[str] = set()
    for option in ballot:
        if check_known(option, known) in approved:
            raise ValidationError(f"{option!r} is approved twice on one ballot.", option=option)
        approved.add(option)
    return approved


def approval(options: Sequence[str], ballots: Sequence[Collection[str]]) -> ChoiceResult:
    """Each ballot is the set of options the voter approves of; an empty set is allowed
    (the voter took part but approves of none) and counts in `ballots`."""
    options = check_options(options)
    counts = {option: 0 for option in options}
    for ballot in ballots:
        for option in _approved(ballot, counts):
            counts[option] += 1
    return _choice_result("approval", options, counts, len(ballots))


# --- score ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreResult:
    """`totals` sums the scores; `scored` is how many ballots scored each option and
    `averages` is total / scored (None for an option nobody scored). Winners are the
    options with the highest total among those scored at least once."""

    options: tuple[str, ...]
    min_score: int
    max_score: int
    totals: Mapping[str, int]
    scored: Mapping[str, int]
    averages: Mapping[str, Fraction | None]
    ballots: int
    winners: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "score",
            "options": list(self.options),
            "min_score": self.min_score,
            "max_score": self.max_score,
            "totals": dict(self.totals),
            "scored": dict(self.scored),
            "averages": {option: fraction_str(avg) for option, avg in self.averages.items()},
            "ballots": self.ballots,
            "winners": list(self.winners),
        }


def _check_mapping_ballot(ballot: object, kind: str) -> Mapping[str, object]:
    if not isinstance(ballot, Mapping):
        raise ValidationError(f"A {kind} ballot must map options to numbers.")
    return ballot


def score(
    options: Sequence[str],
    ballots: Sequence[Mapping[str, int]],
    min_score: int,
    max_score: int,
) -> ScoreResult:
    """Each ballot maps options to whole-number scores in [min_score, max_score].

    A ballot may leave options unscored; an unscored option gets nothing from that ballot
    rather than `min_score`, so a voter who skips an option does not punish it.
    """
    options = check_options(options)
    low = check_int(min_score, "The lowest score")
    high = check_int(max_score, "The highest score")
    if low >= high:
        raise ValidationError("The lowest score must be below the highest score.")
    totals = {option: 0 for option in options}
    scored = {option: 0 for option in options}
    for ballot in ballots:
        for option, value in _check_mapping_ballot(ballot, "score").items():
            check_known(option, totals)
            points = check_int(value, "A score")
            if not low <= points <= high:
                raise ValidationError(f"Scores must be between {low} and {high}; "
                                      f"{option!r} was given {points}.", option=option)
            totals[option] += points
            scored[option] += 1
    averages = {option: Fraction(totals[option], scored[option]) if scored[option] else None
                for option in options}
    contenders = {option: totals[option] for option in options if scored[option]}
    return ScoreResult(options, low, high, _frozen(totals), _frozen(scored),
                       _frozen(averages), len(ballots), leaders(contenders, options))


# --- dot vote and fund allocation ------------------------------------------------------

@dataclass(frozen=True)
class DotVoteResult:
    """`shares` is each option's fraction of all dots placed (0 everywhere when no dot
    was placed); `winners` are the options with the most dots."""

    options: tuple[str, ...]
    dots_per_voter: int
    totals: Mapping[str, int]
    total_dots: int
    shares: Mapping[str, Fraction]
    ballots: int
    winners: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "dot_vote",
            "options": list(self.options),
            "dots_per_voter": self.dots_per_voter,
            "totals": dict(self.totals),
            "total_dots": self.total_dots,
            "shares": {option: str(share) for option, share in self.shares.items()},
            "ballots": self.ballots,
            "winners": list(self.winners),
        }


def _dots_on(ballot: object, known: Collection[str], budget: int) -> dict[str, int]:
    placed: dict[str, int] = {}
    for option, value in _check_mapping_ballot(ballot, "dot vote").items():
        check_known(option, known)
        placed[option] = check_count(value, "A number of dots", minimum=0)
    spent = sum(placed.values())
    if spent > budget:
        raise ValidationError(f"A ballot places {spent} dots but each voter has {budget}.")
    return placed


def dot_vote(
    options: Sequence[str], ballots: Sequence[Mapping[str, int]], dots_per_voter: int
) -> DotVoteResult:
    """Each ballot maps options to a number of dots; a voter may place fewer than
    `dots_per_voter` (unplaced dots are simply not counted)."""
    options = check_options(options)
    budget = check_count(dots_per_voter, "The number of dots per voter", minimum=1)
    totals = {option: 0 for option in options}
    for ballot in ballots:
        for option, dots in _dots_on(ballot, totals, budget).items():
            totals[option] += dots
    total_dots = sum(totals.values())
    shares = {option: Fraction(n, total_dots) if total_dots else Fraction(0)
              for option, n in totals.items()}
    chosen = {option: n for option, n in totals.items() if n}
    return DotVoteResult(options, budget, _frozen(totals), total_dots, _frozen(shares),
                         len(ballots), leaders(chosen, options))


def allocate_fund(total_amount_minor_units: int, result: DotVoteResult) -> dict[str, int]:
    """Split an amount (in cents or another minor unit) in proportion to the dots.

    Largest remainder method: each option first gets the whole-unit part of its exact
    share; the units left over (fewer than the number of options) go one each to the
    options with the largest fractional remainders. Equal remainders are broken by more
    dots first, then by option order. The parts always sum to the total exactly.
    """
    amount = check_count(total_amount_minor_units, "The amount to split", minimum=0)
    if result.total_dots == 0:
        raise ValidationError("Nobody placed a dot, so there is nothing to split by.")
    exact = {option: Fraction(amount * dots, result.total_dots)
             for option, dots in result.totals.items()}
    parts = {option: int(share) for option, share in exact.items()}  # floor: shares >= 0
    left_over = amount - sum(parts.values())
    position = {option: index for index, option in enumerate(result.options)}
    order = sorted(result.options, key=lambda option: (
        -(exact[option] - parts[option]), -result.totals[option], position[option]))
    for option in order[:left_over]:
        parts[option] += 1
    return parts
