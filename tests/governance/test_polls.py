"""Poll counting methods against worked examples; each answer is checked by hand below."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from server.errors import ValidationError
from server.governance.proposals.polls import (
    allocate_fund,
    approval,
    dot_vote,
    instant_runoff,
    score,
    single_choice,
    single_transferable_vote,
)

ABC = ["A", "B", "C"]


def repeat(count: int, ranking: list[str]) -> list[list[str]]:
    return [list(ranking) for _ in range(count)]


# --- single choice --------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ballots", "counts", "winners"),
    [
        (["A", "B", "A", "C", "A"], {"A": 3, "B": 1, "C": 1}, ("A",)),
        (["A", "B"], {"A": 1, "B": 1, "C": 0}, ("A", "B")),  # a tie: both win
        ([], {"A": 0, "B": 0, "C": 0}, ()),  # nobody voted, nobody wins
    ],
)
def test_single_choice(ballots: list[str], counts: dict, winners: tuple) -> None:
    result = single_choice(ABC, ballots)
    assert dict(result.counts) == counts
    assert result.winners == winners
    assert result.ballots == len(ballots)


# --- approval -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ballots", "counts", "winners"),
    [
        # A: 1; B: 1+1+1 = 3; C: 1. The empty ballot still took part.
        ([["A", "B"], ["B"], ["B", "C"], []], {"A": 1, "B": 3, "C": 1}, ("B",)),
        ([{"A", "C"}, {"C", "A"}], {"A": 2, "B": 0, "C": 2}, ("A", "C")),
        ([[], []], {"A": 0, "B": 0, "C": 0}, ()),
    ],
)
def test_approval(ballots: list, counts: dict, winners: tuple) -> None:
    result = approval(ABC, ballots)
    assert dict(result.counts) == counts
    assert result.winners == winners
    assert result.ballots == len(ballots)


# --- score ----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("ballots", "low", "high", "totals", "averages", "winners"),
    [
        # A: 5+2+4 = 11 over 3 -> 11/3; B: 3+5+4 = 12 over 3 -> 4; C: 0+1 = 1 over 2 -> 1/2.
        ([{"A": 5, "B": 3, "C": 0}, {"A": 2, "B": 5, "C": 1}, {"A": 4, "B": 4}], 0, 5,
         {"A": 11, "B": 12, "C": 1}, {"A": Fraction(11, 3), "B": 4, "C": Fraction(1, 2)},
         ("B",)),
        # Scores from -2 to 2: A: -2+2 = 0, B: 1-1 = 0; a tie. C unscored: no average.
        ([{"A": -2, "B": 1}, {"A": 2, "B": -1}], -2, 2,
         {"A": 0, "B": 0, "C": 0}, {"A": 0, "B": 0, "C": None}, ("A", "B")),
        # Negative totals still have a best one: A -3, B -4; C was never scored.
        ([{"A": -1, "B": -2}, {"A": -2, "B": -2}], -2, 2,
         {"A": -3, "B": -4, "C": 0}, {"A": Fraction(-3, 2), "B": -2, "C": None}, ("A",)),
        ([], 0, 5, {"A": 0, "B": 0, "C": 0}, {"A": None, "B": None, "C": None}, ()),
    ],
)
def test_score(ballots, low, high, totals, averages, winners) -> None:
    result = score(ABC, ballots, low, high)
    assert dict(result.totals) == totals
    assert dict(result.averages) == averages
    assert result.winners == winners


# --- dot vote and fund ----------------------------------------------------------------

DOTS = [{"A": 5, "B": 5}, {"A": 10}, {"B": 3, "C": 7}, {"C": 2}]  # the last voter keeps 8


def test_dot_vote_shares() -> None:
    # A: 5+10 = 15; B: 5+3 = 8; C: 7+2 = 9; 32 dots placed.
    result = dot_vote(ABC, DOTS, 10)
    assert dict(result.totals) == {"A": 15, "B": 8, "C": 9}
    assert result.total_dots == 32
    assert dict(result.shares) == {"A": Fraction(15, 32), "B": Fraction(1, 4),
                                   "C": Fraction(9, 32)}
    assert result.winners == ("A",)


def test_dot_vote_without_dots() -> None:
    result = dot_vote(ABC, [{}, {"A": 0}], 10)
    assert result.total_dots == 0
    assert set(result.shares.values()) == {0}
    assert result.winners == ()


@pytest.mark.parametrize(
    ("ballots", "amount", "expected"),
    [
        # 10000 * (15, 8, 9)/32 = 4687.5, 2500, 2812.5 -> floors sum to 9999. The one cent
        # left goes to the largest remainder; A and C tie at .5, A has more dots.
        (DOTS, 10000, {"A": 4688, "B": 2500, "C": 2812}),
        # Three equal shares of 100 = 33.33...: one unit left, remainders and dots equal,
        # so option order gives it to A.
        ([{"A": 1, "B": 1, "C": 1}], 100, {"A": 34, "B": 33, "C": 33}),
        # 7 * (1, 2, 4)/7 is exact: 1, 2, 4.
        ([{"A": 1, "B": 2, "C": 4}], 7, {"A": 1, "B": 2, "C": 4}),
        # An option with no dots gets nothing; 5 * 1/3 = 1.67, 5 * 2/3 = 3.33 -> 2 and 3.
        ([{"A": 1, "B": 2}], 5, {"A": 2, "B": 3, "C": 0}),
        ([{"A": 3}], 0, {"A": 0, "B": 0, "C": 0}),
    ],
)
def test_allocate_fund(ballots, amount, expected) -> None:
    parts = allocate_fund(amount, dot_vote(ABC, ballots, 10))
    assert parts == expected
    assert sum(parts.values()) == amount


@pytest.mark.parametrize("amount", [1, 2, 3, 31, 32, 33, 99, 101, 123457])
def test_allocate_fund_always_sums_exactly(amount: int) -> None:
    parts = allocate_fund(amount, dot_vote(ABC, DOTS, 10))
    assert sum(parts.values()) == amount
    # No option strays more than one unit from its exact share.
    for option, dots in {"A": 15, "B": 8, "C": 9}.items():
        assert abs(parts[option] - Fraction(amount * dots, 32)) < 1


@pytest.mark.parametrize("amount", [-1, 1.5, True])
def test_allocate_fund_refuses_bad_amounts(amount) -> None:
    with pytest.raises(ValidationError):
        allocate_fund(amount, dot_vote(ABC, DOTS, 10))


def test_allocate_fund_needs_dots() -> None:
    with pytest.raises(ValidationError):
        allocate_fund(100, dot_vote(ABC, [], 10))


# --- instant runoff ---------------------------------------------------------------------

TENNESSEE = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
TENNESSEE_BALLOTS = (
    repeat(42, ["Memphis", "Nashville", "Chattanooga", "Knoxville"])
    + repeat(26, ["Nashville", "Chattanooga", "Knoxville", "Memphis"])
    + repeat(15, ["Chattanooga", "Knoxville", "Nashville", "Memphis"])
    + repeat(17, ["Knoxville", "Chattanooga", "Nashville", "Memphis"])
)


@pytest.mark.parametrize(
    ("options", "rankings", "winner", "rounds"),
    [
        # Tennessee capital. Round 1: M 42, N 26, C 15, K 17 of 100; nobody over 50, so
        # Chattanooga goes and its 15 move to Knoxville (32). Round 2: M 42, N 26, K 32;
        # Nashville goes, its 26 pass over Chattanooga (out) to Knoxville: 58 > 50.
        pytest.param(TENNESSEE, TENNESSEE_BALLOTS, "Knoxville", [
            ({"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17}, 0,
             "Chattanooga", None),
            ({"Memphis": 42, "Nashville": 26, "Knoxville": 32}, 0, "Nashville", None),
            ({"Memphis": 42, "Knoxville": 58}, 0, None, None),
        ], id="tennessee"),
        # Exhaustion: C's two voters ranked only C. After C goes, A has 4 of the 7
        # continuing ballots (8 > 7): a majority of continuing, not of all 9.
        pytest.param(ABC, repeat(4, ["A"]) + repeat(3, ["B"]) + repeat(2, ["C"]), "A", [
            ({"A": 4, "B": 3, "C": 2}, 0, "C", None),
            ({"A": 4, "B": 3}, 2, None, None),
        ], id="majority-of-continuing"),
        # Tie broken by an earlier round. Round 1: A5 B4 C3 D1, D goes (its ballot goes
        # to C). Round 2: A5 B4 C4, B and C tie; in round 1 C had fewer (3 < 4), so C
        # goes. Its three [C, A] ballots reach A, the [D, C] one is exhausted. A 8 of 12.
        pytest.param(["A", "B", "C", "D"],
                     repeat(5, ["A"]) + repeat(4, ["B"]) + repeat(3, ["C", "A"])
                     + repeat(1, ["D", "C"]), "A", [
            ({"A": 5, "B": 4, "C": 3, "D": 1}, 0, "D", None),
            ({"A": 5, "B": 4, "C": 4}, 0, "C", "earlier_rounds"),
            ({"A": 8, "B": 4}, 1, None, None),
        ], id="tie-earlier-round"),
        # Tie with no history: B and C have 1 each in round 1; C is listed last and goes.
        # Round 2: A 2 of 3 continuing.
        pytest.param(ABC, repeat(2, ["A"]) + [["B"], ["C"]], "A", [
            ({"A": 2, "B": 1, "C": 1}, 0, "C", "option_order"),
            ({"A": 2, "B": 1}, 1, None, None),
        ], id="tie-option-order"),
        # A dead heat between two: option order removes the later one, the other wins.
        pytest.param(["X", "Y"], [["X"], ["Y"]], "X", [
            ({"X": 1, "Y": 1}, 0, "Y", "option_order"),
            ({"X": 1}, 1, None, None),
        ], id="dead-heat"),
        # Nobody ranked anything: no winner, one empty round recorded.
        pytest.param(ABC, [[], []], None, [({"A": 0, "B": 0, "C": 0}, 2, None, None)],
                     id="all-blank"),
        pytest.param(ABC, [], None, [({"A": 0, "B": 0, "C": 0}, 0, None, None)],
                     id="no-ballots"),
    ],
)
def test_instant_runoff(options, rankings, winner, rounds) -> None:
    result = instant_runoff(options, rankings)
    assert result.winner == winner
    got = [(dict(r.counts), r.exhausted, r.eliminated, r.tie_break) for r in result.rounds]
    assert got == rounds
    assert result.eliminated == tuple(r[2] for r in rounds if r[2])


def test_instant_runoff_records_the_tie() -> None:
    result = instant_runoff(ABC, repeat(2, ["A"]) + [["B"], ["C"]])
    assert result.rounds[0].tied == ("B", "C")
    assert result.rounds[1].tied == ()


# --- single transferable vote ------------------------------------------------------------

FOOD = ["Oranges", "Pears", "Chocolate", "Strawberries", "Hamburgers"]
FOOD_BALLOTS = (
    repeat(4, ["Oranges"])
    + repeat(2, ["Pears", "Oranges"])
    + repeat(8, ["Chocolate", "Strawberries"])
    + repeat(4, ["Chocolate", "Hamburgers"])
    + repeat(1, ["Strawberries"])
    + repeat(1, ["Hamburgers"])
)

# Weighted inclusive Gregory, worked by hand. 14 ballots, 3 seats: quota 14//4 + 1 = 4.
# Stage 1: A 8, B 3, C 2, D 1. A elected, surplus 4, value 4/8: the eight [A, B, D]
#   ballots go to B at 1/2 -> B 3 + 4 = 7.
# Stage 2: B elected (7 >= 4), surplus 3, value 3/7 over *all* B's ballots: the three
#   [B, C] give C 9/7, the eight [A, B, D] (1/2 each) give D 8 * 1/2 * 3/7 = 12/7.
# Stage 3: C 2 + 9/7 = 23/7, D 1 + 12/7 = 19/7; D is lowest and goes; nothing ranks
#   beyond D, so 19/7 is exhausted. Stage 4: C alone for the last seat.
# (Transferring only B's last parcel instead would move 3 whole votes to D and elect D.)
INCLUSIVE_BALLOTS = (
    repeat(8, ["A", "B", "D"]) + repeat(3, ["B", "C"]) + repeat(2, ["C"]) + repeat(1, ["D"])
)

# Tie in an elimination. 12 ballots, 2 seats: quota 12//3 + 1 = 5.
# Stage 1: A 8 elected, surplus 3, value 3/8 -> B gets 8 * 3/8 = 3.
# Stage 2: B 3, C 2, D 2: C and D tie now and in stage 1, so D (listed last) goes and its
#   two ballots are exhausted. Stage 3: B 3, C 2 for one seat; C goes (2 exhausted more).
# Stage 4: B fills the last seat.
TIED_BALLOTS = repeat(8, ["A", "B", "C"]) + repeat(2, ["C"]) + repeat(2, ["D"])


@pytest.mark.parametrize(
    ("options", "rankings", "seats", "quota", "winners", "stages"),
    [
        # Wikipedia's party food. 20 ballots, 3 seats: quota 20//4 + 1 = 6.
        # Stage 1: Chocolate 12 elected, surplus 6, value 1/2: Strawberries +4 -> 5,
        #   Hamburgers +2 -> 3.
        # Stage 2: Oranges 4, Pears 2, Strawberries 5, Hamburgers 3: Pears goes, its 2 go
        #   to Oranges. Stage 3: Oranges 6 elected; no surplus. Two hopefuls for one seat:
        #   Hamburgers 3 goes; its ballots rank nothing after it, 3 votes exhausted.
        # Stage 4: Strawberries (5) is the only hopeful left and takes the third seat.
        pytest.param(FOOD, FOOD_BALLOTS, 3, 6, ("Chocolate", "Oranges", "Strawberries"), [
            (["Chocolate"], "surplus", "Chocolate", Fraction(1, 2), 0),
            ([], "elimination", "Pears", None, 0),
            (["Oranges"], "elimination", "Hamburgers", None, 0),
            (["Strawberries"], None, None, None, 3),
        ], id="wikipedia-food"),
        pytest.param(["A", "B", "C", "D"], INCLUSIVE_BALLOTS, 3, 4, ("A", "B", "C"), [
            (["A"], "surplus", "A", Fraction(1, 2), 0),
            (["B"], "surplus", "B", Fraction(3, 7), 0),
            ([], "elimination", "D", None, 0),
            (["C"], None, None, None, Fraction(19, 7)),
        ], id="inclusive-gregory"),
        pytest.param(["A", "B", "C", "D"], TIED_BALLOTS, 2, 5, ("A", "B"), [
            (["A"], "surplus", "A", Fraction(3, 8), 0),
            ([], "elimination", "D", None, 0),
            ([], "elimination", "C", None, 2),
            (["B"], None, None, None, 4),
        ], id="tie-option-order"),
        # One seat: quota 100//2 + 1 = 51. Chattanooga then Nashville go as in IRV;
        # Knoxville reaches 58 >= 51.
        pytest.param(TENNESSEE, TENNESSEE_BALLOTS, 1, 51, ("Knoxville",), [
            ([], "elimination", "Chattanooga", None, 0),
            ([], "elimination", "Nashville", None, 0),
            (["Knoxville"], None, None, None, 0),
        ], id="one-seat-tennessee"),
        # As many seats as options: all elected at once, highest total first.
        pytest.param(ABC, [["B"], ["B"], ["C"]], 3, 1, ("B", "C", "A"), [
            (["B", "C", "A"], None, None, None, 0),
        ], id="seats-equal-options"),
        # No rankings at all: nobody elected, nothing counted.
        pytest.param(ABC, [[], []], 2, 1, (), [], id="all-blank"),
    ],
)
def test_single_transferable_vote(options, rankings, seats, quota, winners, stages) -> None:
    result = single_transferable_vote(options, rankings, seats)
    assert result.quota == quota
    assert result.winners == winners
    got = [(list(r.elected), r.action, r.candidate, r.transfer_value, r.exhausted)
           for r in result.rounds]
    assert got == stages
    # Nothing is created or lost: every stage's totals plus exhausted are the valid ballots.
    for stage in result.rounds:
        assert sum(stage.tallies.values()) + stage.exhausted == result.valid_ballots


def test_stv_stage_tallies_are_exact() -> None:
    result = single_transferable_vote(["A", "B", "C", "D"], INCLUSIVE_BALLOTS, 3)
    third = result.rounds[2]
    assert dict(third.tallies) == {"A": 4, "B": 4, "C": Fraction(23, 7), "D": Fraction(19, 7)}
    tie = single_transferable_vote(["A", "B", "C", "D"], TIED_BALLOTS, 2).rounds[1]
    assert (tie.tied, tie.tie_break) == (("C", "D"), "option_order")


# --- invalid ballots and arguments ------------------------------------------------------

@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: single_choice(ABC, ["D"]), id="single-unknown"),
        pytest.param(lambda: single_choice(["A", "A"], ["A"]), id="duplicate-options"),
        pytest.param(lambda: single_choice([], []), id="no-options"),
        pytest.param(lambda: approval(ABC, [["A", "A"]]), id="approval-twice"),
        pytest.param(lambda: approval(ABC, ["AB"]), id="approval-bare-string"),
        pytest.param(lambda: approval(ABC, [["Z"]]), id="approval-unknown"),
        pytest.param(lambda: score(ABC, [{"A": 6}], 0, 5), id="score-too-high"),
        pytest.param(lambda: score(ABC, [{"A": -1}], 0, 5), id="score-too-low"),
        pytest.param(lambda: score(ABC, [{"A": 2.5}], 0, 5), id="score-not-whole"),
        pytest.param(lambda: score(ABC, [{"Z": 1}], 0, 5), id="score-unknown"),
        pytest.param(lambda: score(ABC, [["A"]], 0, 5), id="score-not-mapping"),
        pytest.param(lambda: score(ABC, [], 5, 5), id="score-empty-range"),
        pytest.param(lambda: dot_vote(ABC, [{"A": 6, "B": 5}], 10), id="dots-over-budget"),
        pytest.param(lambda: dot_vote(ABC, [{"A": -1}], 10), id="dots-negative"),
        pytest.param(lambda: dot_vote(ABC, [{"Z": 1}], 10), id="dots-unknown"),
        pytest.param(lambda: dot_vote(ABC, [], 0), id="dots-no-budget"),
        pytest.param(lambda: instant_runoff(ABC, [["A", "B", "A"]]), id="irv-ranked-twice"),
        pytest.param(lambda: instant_runoff(ABC, [["A", "Z"]]), id="irv-unknown"),
        pytest.param(lambda: instant_runoff(ABC, ["ABC"]), id="irv-bare-string"),
        pytest.param(lambda: single_transferable_vote(ABC, [["B", "B"]], 1), id="stv-twice"),
        pytest.param(lambda: single_transferable_vote(ABC, [["A"]], 0), id="stv-no-seats"),
        pytest.param(lambda: single_transferable_vote(ABC, [["A"]], 4), id="stv-too-many-seats"),
    ],
)
def test_invalid_input_is_refused(call) -> None:
    with pytest.raises(ValidationError):
        call()


# --- JSON ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "result",
    [
        pytest.param(single_choice(ABC, ["A"]), id="single"),
        pytest.param(approval(ABC, [["A", "B"]]), id="approval"),
        pytest.param(score(ABC, [{"A": 1, "B": 2}, {"A": 2}], 0, 5), id="score"),
        pytest.param(dot_vote(ABC, DOTS, 10), id="dots"),
        pytest.param(instant_runoff(TENNESSEE, TENNESSEE_BALLOTS), id="irv"),
        pytest.param(single_transferable_vote(FOOD, FOOD_BALLOTS, 3), id="stv"),
    ],
)
def test_results_are_json(result) -> None:
    data = json.loads(json.dumps(result.as_dict()))
    assert data["method"] in {"single_choice", "approval", "score", "dot_vote",
                              "instant_runoff", "single_transferable_vote"}


def test_fractions_are_written_as_exact_strings() -> None:
    assert score(ABC, [{"A": 1}, {"A": 2}, {"A": 2}], 0, 5).as_dict()["averages"]["A"] == "5/3"
    assert dot_vote(ABC, DOTS, 10).as_dict()["shares"]["B"] == "1/4"
    stv = single_transferable_vote(FOOD, FOOD_BALLOTS, 3).as_dict()
    assert stv["rounds"][0]["transfer_value"] == "1/2"
    assert stv["rounds"][1]["tallies"]["Strawberries"] == "5"
