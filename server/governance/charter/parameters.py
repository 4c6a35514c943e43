"""The charter's machine-readable parameters, validated strictly.

The parameter block (see `document.py`) is a TOML document with these tables, each tied
to the clause that states the rule in words by its `clause` key:

    [membership]           registrations, admission_mode, admitting_role, classes, default_class
    [roles]                governance_roles (roles besides admin and moderator)
    [proposals.<kind>]     one table per proposal kind: voting_period_days, the decision rules
                           of `tally.DecisionRules`, reasons_required,
                           results_hidden_until_close, secret_ballot
    [appeals]              window_days, decision_days, jury_size, strata.<class> = {min, max}
    [juries]               jury_size, strata.<class> = {min, max}, term_days, organiser_role:
                           juries drawn for any purpose other than an appeal, the term of
                           every jury, and who may announce a draw or hold it early
    [emergency]            expiry_days

Unknown keys, missing keys and clause ids that the text does not contain are all refused:
a charter that says something the server would silently ignore is a charter mistake.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from server.errors import ValidationError
from server.governance.juries.sortition import DrawParams, params_from_dict
from server.governance.proposals.tally import DecisionRules

PROPOSAL_KINDS = ("general", "charter_amendment", "moderation_rule", "domain_policy",
                  "budget", "appointment", "admission", "membership", "jury_decision")
POLL_KIND = "poll"
ALL_KINDS = (*PROPOSAL_KINDS, POLL_KIND)
INSTANCE_ROLES = ("admin", "moderator")
REGISTRATION_MODES = ("open", "approval", "closed")
ADMISSION_MODES = ("automatic", "role", "proposal")

_RULE_KEYS = frozenset({"quorum", "threshold", "threshold_inclusive", "block_policy",
                        "block_override", "abstain_counts_for_quorum"})
_KIND_KEYS = frozenset({"clause", "voting_period_days", "reasons_required",
                        "results_hidden_until_close", "secret_ballot"})
_TABLE_KEYS = {
    "membership": {"clause", "registrations", "admission_mode", "admitting_role", "classes",
                   "default_class"},
    "roles": {"clause", "governance_roles"},
    "appeals": {"clause", "window_days", "decision_days", "jury_size", "strata"},
    "juries": {"clause", "jury_size", "strata", "term_days", "organiser_role"},
    "emergency": {"clause", "expiry_days"},
}


def _bad(where: str, problem: str) -> ValidationError:
    return ValidationError(f"Charter parameters, {where}: {problem}")


def _table(data: Mapping[str, Any], name: str, allowed: Collection[str], *,
           where: str | None = None) -> Mapping[str, Any]:
    where = where or f"[{name}]"
    table = data.get(name)
    if not isinstance(table, Mapping):
        raise _bad(where, "this table is missing.")
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise _bad(where, f"unknown key {unknown[0]!r}.")
    missing = sorted(set(allowed) - set(table))
    if missing:
        raise _bad(where, f"{missing[0]!r} is missing.")
    return table


def _clause(table: Mapping[str, Any], where: str, clause_ids: Collection[str]) -> str:
    clause = table["clause"]
    if clause not in clause_ids:
        raise _bad(where, f"clause {clause!r} is not a clause of this charter.")
    return str(clause)


def _int(value: Any, where: str, key: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(where, f"{key} must be a whole number from {low} to {high}.")
    return value


def _bool(value: Any, where: str, key: str) -> bool:
    if not isinstance(value, bool):
        raise _bad(where, f"{key} must be true or false.")
    return value


def _choice(value: Any, where: str, key: str, allowed: Collection[str]) -> str:
    if value not in allowed:
        raise _bad(where, f"{key} must be one of: {', '.join(allowed)}.")
    return str(value)


def _names(value: Any, where: str, key: str) -> tuple[str, ...]:
    if (not isinstance(value, list) or not all(isinstance(v, str) and v.isidentifier()
                                               for v in value) or len(set(value)) != len(value)):
        raise _bad(where, f"{key} must be a list of distinct names (letters, digits, _).")
    return tuple(value)


@dataclass(frozen=True)
class KindParameters:
    kind: str
    clause: str
    voting_period: timedelta
    rules: DecisionRules | None     # None for polls, which have no pass/fail
    reasons_required: bool
    results_hidden: bool
    secret_ballot: bool
    raw: Mapping[str, Any]          # the table as written; copied into a proposal at open


@dataclass(frozen=True)
class Membership:
    clause: str
    registrations: str
    admission_mode: str
    admitting_role: str
    classes: tuple[str, ...]
    default_class: str


@dataclass(frozen=True)
class Appeals:
    clause: str
    window: timedelta
    decision_period: timedelta
    jury: DrawParams


@dataclass(frozen=True)
class Juries:
    clause: str
    jury: DrawParams
    term: timedelta
    organiser_role: str


@dataclass(frozen=True)
class CharterParameters:
    membership: Membership
    roles_clause: str
    governance_roles: tuple[str, ...]
    kinds: Mapping[str, KindParameters]
    appeals: Appeals
    juries: Juries
    emergency_clause: str
    emergency_expiry: timedelta

    def jury_for(self, purpose: str) -> DrawParams:
        """Size and quotas for a draw: the appeal jury's for appeals, the general one else."""
        return self.appeals.jury if purpose == "appeal" else self.juries.jury

    def parameters_for(self, kind: str) -> KindParameters:
        try:
            return self.kinds[kind]
        except KeyError:
            raise ValidationError(f"Unknown proposal kind {kind!r}.", field="kind") from None

    @property
    def all_roles(self) -> tuple[str, ...]:
        return (*INSTANCE_ROLES, *self.governance_roles)


