"""The `commonhold` command line: options are accepted where people put them."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import cli

COMMANDS = [
    ["serve"], ["web"], ["worker"], ["migrate"], ["check"],
    ["create-user", "ada", "--email", "ada@example.org"],
    ["set-password", "ada"], ["approve", "ada"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
def test_common_options_work_before_and_after_every_command(command: list[str]) -> None:
    parse = cli._parser().parse_args
    before = parse(["--data-dir", "/d1", "--config", "/c.toml", "-v", *command])
    after = parse([*command, "--data-dir", "/d1", "--config", "/c.toml", "-v"])
    neither = parse(command)
    for args in (before, after):
        assert (args.data_dir, args.config, args.verbose) == (Path("/d1"), Path("/c.toml"), True)
    assert (neither.data_dir, neither.config, neither.verbose) == (None, None, False)


def test_option_after_the_command_wins_over_the_one_before() -> None:
    args = cli._parser().parse_args(["--data-dir", "/outer", "check", "--data-dir", "/inner"])
    assert args.data_dir == Path("/inner")


def test_check_uses_the_data_dir_given_after_the_command(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("DATABASE_URL", "COMMONHOLD_DATA_DIR", "COMMONHOLD_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    assert cli.main(["check", "--data-dir", str(tmp_path / "elsewhere")]) == 0
    out = capsys.readouterr().out
    assert f"data_dir = {tmp_path / 'elsewhere'}" in out.splitlines()
