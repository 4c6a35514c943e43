"""Turning the fields of the HTML forms into motions and ballots (pure functions).

The pages ask for each kind's fields one by one, so members never write JSON; what comes
out goes through exactly the same validation as the API's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.errors import ValidationError


def _field(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _number(form: Mapping[str, Any], name: str) -> int | str:
    text = _field(form, name)
    return int(text) if text.lstrip("-").isdigit() else text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def motion_from_form(kind: str, form: Mapping[str, Any]) -> dict[str, Any]:
    f = form
    if kind == "charter_amendment":
        return {"text": f.get("text", ""), "base_version": _number(f, "base_version"),
                "summary": _field(f, "summary")}
    if kind == "moderation_rule":
        rule = {"type": "content", "match": _field(f, "match"), "pattern": _field(f, "pattern"),
                "action": _field(f, "action")}
        return {"clause": _field(f, "clause"), "rule": rule,
                "description": _field(f, "description")}
    if kind == "domain_policy":
        return {k: _field(f, k) for k in ("domain", "policy", "reason", "clause")}
    if kind == "budget":
        return {"amount": _number(f, "amount"), "currency": _field(f, "currency"),
                "purpose": _field(f, "purpose")}
    if kind == "appointment":
        return {k: _field(f, k) for k in ("account", "role", "action")}
    if kind == "membership":
        return {k: _field(f, k) for k in ("action", "account", "clause", "reason")}
    if kind == "poll":
        return _poll_motion(f)
    return {}


def _poll_motion(f: Mapping[str, Any]) -> dict[str, Any]:
    method = _field(f, "method")
    motion: dict[str, Any] = {"method": method, "options": _lines(str(f.get("options", "")))}
    extra = {"stv": ("seats",), "score": ("min_score", "max_score"),
             "dot_vote": ("dots_per_voter",)}.get(method, ())
    for name in extra:
        if _field(f, name):
            motion[name] = _number(f, name)
    if method == "dot_vote" and _field(f, "fund_amount"):
        motion["fund"] = {"amount": _number(f, "fund_amount"),
                          "currency": _field(f, "fund_currency")}
    return motion


def _counts(form: Mapping[str, Any], prefix: str, options: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, option in enumerate(options):
        text = _field(form, f"{prefix}_{i}")
        if not text:
            continue
        if not text.lstrip("-").isdigit():
            raise ValidationError(f"Enter a whole number for {option!r}.", field=prefix)
        out[option] = int(text)
    return out


def choice_from_form(motion: Mapping[str, Any] | None, form: Mapping[str, Any]) -> Any:
    """A proposal's stance, or a poll ballot built from its per-option fields."""
    if not motion or "method" not in motion:
        return _field(form, "choice")
    method, options = motion["method"], list(motion["options"])
    if method == "single_choice":
        return _field(form, "choice")
    if method == "approval":
        chosen = form.get("choice", [])
        return [chosen] if isinstance(chosen, str) else list(chosen)
    if method in ("ranked_choice", "stv"):
        ranks = _counts(form, "rank", options)
        return sorted(ranks, key=lambda option: (ranks[option], options.index(option)))
    return _counts(form, "score" if method == "score" else "dots", options)
