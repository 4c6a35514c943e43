"""The tables that tie federation together stay complete: handlers, pending types, job
kinds, and the inbox policy table in the code, the README and the tests."""

from __future__ import annotations

import re
from pathlib import Path

from server.federation.activitypub import inbox, inbox_routes
from server.federation.activitypub.parse import _PARSERS
from server.jobs.registry import job_handlers

ROOT = Path(__file__).resolve().parents[2]


def test_every_parsed_type_is_handled_or_listed_as_pending() -> None:
    assert set(inbox.HANDLERS) == {"Accept", "Announce", "Block", "Create", "Delete", "Flag",
                                   "Follow", "Like", "Move", "QuoteRequest", "Reject", "Undo",
                                   "Update"}
    assert set(inbox.PENDING) == set()
    assert not set(inbox.HANDLERS) & set(inbox.PENDING)
    assert set(inbox.HANDLERS) | set(inbox.PENDING) == set(_PARSERS)


def test_every_handler_has_its_own_test_module() -> None:
    for kind in inbox.HANDLERS:
        assert (ROOT / "tests" / "federation" / "inbox" / f"test_{kind.lower()}.py").exists(), kind


def test_federation_jobs_are_registered() -> None:
    handlers = job_handlers()
    assert "federation.process_inbox_item" in handlers
    assert "federation.fetch_actor_counts" in handlers
    assert "federation.fetch_parent" in handlers


def _policy_rows(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if re.match(r"\s*\| \d+ +\|", line)]


def test_the_inbox_policy_table_is_in_the_readme_and_every_row_has_a_test() -> None:
    rows = _policy_rows(inbox_routes.__doc__ or "")
    assert len(rows) == 15
    readme = (ROOT / "README.md").read_text()
    assert _policy_rows(readme) == rows
    tests = (ROOT / "tests" / "federation" / "test_inbox_policy.py").read_text()
    for number in range(1, len(rows) + 1):
        assert f"def test_row{number}_" in tests, f"row {number} has no test"
