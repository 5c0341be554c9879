"""Settings from LITEIMAGES_* variables, their hand-over to workers, and the encryption key."""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import Result
from cryptography.fernet import Fernet

from liteimages.config import DEFAULT_DATA_DIR, Settings, SettingsError

KEY = Fernet.generate_key().decode("ascii")


def test_defaults_without_variables() -> None:
    settings = Settings.from_env({})

    assert settings == Settings()
    assert settings.data_dir == DEFAULT_DATA_DIR
    assert settings.database_url is None


def test_every_variable_read(tmp_path: Path) -> None:
    env = {
        "LITEIMAGES_HOST": "0.0.0.0",
        "LITEIMAGES_PORT": "9000",
        "LITEIMAGES_DATA_DIR": str(tmp_path),
        "LITEIMAGES_DATABASE_URL": "postgresql://u@h/db",
        "LITEIMAGES_SECRET_KEY": KEY,
        "LITEIMAGES_SECRET_KEY_FILE": str(tmp_path / "k"),
        "LITEIMAGES_WORKERS": "3",
        "LITEIMAGES_DEMO": "1",
        "LITEIMAGES_POLL_INTERVAL": "0.25",
        "LITEIMAGES_TRUST_FORWARDED_HOST": "true",
        "LITEIMAGES_READY_REQUIRES_DATABASE": "1",
    }

    assert Settings.from_env(env) == Settings(
        host="0.0.0.0",
        port=9000,
        data_dir=tmp_path,
        database_url="postgresql://u@h/db",
        secret_key=KEY,
        secret_key_file=tmp_path / "k",
        workers=3,
        demo=True,
        poll_interval=0.25,
        trust_forwarded_host=True,
        ready_requires_database=True,
    )


@pytest.mark.parametrize(
    ("value", "demo"),
    [
        ("", False),
        ("0", False),
        ("false", False),
        ("no", False),
        ("OFF", False),
        (" n ", False),
        ("yes", True),
        ("1", True),
        ("On", True),
        ("TRUE", True),
    ],
)
def test_demo_flag_values(value: str, demo: bool) -> None:
    assert Settings.from_env({"LITEIMAGES_DEMO": value}).demo is demo


@pytest.mark.parametrize(
    "name",
    ["LITEIMAGES_DEMO", "LITEIMAGES_TRUST_FORWARDED_HOST", "LITEIMAGES_READY_REQUIRES_DATABASE"],
)
@pytest.mark.parametrize("value", ["no", "off"])
def test_flag_off_words(name: str, value: str) -> None:
    settings = Settings.from_env({name: value})

    assert settings == Settings.from_env({})


@pytest.mark.parametrize("value", ["maybe", "2", "enabled"])
def test_flag_invalid_value(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"LITEIMAGES_TRUST_FORWARDED_HOST": value})

    assert "LITEIMAGES_TRUST_FORWARDED_HOST must be 1, true, yes or on" in str(caught.value)
    assert repr(value) in str(caught.value)


@pytest.mark.parametrize("value", ["", "0", "false"])
def test_ready_requires_database_off(value: str) -> None:
    settings = Settings.from_env({"LITEIMAGES_READY_REQUIRES_DATABASE": value})

    assert settings.ready_requires_database is False


def test_empty_database_url_means_default() -> None:
    assert Settings.from_env({"LITEIMAGES_DATABASE_URL": ""}).database_url is None


def test_worker_env_round_trip(tmp_path: Path) -> None:
    settings = Settings(
        host="127.0.0.2",
        port=8081,
        data_dir=tmp_path,
        secret_key=KEY,
        workers=2,
        demo=True,
        poll_interval=1.5,
        trust_forwarded_host=True,
        ready_requires_database=True,
    )

    rebuilt = Settings.from_env(settings.to_env())

    assert rebuilt == replace(settings, database_url=settings.resolved_database_url)


def test_default_database_is_sqlite_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'data' / 'catalog.db'}"


def test_secret_key_not_in_repr() -> None:
    assert KEY not in repr(Settings(secret_key=KEY))


def test_secret_key_variable_first(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text(Fernet.generate_key().decode())

    assert Settings(data_dir=tmp_path, secret_key=KEY).load_secret_key() == KEY.encode()


def test_secret_key_file_second(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.key"
    path.write_text(KEY + "\n")

    assert Settings(data_dir=tmp_path, secret_key_file=path).load_secret_key() == KEY.encode()
    assert not (tmp_path / "secret.key").exists()


def test_secret_key_created_in_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    key = settings.load_secret_key()

    assert (tmp_path / "data" / "secret.key").read_bytes().strip() == key
    assert stat.S_IMODE((tmp_path / "data" / "secret.key").stat().st_mode) == 0o600
    assert settings.load_secret_key() == key


def test_malformed_port_variable_is_clean_error(
    invoke_cli: Callable[..., Result], tmp_path: Path
) -> None:
    result = invoke_cli(["migrate", "--data-dir", str(tmp_path)], {"LITEIMAGES_PORT": "eighty"})

    assert result.exit_code != 0
    assert "Traceback" not in result.output