def kind_parameters(kind: str, table: Mapping[str, Any], *,
                    clause_ids: Collection[str] | None = None) -> KindParameters:
    """One `[proposals.<kind>]` table; also re-reads the copy stored with a proposal."""
    where = f"[proposals.{kind}]"
    allowed = _KIND_KEYS if kind == POLL_KIND else _KIND_KEYS | _RULE_KEYS
    if not isinstance(table, Mapping):
        raise _bad(where, "this table is missing.")
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise _bad(where, f"unknown key {unknown[0]!r}.")
    missing = sorted(_KIND_KEYS - set(table))
    if missing:
        raise _bad(where, f"{missing[0]!r} is missing.")
    clause = str(table["clause"]) if clause_ids is None else _clause(table, where, clause_ids)
    rules = None
    if kind != POLL_KIND:
        try:
            rules = DecisionRules.from_params({k: v for k, v in table.items() if k in _RULE_KEYS})
        except ValidationError as exc:
            raise _bad(where, exc.message) from None
    days = _int(table["voting_period_days"], where, "voting_period_days", low=1, high=90)
    return KindParameters(
        kind=kind, clause=clause, voting_period=timedelta(days=days), rules=rules,
        reasons_required=_bool(table["reasons_required"], where, "reasons_required"),
        results_hidden=_bool(table["results_hidden_until_close"], where,
                             "results_hidden_until_close"),
        secret_ballot=_bool(table["secret_ballot"], where, "secret_ballot"),
        raw=MappingProxyType(dict(table)))


def _membership(data: Mapping[str, Any], clause_ids: Collection[str]) -> Membership:
    t = _table(data, "membership", _TABLE_KEYS["membership"])
    where = "[membership]"
    classes = _names(t["classes"], where, "classes")
    if not classes:
        raise _bad(where, "classes must name at least one member class.")
    if t["default_class"] not in classes:
        raise _bad(where, "default_class must be one of the classes.")
    if not isinstance(t["admitting_role"], str) or not t["admitting_role"]:
        raise _bad(where, "admitting_role must name a role.")
    return Membership(_clause(t, where, clause_ids),
                      _choice(t["registrations"], where, "registrations", REGISTRATION_MODES),
                      _choice(t["admission_mode"], where, "admission_mode", ADMISSION_MODES),
                      t["admitting_role"], classes, t["default_class"])


