"""The lockout and login limit settings: variables, serve options and their checks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from liteimages.cli.main import cli
from liteimages.config import Settings, SettingsError
from liteimages.runtime import Runtime


def test_lockout_defaults() -> None:
    settings = Settings.from_env({})

    assert settings.lockout_key_threshold == 5
    assert settings.lockout_key_duration == 300.0
    assert settings.lockout_user_threshold == 5
    assert settings.lockout_user_duration == 300.0
    assert settings.rate_limit_login == 0.0
    assert settings.rate_limit_login_burst == 0


def test_lockout_variables_read() -> None:
    env = {
        "LITEIMAGES_LOCKOUT_KEY_THRESHOLD": "0",
        "LITEIMAGES_LOCKOUT_KEY_DURATION": "12.5",
        "LITEIMAGES_LOCKOUT_USER_THRESHOLD": "3",
        "LITEIMAGES_LOCKOUT_USER_DURATION": "900",
        "LITEIMAGES_RATE_LIMIT_LOGIN": "30/min",
        "LITEIMAGES_RATE_LIMIT_LOGIN_BURST": "4",
    }

    settings = Settings.from_env(env)

    assert settings.lockout_key_threshold == 0
    assert settings.lockout_key_duration == 12.5
    assert settings.lockout_user_threshold == 3
    assert settings.lockout_user_duration == 900.0
    assert settings.rate_limit_login == 0.5
    assert settings.rate_limit_login_burst == 4


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LITEIMAGES_LOCKOUT_KEY_THRESHOLD", "-1", "0 or more (0 disables the lockout)"),
        ("LITEIMAGES_LOCKOUT_USER_THRESHOLD", "five", "got 'five'"),
        ("LITEIMAGES_LOCKOUT_KEY_DURATION", "0", "above 0 and at most 86400"),
        ("LITEIMAGES_LOCKOUT_USER_DURATION", "nan", "got 'nan'"),
        ("LITEIMAGES_LOCKOUT_USER_DURATION", "86401", "at most 86400"),
        ("LITEIMAGES_RATE_LIMIT_LOGIN", "many", "LITEIMAGES_RATE_LIMIT_LOGIN: invalid rate"),
    ],
)
def test_invalid_lockout_variable_named(variable: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({variable: value})

    assert variable in str(caught.value)
    assert message in str(caught.value)


def test_lockouts_handed_to_workers(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        rate_limit_login=0.25,
        rate_limit_login_burst=2,
        lockout_key_threshold=7,
        lockout_key_duration=0.5,
        lockout_user_threshold=0,
        lockout_user_duration=3600.0,
    )

    rebuilt = Settings.from_env(settings.to_env())

    assert rebuilt == replace(settings, database_url=settings.resolved_database_url)


def test_runtime_applies_lockout_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        secret_key="wX0bVb4w3v0lq6c0uX0lT5m8yV3nGkz0Q7l1cJm9e2A=",
        lockout_key_threshold=2,
        lockout_key_duration=1.5,
        lockout_user_threshold=0,
        lockout_user_duration=7.0,
        rate_limit_login=2.0,
    )
    runtime = Runtime(settings)
    try:
        assert runtime.lockout.threshold == 2
        assert runtime.lockout.duration == 1.5
        assert runtime.authenticator.lockout is runtime.lockout
        assert runtime.user_lockout.duration == 7.0
        assert not runtime.user_lockout.enabled
        assert runtime.logins.lockout is runtime.user_lockout
        assert runtime.logins.throttle.enabled
    finally:
        runtime.close()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--lockout-key-threshold", "-1", "-1 is not in the range x>=0"),
        ("--lockout-user-threshold", "x", "'x' is not a valid integer"),
        ("--lockout-key-duration", "0", "0.0 is not in the range 0<x<=86400.0"),
        ("--lockout-user-duration", "90000", "90000.0 is not in the range 0<x<=86400.0"),
        ("--lockout-user-duration", "nan", "nan is not a number of seconds"),
        ("--rate-limit-login", "5/h", "invalid rate '5/h'"),
        ("--rate-limit-login-burst", "-2", "-2 is not in the range x>=0"),
    ],
)
def test_serve_rejects_bad_lockout(tmp_path: Path, option: str, value: str, message: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path), option, value])

    assert result.exit_code == 2
    assert message in result.output
    assert option in result.output


def test_serve_rejects_bad_lockout_variable(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["serve", "--data-dir", str(tmp_path)],
        env={"LITEIMAGES_LOCKOUT_USER_DURATION": "-3"},
    )

    assert result.exit_code == 2
    assert "--lockout-user-duration" in result.output
    assert "-3.0 is not in the range 0<x<=86400.0" in result.output
