"""The README stays true: the test command is the one CI runs, and every setting and every
command of the code is documented."""

from __future__ import annotations

import argparse
import re
from dataclasses import fields
from pathlib import Path

import pytest

from server import cli
from server.config import SETTINGS, Config

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CI_RUN = (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def _ci_test_command() -> str:
    match = re.search(r'^TEST_COMMAND="([^"]+)"$', CI_RUN, re.MULTILINE)
    assert match, ".ci/run must set TEST_COMMAND=\"...\""
    return match.group(1)


def _config_table_rows() -> dict[str, list[str]]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells
    return rows


def test_readme_gives_the_test_command_that_ci_runs() -> None:
    quick_start = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.*?)```", quick_start, re.DOTALL)
    assert _ci_test_command() in [c.strip() for c in commands]


def test_ci_treats_no_tests_collected_as_a_failure() -> None:
    assert CI_RUN.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in CI_RUN
    assert '"$status" -eq 5' in CI_RUN


@pytest.mark.parametrize("name", [f.name for f in fields(Config)])
def test_every_setting_is_in_the_configuration_table(name: str) -> None:
    rows = _config_table_rows()
    assert name in rows, f"README's configuration table lacks {name}"
    assert rows[name][1] == f"`{SETTINGS[name][0]}`"


def test_configuration_table_has_no_settings_that_do_not_exist() -> None:
    assert set(_config_table_rows()) == {f.name for f in fields(Config)}


def _cli_commands() -> list[str]:
    parser = cli._parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return list(sub.choices)


@pytest.mark.parametrize("command", _cli_commands())
def test_every_cli_command_is_documented(command: str) -> None:
    section = README.split("## Command line", 1)[1].split("\n## ", 1)[0]
    assert f"`commonhold {command}" in section
