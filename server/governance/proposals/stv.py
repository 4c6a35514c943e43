"""Single transferable vote: several winners from ranked ballots.

The count, stage by stage, all in exact fractions:

* Quota (Droop): `floor(valid / (seats + 1)) + 1`, where `valid` is the number of
  non-empty rankings. An option is elected on reaching the quota (`>=`). No more than
  `seats` options can ever reach it, since the votes in play never grow.
* Every ballot starts at weight 1 with its first preference.
* Each stage first elects every hopeful option at or above the quota (highest first,
  option order breaking equal totals). Then, unless the count is over:
  1. if elected options still hold surpluses, the largest surplus is transferred (equal
     surpluses: the one elected first); otherwise
  2. the hopeful with the fewest votes is eliminated and its ballots move on at their
     current weight (ties broken as in `ranked.choose_elimination`).
* Surplus transfer is the weighted inclusive Gregory method: *all* ballots held by the
  elected option move on, each multiplied by `surplus / total`, and the option keeps
  exactly the quota. Ballots move to their next preference that is still hopeful;
  a ballot with none left is exhausted (its weight is kept in `exhausted`).
* The count ends when every seat is filled, or when the hopefuls left are no more than
  the seats left: they are then all elected, highest total first.

When no ballot ranks anything, nobody is elected and no rounds are recorded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from server.errors import ValidationError
from server.governance.proposals._counting import check_count, check_options, fraction_str
from server.governance.proposals.ranked import check_ranking, choose_elimination

SURPLUS = "surplus"
ELIMINATION = "elimination"


@dataclass(frozen=True)
class StvRound:
    """One stage. `tallies` are the totals at its start for every option not yet
    eliminated (elected options whose surplus has gone hold exactly the quota).
    `elected` lists who reached the quota (or filled the last seats) in this stage;
    `action` says what moved afterwards: "surplus" (with `transfer_value`), "elimination"
    (with `tied` and `tie_break` when a tie was broken) or None when the count ended."""

    number: int
    tallies: Mapping[str, Fraction]
    exhausted: Fraction
    elected: tuple[str, ...]
    action: str | None
    candidate: str | None
    transfer_value: Fraction | None
    tied: tuple[str, ...]
    tie_break: str | None

    def as_dict(self) -> dict[str, object]:
        return {
            "number": self.number,
            "tallies": {option: str(value) for option, value in self.tallies.items()},
            "exhausted": str(self.exhausted),
            "elected": list(self.elected),
            "action": self.action,
            "candidate": self.candidate,
            "transfer_value": fraction_str(self.transfer_value),
            "tied": list(self.tied),
            "tie_break": self.tie_break,
        }


@dataclass(frozen=True)
class StvResult:
    """`winners` are in the order they were elected."""

    options: tuple[str, ...]
    seats: int
    ballots: int
    valid_ballots: int
    quota: int
    rounds: tuple[StvRound, ...]
    winners: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": "single_transferable_vote",
            "options": list(self.options),
            "seats": self.seats,
            "ballots": self.ballots,
            "valid_ballots": self.valid_ballots,
            "quota": self.quota,
            "rounds": [round_.as_dict() for round_ in self.rounds],
            "winners": list(self.winners),
        }


@dataclass
class _Parcel:
    ranking: tuple[str, ...]
    weight: Fraction


class _Count:
    """The mutable state of one count; only `single_transferable_vote` drives it."""

    def __init__(self, options: tuple[str, ...], quota: int) -> None:
        self.options = options
        self.quota = quota
        self.hopeful: list[str] = list(options)
        self.piles: dict[str, list[_Parcel]] = {option: [] for option in options}
        self.elected: list[str] = []
        self.pending: list[str] = []  # elected, surplus not yet transferred
        self.eliminated: set[str] = set()
        self.exhausted = Fraction(0)

    def place(self, parcel: _Parcel) -> None:
        # Options ranked above the one that held the ballot are all elected or out by now,
        # so the first hopeful on the ranking is the next preference.
        target = next((option for option in parcel.ranking if option in self.hopeful), None)
        if target is None:
            self.exhausted += parcel.weight
        else:
            self.piles[target].append(parcel)

    def total(self, option: str) -> Fraction:
        if option in self.elected and option not in self.pending:
            return Fraction(self.quota)
        return sum((parcel.weight for parcel in self.piles[option]), Fraction(0))

    def tallies(self) -> dict[str, Fraction]:
        return {option: self.total(option) for option in self.options
                if option not in self.eliminated}

    def by_total(self, options: list[str], tallies: Mapping[str, Fraction]) -> list[str]:
        return sorted(options, key=lambda option: (-tallies[option], self.options.index(option)))

    def elect(self, options: list[str], tallies: Mapping[str, Fraction]) -> None:
        for option in options:
            self.hopeful.remove(option)
            self.elected.append(option)
            if tallies[option] > self.quota:
                self.pending.append(option)

    def transfer_surplus(self, tallies: Mapping[str, Fraction]) -> tuple[str, Fraction]:
        # max() keeps the first of equal surpluses, i.e. the one elected first.
        option = max(self.pending, key=lambda candidate: tallies[candidate])
        self.pending.remove(option)
        value = (tallies[option] - self.quota) / tallies[option]
        parcels, self.piles[option] = self.piles[option], []
        for parcel in parcels:
            self.place(_Parcel(parcel.ranking, parcel.weight * value))
        return option, value

    def eliminate(self, option: str) -> None:
        self.hopeful.remove(option)
        self.eliminated.add(option)
        parcels, self.piles[option] = self.piles[option], []
        for parcel in parcels:
            self.place(parcel)


def _check_seats(seats: int, options: tuple[str, ...]) -> int:
    seats = check_count(seats, "The number of seats", minimum=1)
    if seats > len(options):
        raise ValidationError(f"There are {seats} seats but only {len(options)} options.")
    return seats


def single_transferable_vote(
    options: Sequence[str], rankings: Sequence[Sequence[str]], seats: int
) -> StvResult:
    options = check_options(options)
    seats = _check_seats(seats, options)
    checked = [check_ranking(ranking, options) for ranking in rankings]
    valid = [ranking for ranking in checked if ranking]
    quota = len(valid) // (seats + 1) + 1
    if not valid:
        return StvResult(options, seats, len(checked), 0, quota, (), ())

    count = _Count(options, quota)
    for ranking in valid:
        count.place(_Parcel(ranking, Fraction(1)))
    rounds: list[StvRound] = []
    history: list[Mapping[str, Fraction]] = []
    while True:
        tallies = count.tallies()
        exhausted = count.exhausted
        reached = [option for option in count.hopeful if tallies[option] >= quota]
        newly = count.by_total(reached, tallies)
        count.elect(newly, tallies)
        remaining = seats - len(count.elected)
        if remaining and len(count.hopeful) <= remaining:
            last = count.by_total(count.hopeful, tallies)
            count.elect(last, tallies)
            newly += last
            remaining = 0
        if not remaining:
            rounds.append(StvRound(len(rounds) + 1, MappingProxyType(tallies), exhausted,
                                   tuple(newly), None, None, None, (), None))
            break
        rounds.append(_step(count, tallies, history, len(rounds) + 1, exhausted, newly))
        history.append(tallies)
    return StvResult(options, seats, len(checked), len(valid), quota, tuple(rounds),
                     tuple(count.elected))


def _step(count: _Count, tallies: Mapping[str, Fraction], history: list[Mapping[str, Fraction]],
          number: int, exhausted: Fraction, newly: list[str]) -> StvRound:
    """Transfer one surplus or eliminate one hopeful, and describe the stage."""
    frozen = MappingProxyType(dict(tallies))
    if count.pending:
        option, value = count.transfer_surplus(tallies)
        return StvRound(number, frozen, exhausted, tuple(newly), SURPLUS, option, value,
                        (), None)
    fewest = min(tallies[option] for option in count.hopeful)
    tied = [option for option in count.hopeful if tallies[option] == fewest]
    loser, tie_break = choose_elimination(tied, history, count.options)
    count.eliminate(loser)
    return StvRound(number, frozen, exhausted, tuple(newly), ELIMINATION, loser, None,
                    tuple(tied) if tie_break else (), tie_break)
