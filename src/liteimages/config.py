"""Settings of a liteimages process, from options and LITEIMAGES_* environment variables."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from liteimages.identity.secretbox import load_or_create_key

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = Path("liteimages-data")
DEFAULT_POLL_INTERVAL = 0.5
# While the database cannot be reached, the catalog is served from memory for this many
# seconds after the last successful refresh. Later catalog calls fail with 503.
DEFAULT_MAX_STALENESS = 300.0
RATE_UNITS = {"s": 1.0, "min": 60.0}
# A credential is locked for DEFAULT_LOCKOUT_DURATION seconds after
# DEFAULT_LOCKOUT_THRESHOLD consecutive failures, as the API gateway locks access keys.
DEFAULT_LOCKOUT_THRESHOLD = 5
DEFAULT_LOCKOUT_DURATION = 300.0
# Anyone with a user name or access key can lock it, so a lock longer than a day would
# let a few requests a day keep that credential locked for good.
MAX_LOCKOUT_DURATION = 86_400.0
LOCKOUTS = ("key", "user")


class SettingsError(ValueError):
    """An environment variable contains a value of the wrong form."""


def _rate(env: Mapping[str, str], name: str) -> float:
    try:
        return parse_rate(env[name])
    except SettingsError as error:
        raise SettingsError(f"{name}: {error}") from None


def _limits_from_env(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in ("rate_limit_key", "rate_limit_project"):
        variable = f"LITEIMAGES_{name.upper()}"
        if env.get(variable):
            values[name] = _rate(env, variable)
        if env.get(f"{variable}_BURST"):
            values[f"{name}_burst"] = _number(env, f"{variable}_BURST", int)
    if env.get("LITEIMAGES_RATE_LIMIT_LOGIN"):
        values["rate_limit_login"] = _rate(env, "LITEIMAGES_RATE_LIMIT_LOGIN")
    if env.get("LITEIMAGES_RATE_LIMIT_LOGIN_BURST"):
        values["rate_limit_login_burst"] = _number(env, "LITEIMAGES_RATE_LIMIT_LOGIN_BURST", int)
    if env.get("LITEIMAGES_MAX_STALENESS"):
        values["max_staleness"] = _number(env, "LITEIMAGES_MAX_STALENESS", float)
    return values


def _lockouts_from_env(env: Mapping[str, str]) -> dict[str, object]:
    values: dict[str, object] = {}
    for lockout in LOCKOUTS:
        threshold = f"LITEIMAGES_LOCKOUT_{lockout.upper()}_THRESHOLD"
        if env.get(threshold):
            values[f"lockout_{lockout}_threshold"] = parse_lockout_threshold(
                env[threshold], threshold
            )
        duration = f"LITEIMAGES_LOCKOUT_{lockout.upper()}_DURATION"
        if env.get(duration):
            values[f"lockout_{lockout}_duration"] = parse_lockout_duration(env[duration], duration)
    return values


def parse_lockout_threshold(text: str, name: str) -> int:
    """Parse the number of consecutive failures that locks a credential; 0 disables the lockout."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise SettingsError(
            f"{name} must be a whole number of failures, 0 or more (0 disables the lockout), "
            f"got {text!r}"
        )
    return value


