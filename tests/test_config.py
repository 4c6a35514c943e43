"""Configuration: precedence, validation, and one clear line on the CLI for bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.config import ensure_secret_key, load_config
from server.errors import ConfigError


def test_environment_wins_over_toml(tmp_path: Path) -> None:
    toml = tmp_path / "commonhold.toml"
    toml.write_text('domain = "from-file.example"\ninstance_name = "File"\nregistrations = "closed"\n')
    cfg = load_config({"COMMONHOLD_DOMAIN": "from-env.example"}, toml_path=toml)
    assert cfg.domain == "from-env.example"
    assert cfg.instance_name == "File"
    assert cfg.registrations == "closed"
    assert cfg.base_url == "https://from-env.example"


def test_flags_win_over_environment() -> None:
    cfg = load_config({"COMMONHOLD_PORT": "9000", "COMMONHOLD_DOMAIN": "a.example"},
                      overrides={"port": 9100}, discover_toml=False)
    assert cfg.port == 9100


def test_base_url_behind_proxy_comes_from_configuration() -> None:
    cfg = load_config({"COMMONHOLD_DOMAIN": "social.example",
                       "COMMONHOLD_BASE_URL": "https://social.example/"}, discover_toml=False)
    assert cfg.url("/users/ada") == "https://social.example/users/ada"


def test_no_domain_means_a_loopback_development_instance() -> None:
    cfg = load_config({}, discover_toml=False)
    assert cfg.is_development and cfg.allow_http
    assert cfg.base_url == "http://localhost:8080"


@pytest.mark.parametrize(("env", "needle"), [
    ({"COMMONHOLD_ALLOW_HTTP": "maybe"}, "COMMONHOLD_ALLOW_HTTP"),
    ({"COMMONHOLD_REGISTRATIONS": "sometimes"}, "COMMONHOLD_REGISTRATIONS"),
    ({"COMMONHOLD_DOMAIN": "https://x.example/"}, "COMMONHOLD_DOMAIN"),
    ({"COMMONHOLD_DOMAIN": "x.example", "COMMONHOLD_BASE_URL": "http://x.example"}, "COMMONHOLD_ALLOW_HTTP"),
    ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ({"COMMONHOLD_PORT": "eighty"}, "COMMONHOLD_PORT"),
    ({"COMMONHOLD_SECRET_KEY": "short"}, "COMMONHOLD_SECRET_KEY"),
])
def test_bad_values_name_the_setting(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(env, discover_toml=False)
    assert needle in err.value.message
    assert "\n" not in err.value.message


@pytest.mark.parametrize(("text", "needle"), [
    ("domain = \n", "not valid TOML"),
    ('colour = "blue"\n', "unknown setting 'colour'"),
    ("allow_http = 3\n", "allow_http"),
    ("port = \"x\"\n", "port"),
])
def test_malformed_toml_is_one_clear_line(tmp_path: Path, text: str, needle: str) -> None:
    toml = tmp_path / "commonhold.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config({}, toml_path=toml)
    assert needle in err.value.message
    assert str(toml) in err.value.message


def test_secret_key_is_made_once_and_kept(tmp_path: Path) -> None:
    cfg = load_config({"COMMONHOLD_DATA_DIR": str(tmp_path)}, discover_toml=False)
    first = ensure_secret_key(cfg)
    second = ensure_secret_key(cfg)
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def _cli(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "server", *args], capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", **env}, cwd=cwd, timeout=60)


def test_cli_check_prints_config_with_secrets_masked(tmp_path: Path) -> None:
    secret = "s" * 40 + "TAIL"
    result = _cli(["check"], {"COMMONHOLD_SECRET_KEY": secret,
                              "DATABASE_URL": "postgresql://u:hunter2@db.example/ch",
                              "COMMONHOLD_DATA_DIR": str(tmp_path)}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout and "hunter2" not in result.stdout
    assert "TAIL" in result.stdout
    assert "ok" in result.stdout.splitlines()


def test_cli_bad_env_value_is_one_line_and_nonzero(tmp_path: Path) -> None:
    result = _cli(["check"], {"COMMONHOLD_ALLOW_HTTP": "perhaps"}, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "COMMONHOLD_ALLOW_HTTP" in result.stderr


def test_cli_malformed_toml_is_one_line_and_nonzero(tmp_path: Path) -> None:
    (tmp_path / "commonhold.toml").write_text("registrations = [\n")
    result = _cli(["check"], {}, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "commonhold.toml" in result.stderr


def test_cli_unreachable_database_is_one_line_and_nonzero(tmp_path: Path) -> None:
    result = _cli(["migrate"], {"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/nowhere"}, tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "DATABASE_URL" in result.stderr
