"""Checking one ballot, keying it, and counting all of them (pure functions).

Secret ballots
--------------
A secret ballot is stored under `secret_ballot_key(secret, account_id)`, an HMAC of the
voter's account id under a random secret kept for that proposal only while it is open.
While voting runs, the server can find a member's ballot again, so members can change
their vote until close (as Loomio allows for anonymous polls) and a member can never have
two ballots (one key per member). At close the secret is deleted in the same transaction
as the tally; from then on the key cannot be linked to anyone, and ballots cannot change
(the database refuses ballot changes once a proposal is not open). Who voted is kept
apart, in the electorate table, and ballots carry no time that could be matched to it.

What this does not protect against: someone with access to the database while the
proposal is open can recompute the keys of all members; and a deleted row lingers on
disk until PostgreSQL reuses the space. That is the price of allowing a changed vote;
stronger secrecy would need client-side cryptography.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

from server.errors import ValidationError
from server.governance.charter.parameters import POLL_KIND, kind_parameters
from server.governance.proposals import polls, tally
from server.governance.proposals.ranked import check_ranking


def secret_ballot_key(secret: bytes, account_id: int) -> str:
    return hmac.new(secret, str(account_id).encode(), hashlib.sha256).hexdigest()


def open_ballot_key(account_id: int) -> str:
    return f"account:{account_id}"


def check_stance(choice: Any, reason: str, *, reasons_required: bool) -> str:
    tally.validate_ballot(choice, reason)
    if reasons_required and not reason.strip():
        raise ValidationError("The charter asks every vote on this kind of proposal to give "
                              "its reason.", field="reason")
    return str(choice)


def check_poll_choice(motion: Mapping[str, Any], choice: Any) -> Any:
    """Run the poll's own counting on this one ballot: it refuses what it cannot count."""
    method, options = motion["method"], motion["options"]
    if method == "single_choice":
        polls.single_choice(options, [choice])
    elif method == "approval":
        polls.approval(options, [choice])
    elif method in ("ranked_choice", "stv"):
        choice = list(check_ranking(choice, options))
    elif method == "score":
        polls.score(options, [choice], motion["min_score"], motion["max_score"])
    elif method == "dot_vote":
        polls.dot_vote(options, [choice], motion["dots_per_voter"])
    return choice


def count(*, kind: str, motion: Mapping[str, Any], rules: Mapping[str, Any],
          ballots: Sequence[tuple[str, Any, str]], eligible: int) -> dict[str, Any]:
    """The tally of (ballot_key, choice, reason) rows, as stored with the proposal."""
    if kind == POLL_KIND:
        return count_poll(motion, [choice for _, choice, _ in ballots], eligible=eligible)
    decision_rules = kind_parameters(kind, rules).rules
    assert decision_rules is not None
    result = tally.tally_proposal(
        [tally.Ballot(key, choice, reason) for key, choice, reason in ballots],
        eligible=eligible, rules=decision_rules)
    return result.as_dict()


def count_poll(motion: Mapping[str, Any], choices: Sequence[Any], *,
               eligible: int) -> dict[str, Any]:
    method, options = motion["method"], motion["options"]
    if method == "single_choice":
        result: Any = polls.single_choice(options, choices)
    elif method == "approval":
        result = polls.approval(options, choices)
    elif method == "ranked_choice":
        result = polls.instant_runoff(options, choices)
    elif method == "stv":
        result = polls.single_transferable_vote(options, choices, motion["seats"])
    elif method == "score":
        result = polls.score(options, choices, motion["min_score"], motion["max_score"])
    else:
        result = polls.dot_vote(options, choices, motion["dots_per_voter"])
    out = {**result.as_dict(), "cast": len(choices), "eligible": eligible}
    fund = motion.get("fund")
    if fund and method == "dot_vote" and result.total_dots:
        out["allocation"] = {"currency": fund["currency"],
                             "amounts": polls.allocate_fund(fund["amount"], result)}
    return out