def parse_lockout_duration(text: str, name: str) -> float:
    """Parse how many seconds a lock lasts: more than 0 and at most one day."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 < value <= MAX_LOCKOUT_DURATION:
        raise SettingsError(
            f"{name} must be a number of seconds above 0 and at most {MAX_LOCKOUT_DURATION:g} "
            f"(to disable the lockout, set its threshold to 0), got {text!r}"
        )
    return value


# The spellings that click's BOOL type accepts, so a variable means the same whether
# `liteimages serve` or Settings.from_env reads it. An empty value is off.
_TRUE_WORDS = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE_WORDS = frozenset({"", "0", "false", "f", "no", "n", "off"})


_FLAGS = {
    "LITEIMAGES_DEMO": "demo",
    "LITEIMAGES_TRUST_FORWARDED_HOST": "trust_forwarded_host",
    "LITEIMAGES_READY_REQUIRES_DATABASE": "ready_requires_database",
}
"""Boolean settings by the variable that turns them on."""


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "")
    word = raw.strip().lower()
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise SettingsError(f"{name} must be 1, true, yes or on, or 0, false, no or off, got {raw!r}")


def _number(env: Mapping[str, str], name: str, kind: type[int] | type[float]) -> int | float:
    raw = env[name]
    try:
        return kind(raw)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from None


def parse_rate(text: str) -> float:
    """Parse a request rate such as `20/s`, `600/min` or a bare `20` (per second).

    Return requests per second; 0 means no limit. Raise `SettingsError` otherwise.
    """
    count, slash, unit = text.strip().partition("/")
    try:
        value = float(count)
    except ValueError:
        value = -1.0
    known_unit = unit in RATE_UNITS if slash else True
    if not known_unit or not math.isfinite(value) or value < 0:
        raise SettingsError(
            f"invalid rate {text!r}: expected requests per second or minute, "
            "such as 20/s or 600/min, or 0 for no limit"
        )
    return value / RATE_UNITS.get(unit, 1.0)


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
    # Request limits of the whole instance, in requests per second (0: no limit), and
    # their bursts (0: one second's worth). Each worker enforces 1/workers of them.
    rate_limit_key: float = 0.0
    rate_limit_key_burst: int = 0
    rate_limit_project: float = 0.0
    rate_limit_project_burst: int = 0
    # Password logins per client address of the whole instance (0: no limit), and the burst.
    rate_limit_login: float = 0.0
    rate_limit_login_burst: int = 0
    max_staleness: float = DEFAULT_MAX_STALENESS
    # GET /health/ready responds with 503 as soon as its database check fails or times
    # out, instead of only once the catalog view is older than max_staleness.
    ready_requires_database: bool = False
    # Consecutive failures that lock an access key (wrong signatures) or a user (wrong
    # passwords), 0 to disable that lockout, and the seconds a lock lasts.
    lockout_key_threshold: int = DEFAULT_LOCKOUT_THRESHOLD
    lockout_key_duration: float = DEFAULT_LOCKOUT_DURATION
    lockout_user_threshold: int = DEFAULT_LOCKOUT_THRESHOLD
    lockout_user_duration: float = DEFAULT_LOCKOUT_DURATION

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
        for name, setting in _FLAGS.items():
            if _flag(env, name):
                values[setting] = True
        if "LITEIMAGES_POLL_INTERVAL" in env:
            values["poll_interval"] = _number(env, "LITEIMAGES_POLL_INTERVAL", float)
        values.update(_limits_from_env(env))
        values.update(_lockouts_from_env(env))
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
            "LITEIMAGES_RATE_LIMIT_KEY": repr(self.rate_limit_key),
            "LITEIMAGES_RATE_LIMIT_KEY_BURST": str(self.rate_limit_key_burst),
            "LITEIMAGES_RATE_LIMIT_PROJECT": repr(self.rate_limit_project),
            "LITEIMAGES_RATE_LIMIT_PROJECT_BURST": str(self.rate_limit_project_burst),
            "LITEIMAGES_RATE_LIMIT_LOGIN": repr(self.rate_limit_login),
            "LITEIMAGES_RATE_LIMIT_LOGIN_BURST": str(self.rate_limit_login_burst),
            "LITEIMAGES_MAX_STALENESS": repr(self.max_staleness),
            "LITEIMAGES_READY_REQUIRES_DATABASE": "1" if self.ready_requires_database else "",
            "LITEIMAGES_LOCKOUT_KEY_THRESHOLD": str(self.lockout_key_threshold),
            "LITEIMAGES_LOCKOUT_KEY_DURATION": repr(self.lockout_key_duration),
            "LITEIMAGES_LOCKOUT_USER_THRESHOLD": str(self.lockout_user_threshold),
            "LITEIMAGES_LOCKOUT_USER_DURATION": repr(self.lockout_user_duration),
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
