"""Settings of a liteimages process, from options and LITEIMAGES_* environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from liteimages.identity.secretbox import load_or_create_key

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("liteimages-data")
DEFAULT_POLL_INTERVAL = 0.5


class SettingsError(ValueError):
    """An environment variable holds a value of the wrong form."""


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float]) -> int | float:
    raw = env[name]
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    """Everything a server, CLI command or worker needs to find its data."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    secret_key: str | None = field(default=None, repr=False)
    secret_key_file: Path | None = None
    workers: int = 1
    demo: bool = False
    poll_interval: float = DEFAULT_POLL_INTERVAL
    # Behind a reverse proxy that rewrites Host, verify signatures against the
    # X-Forwarded-Host it sets instead. Enable only when every request passes the proxy.
    trust_forwarded_host: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from LITEIMAGES_* variables, falling back to the defaults.

        Raises `SettingsError` when a numeric variable is malformed.
        """
        env = os.environ if environ is None else environ
        settings = cls()
        values: dict[str, object] = {}
        if "LITEIMAGES_HOST" in env:
            values["host"] = env["LITEIMAGES_HOST"]
        if "LITEIMAGES_PORT" in env:
            values["port"] = _number(env, "LITEIMAGES_PORT", int)
        if "LITEIMAGES_DATA_DIR" in env:
            values["data_dir"] = Path(env["LITEIMAGES_DATA_DIR"])
        if env.get("LITEIMAGES_DATABASE_URL"):
            values["database_url"] = env["LITEIMAGES_DATABASE_URL"]
        if env.get("LITEIMAGES_SECRET_KEY"):
            values["secret_key"] = env["LITEIMAGES_SECRET_KEY"]
        if env.get("LITEIMAGES_SECRET_KEY_FILE"):
            values["secret_key_file"] = Path(env["LITEIMAGES_SECRET_KEY_FILE"])
        if "LITEIMAGES_WORKERS" in env:
            values["workers"] = _number(env, "LITEIMAGES_WORKERS", int)
        if env.get("LITEIMAGES_DEMO", "") not in ("", "0", "false"):
            values["demo"] = True
        if env.get("LITEIMAGES_TRUST_FORWARDED_HOST", "") not in ("", "0", "false"):
            values["trust_forwarded_host"] = True
        if "LITEIMAGES_POLL_INTERVAL" in env:
            values["poll_interval"] = _number(env, "LITEIMAGES_POLL_INTERVAL", float)
        return replace(settings, **values)  # type: ignore[arg-type]

    def to_env(self) -> dict[str, str]:
        """Return the variables that make `from_env` rebuild these settings in a worker."""
        env = {
            "LITEIMAGES_HOST": self.host,
            "LITEIMAGES_PORT": str(self.port),
            "LITEIMAGES_DATA_DIR": str(self.data_dir),
            "LITEIMAGES_DATABASE_URL": self.resolved_database_url,
            "LITEIMAGES_WORKERS": str(self.workers),
            "LITEIMAGES_POLL_INTERVAL": str(self.poll_interval),
            "LITEIMAGES_DEMO": "1" if self.demo else "",
            "LITEIMAGES_TRUST_FORWARDED_HOST": "1" if self.trust_forwarded_host else "",
        }
        if self.secret_key:
            env["LITEIMAGES_SECRET_KEY"] = self.secret_key
        if self.secret_key_file:
            env["LITEIMAGES_SECRET_KEY_FILE"] = str(self.secret_key_file)
        return env

    @property
    def resolved_database_url(self) -> str:
        """Return the database URL: the one given, else a SQLite file in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'catalog.db').resolve()}"

    def load_secret_key(self) -> bytes:
        """Return the key that encrypts secret access keys at rest.

        Order: LITEIMAGES_SECRET_KEY, then LITEIMAGES_SECRET_KEY_FILE, then
        `secret.key` in the data folder, created on first use.
        """
        if self.secret_key:
            return self.secret_key.encode("ascii")
        path = self.secret_key_file or self.data_dir / "secret.key"
        return load_or_create_key(path)
