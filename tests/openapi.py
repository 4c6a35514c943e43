"""Checking what we serve against the Mastodon OpenAPI description kept in shared/specs.

`validate(instance, "Account")` checks a JSON value against `#/components/schemas/Account`,
following every $ref inside the description, with format checks where jsonschema has them.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_BASE = "urn:mastodon-openapi"


def spec_path() -> Path:
    """shared/ sits beside the repository (the developers' worktrees and CI alike)."""
    override = os.environ.get("COMMONHOLD_SHARED_DIR")
    root = Path(override) if override else Path(__file__).resolve().parents[2] / "shared"
    return root / "specs" / "mastodon-openapi.json"


@functools.cache
def spec() -> dict[str, Any]:
    path = spec_path()
    if not path.exists():
        pytest.skip(f"the Mastodon OpenAPI description is not at {path}")
    return _corrected(json.loads(path.read_text(encoding="utf-8")))


def _corrected(doc: dict[str, Any]) -> dict[str, Any]:
    """The description as Mastodon answers it, where it cannot be met as written: a Status's
    `quote` is `oneOf` Quote, ShallowQuote or null, but the two Quote shapes require only
    `state` and allow any other key, so every quote Mastodon sends matches both and fails
    `oneOf`. Read as `anyOf`, each shape's own keys are still checked."""
    quote = doc["components"]["schemas"].get("Status", {}).get("properties", {}).get("quote")
    if quote is not None and "oneOf" in quote:
        quote["anyOf"] = quote.pop("oneOf")
    return doc


@functools.cache
def _registry() -> Registry:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    return Registry().with_resource(uri=_BASE, resource=resource)


@functools.cache
def validator(name: str) -> Draft202012Validator:
    if name not in spec()["components"]["schemas"]:
        raise KeyError(f"no schema called {name!r} in the OpenAPI description")
    return Draft202012Validator({"$ref": f"{_BASE}#/components/schemas/{name}"},
                                registry=_registry(), format_checker=FormatChecker())


def validate(instance: Any, name: str) -> None:
    """Fail the test with every problem found, each with its JSON path."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                 for e in errors[:20]]
        pytest.fail(f"response does not match the OpenAPI schema {name}:\n" + "\n".join(lines))


def validate_list(items: list[Any], name: str) -> None:
    assert isinstance(items, list)
    for item in items:
        validate(item, name)
