"""Ranked ballots and instant-runoff voting (one winner).

A ranking lists options from most to least preferred. It may stop early (the voter has
no preference among the rest) and may be empty (the voter took part but ranked nothing,
which counts as exhausted from the first round).

Instant runoff: each round, every ballot counts for its highest-ranked option still in
the race. An option holding more than half of the ballots that still count (the
continuing ballots) wins. Otherwise the option with the fewest votes is eliminated and
the next round begins. Exactly one option is eliminated per round.

Tie for elimination (`choose_elimination`, shared with `stv`): the tied options are
compared on their counts in earlier rounds, starting from the first round; at each round
only those with the fewest votes stay in the tie, until one remains
(`tie_break="earlier_rounds"`). If they were level in every earlier round, the one
listed last in `options` is eliminated (`tie_break="option_order"`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from server.errors import ValidationError
from server.governance.proposals._counting import check_known, check_options

EARLIER_ROUNDS = "earlier_rounds"
OPTION_ORDER = "option_order"


def check_ranking(ranking: Sequence[str], known: Sequence[str] | Mapping[str, object]
                  ) -> tuple[str, ...]:
    """Refuse a ranking that is not a list, names an unknown option or repeats one."""
    if isinstance(ranking, str) or not isinstance(ranking, Sequence):
        raise ValidationError("A ranking must be a list of options, most preferred first.")
    seen: set[str] = set()
    for option in ranking:
        if check_known(option, known) in seen:
            raise ValidationError(f"{option!r} is ranked twice on one ballot.", option=option)
        seen.add(option)
    return tuple(ranking)


def choose_elimination(
    tied: Sequence[str],
    history: Sequence[Mapping[str, int | Fraction]],
    options: Sequence[str],
) -> tuple[str, str | None]:
    """Pick which of the options tied on fewest votes goes out, and say how.

    `history` holds the counts of the earlier rounds, oldest first; every tied option was
    in the race (and so in the counts) of each of those rounds.
    """
    if len(tied) == 1:
        return tied[0], None
    remaining = list(tied)
    for counts in history:
        fewest = min(counts[option] for option in remaining)
        remaining = [option for option in remaining if counts[option] == fewest]
        if len(remaining) == 1:
            return remaining[0], EARLIER_ROUNDS
    # Level all along: fall back on the poll's own order, which nobody can game mid-count.
    return max(remaining, key=list(options).index), OPTION_ORDER


@dataclass(frozen=True)
class IrvRound:
    """One round: `counts` for the options still in the race at its start; `exhausted`
    is every ballot that no longer counts (blank ones included). `tied` lists the options
    level on fewest votes when a tie had to be broken, else it is empty."""

    number: int
    counts: Mapping[str, int]
    continuing_ballots: int
    exhausted: int
    eliminated: str | None
    tied: tuple[str, ...]
    tie_break: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "counts": dict(self.counts),
            "continuing_ballots": self.continuing_ballots,
            "exhausted": self.exhausted,
            "eliminated": self.eliminated,
            "tied": list(self.tied),
            "tie_break": self.tie_break,
        }


@dataclass(frozen=True)
class IrvResult:
    """`winner` is None only when no ballot ranked anything."""

    options: tuple[str, ...]
    ballots: int
    rounds: tuple[IrvRound, ...]
    eliminated: tuple[str, ...]
    winner: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "instant_runoff",
            "options": list(self.options),
            "ballots": self.ballots,
            "rounds": [round_.as_dict() for round_ in self.rounds],
            "eliminated": list(self.eliminated),
            "winner": self.winner,
        }


def _first_preferences(rankings: Sequence[tuple[str, ...]], continuing: Sequence[str]
                       ) -> tuple[dict[str, int], int]:
    counts = {option: 0 for option in continuing}
    exhausted = 0
    for ranking in rankings:
        top = next((option for option in ranking if option in counts), None)
        if top is None:
            exhausted += 1
        else:
            counts[top] += 1
    return counts, exhausted


def instant_runoff(options: Sequence[str], rankings: Sequence[Sequence[str]]) -> IrvResult:
    options = check_options(options)
    checked = [check_ranking(ranking, options) for ranking in rankings]
    continuing = list(options)
    rounds: list[IrvRound] = []
    history: list[Mapping[str, int]] = []
    while True:
        counts, exhausted = _first_preferences(checked, continuing)
        active = len(checked) - exhausted
        number = len(rounds) + 1
        leader = max(continuing, key=lambda option: counts[option])
        if active == 0 or counts[leader] * 2 > active:
            rounds.append(IrvRound(number, MappingProxyType(counts), active, exhausted,
                                   None, (), None))
            winner = leader if active else None
            break
        fewest = min(counts.values())
        tied = [option for option in continuing if counts[option] == fewest]
        loser, tie_break = choose_elimination(tied, history, options)
        rounds.append(IrvRound(number, MappingProxyType(counts), active, exhausted, loser,
                               tuple(tied) if tie_break else (), tie_break))
        history.append(counts)
        continuing.remove(loser)
    eliminated = tuple(round_.eliminated for round_ in rounds if round_.eliminated)
    return IrvResult(options, len(checked), tuple(rounds), eliminated, winner)
