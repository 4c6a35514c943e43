"""What each kind of proposal does if it passes, as validated data (pure functions).

    general            {}                                    nothing happens by itself
    charter_amendment  {"text", "base_version", "summary"?}  the whole new charter text
    moderation_rule    {"action": "adopt", "clause", "rule", "description"?}
                       {"action": "repeal", "rule_id", "clause"}
    domain_policy      {"domain", "policy", "reason", "clause"}   policy "lift" ends one
    budget             {"amount" (minor units), "currency", "purpose"}
    appointment        {"account", "role", "action": "grant" | "revoke"}
    admission          {"application_id"}
    membership         {"action": "suspend" | "reinstate" | "expel", "account", "clause",
                        "reason"}
    jury_decision      {"draw_id"}                           the jury that decides it
    poll               {"method", "options", + "seats" | "min_score"/"max_score" |
                        "dots_per_voter"/"fund"}

A charter amendment states the whole new text rather than clause-level edits: members
then vote on exactly the document that will be in force, its parameter block included,
and the diff page shows the change. Every validator refuses unknown keys, so a typo in a
motion is an error rather than an effect that silently does not happen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from server.errors import ValidationError
from server.governance.charter.parameters import ALL_KINDS

POLICIES = ("suspend", "limit", "reject_media", "reject_reports", "lift")
RULE_ACTIONS = ("reject", "hold", "content_warning", "unlisted")
POLL_METHODS = ("single_choice", "approval", "ranked_choice", "stv", "score", "dot_vote")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class MotionContext:
    """What a motion is checked against: the charter in force."""

    charter_version: int
    charter_text: str
    clause_ids: frozenset[str]
    roles: tuple[str, ...]


def _bad(message: str) -> ValidationError:
    return ValidationError(message, field="motion")


def _keys(motion: Mapping[str, Any], kind: str, required: Collection[str],
          optional: Collection[str] = ()) -> None:
    unknown = sorted(set(motion) - set(required) - set(optional))
    if unknown:
        raise _bad(f"A {kind} motion has no field {unknown[0]!r}.")
    missing = [k for k in required if k not in motion]
    if missing:
        raise _bad(f"A {kind} motion needs {missing[0]!r}.")


def _text(value: Any, name: str, *, limit: int = 1000) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"{name} must be non-empty text.")
    if len(value) > limit:
        raise _bad(f"{name} must be at most {limit} characters.")
    return value.strip()


def _int(value: Any, name: str, *, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(f"{name} must be a whole number from {low} to {high}.")
    return value


def _clause(value: Any, ctx: MotionContext) -> str:
    if value not in ctx.clause_ids:
        raise _bad(f"The motion must cite a clause of the charter in force; {value!r} is not one.")
    return str(value)


def _general(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    if m:
        raise _bad("A general proposal carries no motion; put what you propose in its text.")
    return {}


def _charter_amendment(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    from server.governance.charter.service import parse_charter  # pure; avoids an import cycle

    _keys(m, "charter_amendment", ("text",), ("base_version", "summary"))
    base = _int(m.get("base_version", ctx.charter_version), "base_version", low=1, high=10**6)
    if base != ctx.charter_version:
        raise _bad(f"The amendment was written against version {base}, but version "
                   f"{ctx.charter_version} is in force.")
    parsed = parse_charter(m["text"])
    if parsed.text.strip() == ctx.charter_text.strip():
        raise _bad("The amended text is the same as the charter in force.")
    summary = _text(m["summary"], "summary") if m.get("summary") else ""
    return {"text": parsed.text, "base_version": base, "summary": summary}


def _rule(rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise _bad("rule must be an object.")
    if rule.get("type") == "content":
        _keys(rule, "content rule", ("type", "match", "pattern", "action"), ("warning",))
        if rule["match"] not in ("keyword", "regex"):
            raise _bad("A content rule matches by 'keyword' or 'regex'.")
        pattern = _text(rule["pattern"], "pattern", limit=500)
        if rule["match"] == "regex":
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _bad(f"The pattern is not a valid regular expression: {exc}.") from None
        if rule["action"] not in RULE_ACTIONS:
            raise _bad(f"A content rule's action must be one of: {', '.join(RULE_ACTIONS)}.")
        out = {"type": "content", "match": rule["match"], "pattern": pattern,
               "action": rule["action"]}
        if rule.get("warning"):
            out["warning"] = _text(rule["warning"], "warning", limit=200)
        return out
    if rule.get("type") == "account":
        _keys(rule, "account rule", ("type", "new_account_days", "max_posts_per_day"))
        return {"type": "account",
                "new_account_days": _int(rule["new_account_days"], "new_account_days",
                                         low=1, high=365),
                "max_posts_per_day": _int(rule["max_posts_per_day"], "max_posts_per_day",
                                          low=0, high=10_000)}
    raise _bad("A rule's type must be 'content' or 'account'.")


def _moderation_rule(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    if m.get("action", "adopt") == "repeal":
        _keys(m, "moderation_rule", ("action", "rule_id", "clause"))
        return {"action": "repeal", "rule_id": str(_int(m["rule_id"], "rule_id", low=1,
                                                        high=2**63 - 1)),
                "clause": _clause(m["clause"], ctx)}
    _keys(m, "moderation_rule", ("clause", "rule"), ("action", "description"))
    if m.get("action", "adopt") != "adopt":
        raise _bad("A moderation_rule motion's action is 'adopt' or 'repeal'.")
    description = _text(m["description"], "description") if m.get("description") else ""
    return {"action": "adopt", "clause": _clause(m["clause"], ctx), "rule": _rule(m["rule"]),
            "description": description}


def _domain_policy(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    _keys(m, "domain_policy", ("domain", "policy", "reason", "clause"))
    domain = str(m["domain"]).strip().lower().rstrip(".") if isinstance(m["domain"], str) else ""
    if not _DOMAIN.match(domain):
        raise _bad(f"{m['domain']!r} is not a domain name.")
    if m["policy"] not in POLICIES:
        raise _bad(f"policy must be one of: {', '.join(POLICIES)}.")
    return {"domain": domain, "policy": m["policy"], "reason": _text(m["reason"], "reason"),
            "clause": _clause(m["clause"], ctx)}


def _budget(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    _keys(m, "budget", ("amount", "currency", "purpose"))
    currency = m["currency"].strip().upper() if isinstance(m["currency"], str) else ""
    if not _CURRENCY.match(currency):
        raise _bad("currency must be a three-letter code such as EUR.")
    return {"amount": _int(m["amount"], "amount (in minor units, e.g. cents)", low=1,
                           high=10**12),
            "currency": currency, "purpose": _text(m["purpose"], "purpose")}


def _appointment(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    # account_id is filled in by the service once the account is found; re-validation at
    # opening time sees it again.
    _keys(m, "appointment", ("account", "role", "action"), ("account_id",))
    if m["role"] not in ctx.roles:
        raise _bad(f"role must be one of the charter's roles: {', '.join(ctx.roles)}.")
    if m["action"] not in ("grant", "revoke"):
        raise _bad("action must be 'grant' or 'revoke'.")
    return {"account": _text(m["account"], "account", limit=100).lstrip("@"),
            "role": m["role"], "action": m["action"]}


def _admission(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    _keys(m, "admission", ("application_id",))
    return {"application_id": str(_int(m["application_id"], "application_id", low=1,
                                       high=2**63 - 1))}


MEMBERSHIP_ACTIONS = ("suspend", "reinstate", "expel")


def _membership(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    # account_id is filled in by the service once the member is found, as for appointments.
    _keys(m, "membership", ("action", "account", "clause", "reason"), ("account_id",))
    if m["action"] not in MEMBERSHIP_ACTIONS:
        raise _bad(f"action must be one of: {', '.join(MEMBERSHIP_ACTIONS)}.")
    return {"action": m["action"], "account": _text(m["account"], "account",
                                                     limit=100).lstrip("@"),
            "clause": _clause(m["clause"], ctx), "reason": _text(m["reason"], "reason")}


def _jury_decision(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    _keys(m, "jury_decision", ("draw_id",))
    return {"draw_id": str(_int(m["draw_id"], "draw_id", low=1, high=2**63 - 1))}


def _options(value: Any) -> list[str]:
    if not isinstance(value, list) or not 2 <= len(value) <= 20:
        raise _bad("A poll needs a list of 2 to 20 options.")
    options = [_text(v, "each option", limit=200) for v in value]
    if len(set(options)) != len(options):
        raise _bad("Every poll option must be different.")
    return options


def _poll(m: Mapping[str, Any], ctx: MotionContext) -> dict[str, Any]:
    method = m.get("method")
    extra = {"stv": ("seats",), "score": ("min_score", "max_score"),
             "dot_vote": ("dots_per_voter", "fund")}.get(str(method), ())
    _keys(m, "poll", ("method", "options"), extra)
    if method not in POLL_METHODS:
        raise _bad(f"method must be one of: {', '.join(POLL_METHODS)}.")
    out: dict[str, Any] = {"method": method, "options": _options(m["options"])}
    if method == "stv":
        out["seats"] = _int(m.get("seats", 2), "seats", low=1, high=len(out["options"]) - 1)
    elif method == "score":
        out["min_score"] = _int(m.get("min_score", 0), "min_score", low=-100, high=100)
        out["max_score"] = _int(m.get("max_score", 5), "max_score", low=out["min_score"] + 1,
                                high=100)
    elif method == "dot_vote":
        out["dots_per_voter"] = _int(m.get("dots_per_voter", 10), "dots_per_voter", low=1,
                                     high=1000)
        if m.get("fund"):
            fund = m["fund"]
            if not isinstance(fund, Mapping):
                raise _bad("fund must be an object with amount and currency.")
            out["fund"] = {k: v for k, v in _budget({**fund, "purpose": "fund"}, ctx).items()
                           if k != "purpose"}
    return out


VALIDATORS: Mapping[str, Callable[[Mapping[str, Any], MotionContext], dict[str, Any]]] = {
    "general": _general,
    "charter_amendment": _charter_amendment,
    "moderation_rule": _moderation_rule,
    "domain_policy": _domain_policy,
    "budget": _budget,
    "appointment": _appointment,
    "admission": _admission,
    "membership": _membership,
    "jury_decision": _jury_decision,
    "poll": _poll,
}
assert set(VALIDATORS) == set(ALL_KINDS)


def validate_motion(kind: str, motion: Any, ctx: MotionContext) -> dict[str, Any]:
    """The motion in its stored form, or a ValidationError saying what is wrong."""
    if kind not in VALIDATORS:
        raise ValidationError(f"Unknown proposal kind {kind!r}; expected one of: "
                              f"{', '.join(ALL_KINDS)}.", field="kind")
    if motion is None or motion == "":
        motion = {}
    if not isinstance(motion, Mapping):
        raise _bad("The motion must be a JSON object.")
    return VALIDATORS[kind](motion, ctx)