def _jury(t: Mapping[str, Any], where: str, classes: tuple[str, ...]) -> DrawParams:
    strata = t["strata"]
    # Every juror belongs to a class, so quotas must cover all classes or none.
    if not isinstance(strata, Mapping) or (strata and set(strata) != set(classes)):
        raise _bad(where, "strata must be empty or give a quota for every member class.")
    try:
        return params_from_dict({"size": t["jury_size"], "strata": dict(strata) or None})
    except (ValidationError, TypeError) as exc:
        raise _bad(where, getattr(exc, "message", str(exc))) from None


def _appeals(data: Mapping[str, Any], clause_ids: Collection[str],
             classes: tuple[str, ...]) -> Appeals:
    t = _table(data, "appeals", _TABLE_KEYS["appeals"])
    where = "[appeals]"
    jury = _jury(t, where, classes)
    return Appeals(_clause(t, where, clause_ids),
                   timedelta(days=_int(t["window_days"], where, "window_days", low=1, high=365)),
                   timedelta(days=_int(t["decision_days"], where, "decision_days", low=1,
                                       high=365)), jury)


def _juries(data: Mapping[str, Any], clause_ids: Collection[str], classes: tuple[str, ...],
            roles: tuple[str, ...]) -> Juries:
    t = _table(data, "juries", _TABLE_KEYS["juries"])
    where = "[juries]"
    if t["organiser_role"] not in roles:
        raise _bad(where, "organiser_role must be admin, moderator or a governance role.")
    return Juries(_clause(t, where, clause_ids), _jury(t, where, classes),
                  timedelta(days=_int(t["term_days"], where, "term_days", low=1, high=730)),
                  str(t["organiser_role"]))


def parse_parameters(data: Mapping[str, Any], clause_ids: Collection[str]) -> CharterParameters:
    """Validate a parameter block against the clause ids of the text it came with."""
    if not isinstance(data, Mapping):
        raise _bad("the block", "it must be a TOML table.")
    unknown = sorted(set(data) - {*_TABLE_KEYS, "proposals"})
    if unknown:
        raise _bad("the block", f"unknown table [{unknown[0]}].")
    membership = _membership(data, clause_ids)
    roles = _table(data, "roles", _TABLE_KEYS["roles"])
    governance_roles = _names(roles["governance_roles"], "[roles]", "governance_roles")
    if set(governance_roles) & set(INSTANCE_ROLES):
        raise _bad("[roles]", "admin and moderator are instance roles; list only the others.")
    if membership.admitting_role not in (*INSTANCE_ROLES, *governance_roles):
        raise _bad("[membership]", "admitting_role must be admin, moderator or a governance role.")
    proposals = data.get("proposals")
    if not isinstance(proposals, Mapping):
        raise _bad("[proposals]", "this table is missing.")
    unknown = sorted(set(proposals) - set(ALL_KINDS))
    if unknown:
        raise _bad("[proposals]", f"unknown proposal kind {unknown[0]!r}.")
    kinds = {kind: kind_parameters(kind, proposals.get(kind), clause_ids=clause_ids)
             for kind in ALL_KINDS}
    emergency = _table(data, "emergency", _TABLE_KEYS["emergency"])
    return CharterParameters(
        membership=membership, roles_clause=_clause(roles, "[roles]", clause_ids),
        governance_roles=governance_roles, kinds=MappingProxyType(kinds),
        appeals=_appeals(data, clause_ids, membership.classes),
        juries=_juries(data, clause_ids, membership.classes,
                       (*INSTANCE_ROLES, *governance_roles)),
        emergency_clause=_clause(emergency, "[emergency]", clause_ids),
        emergency_expiry=timedelta(days=_int(emergency["expiry_days"], "[emergency]",
                                             "expiry_days", low=1, high=90)))
