"""Small helpers shared by the poll counting modules (`polls`, `ranked`, `stv`).

Kept apart so that `polls` can re-export the ranked methods without import cycles.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from fractions import Fraction

from server.errors import ValidationError


def check_options(options: Sequence[str]) -> tuple[str, ...]:
    """Return the options as a tuple, refusing an empty list, non-strings and repeats.

    The order given here is the display order and also the last-resort tie-break, so it
    must be stable: callers pass the poll's options in the order they were created.
    """
    if isinstance(options, str) or not isinstance(options, Sequence):
        raise ValidationError("Poll options must be a list of option names.")
    if not options:
        raise ValidationError("A poll needs at least one option.")
    seen: set[str] = set()
    for option in options:
        if not isinstance(option, str) or not option:
            raise ValidationError("Every poll option must be a non-empty name.")
        if option in seen:
            raise ValidationError(f"The option {option!r} is listed twice.", option=option)
        seen.add(option)
    return tuple(options)


def check_known(option: object, known: Collection[str]) -> str:
    """Refuse a ballot that names an option the poll does not have."""
    if not isinstance(option, str) or option not in known:
        raise ValidationError(f"{option!r} is not one of this poll's options.", option=str(option))
    return option


def check_int(value: object, what: str) -> int:
    """Accept a real integer only: bools and floats are almost always a client bug."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{what} must be a whole number.")
    return value


def check_count(value: object, what: str, *, minimum: int) -> int:
    number = check_int(value, what)
    if number < minimum:
        raise ValidationError(f"{what} must be at least {minimum}.")
    return number


def fraction_str(value: Fraction | None) -> str | None:
    """Exact JSON form of a fraction: "2/3", "5" or None. `Fraction(s)` reads it back."""
    return None if value is None else str(value)


def leaders(totals: Mapping[str, int | Fraction], options: Sequence[str]) -> tuple[str, ...]:
    """Every option sharing the highest total, in option order (ties are all winners).

    Only options present in `totals` compete, so callers drop options nobody chose.
    """
    if not totals:
        return ()
    best = max(totals.values())
    return tuple(option for option in options if option in totals and totals[option] == best)
