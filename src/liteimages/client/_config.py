"""Where the client finds its endpoint and credentials.

Order: explicit arguments, then environment variables (the SDK's
HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK and HUAWEICLOUD_SDK_PROJECT_ID, plus
LITEIMAGES_ENDPOINT and LITEIMAGES_TOKEN), then a named profile of the config file
(LITEIMAGES_CONFIG, default ~/.config/liteimages/config.toml):

    [profiles.default]
    endpoint = "http://127.0.0.1:8080"
    access_key = "..."
    secret_key = "..."
    project_id = "..."
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from liteimages.client._errors import ConfigError
from liteimages.client.auth import AkSkAuth, TokenAuth

DEFAULT_CONFIG = Path("~/.config/liteimages/config.toml")
DEFAULT_PROFILE = "default"
FIELDS = ("endpoint", "access_key", "secret_key", "project_id", "token", "security_token")
ENVIRONMENT = {
    "endpoint": "LITEIMAGES_ENDPOINT",
    "access_key": "HUAWEICLOUD_SDK_AK",
    "secret_key": "HUAWEICLOUD_SDK_SK",
    "project_id": "HUAWEICLOUD_SDK_PROJECT_ID",
    "token": "LITEIMAGES_TOKEN",
    "security_token": "HUAWEICLOUD_SDK_SECURITY_TOKEN",
}


@dataclass(frozen=True)
class Settings:
    """The endpoint and one credential: an AK/SK pair or a token."""

    endpoint: str | None = None
    access_key: str | None = None
    secret_key: str | None = None
    project_id: str | None = None
    token: str | None = None
    security_token: str | None = None

    def merged(self, fallback: Settings) -> Settings:
        """Return these settings with unset fields taken from `fallback`."""
        values = {name: getattr(self, name) or getattr(fallback, name) for name in FIELDS}
        return replace(self, **values)

    def auth(self) -> httpx.Auth:
        """Return the httpx authentication for the configured credential."""
        if self.access_key and self.secret_key:
            return AkSkAuth(self.access_key, self.secret_key, self.project_id, self.security_token)
        if self.token:
            return TokenAuth(self.token)
        raise ConfigError(
            "no credentials: give an access key and secret key (HUAWEICLOUD_SDK_AK and "
            "HUAWEICLOUD_SDK_SK) or a token (LITEIMAGES_TOKEN), or a profile that has them"
        )

    def require_endpoint(self) -> str:
        """Return the endpoint, or raise `ConfigError` if none is set."""
        if not self.endpoint:
            raise ConfigError("no endpoint: give --endpoint, LITEIMAGES_ENDPOINT or a profile")
        return self.endpoint.rstrip("/")


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """Read settings from environment variables."""
    env = os.environ if environ is None else environ
    return Settings(**{name: env.get(variable) or None for name, variable in ENVIRONMENT.items()})


def from_profile(name: str | None = None, path: Path | None = None) -> Settings:
    """Read one profile of the config file; a missing default file gives empty settings."""
    explicit = path is not None or "LITEIMAGES_CONFIG" in os.environ
    file = path or Path(os.environ.get("LITEIMAGES_CONFIG", str(DEFAULT_CONFIG))).expanduser()
    profile = name or os.environ.get("LITEIMAGES_PROFILE") or DEFAULT_PROFILE
    try:
        document: dict[str, Any] = tomllib.loads(file.read_text())
    except FileNotFoundError:
        if explicit or name is not None:
            raise ConfigError(f"config file {file} not found") from None
        return Settings()
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {file} is not valid TOML: {error}") from None
    profiles = document.get("profiles", {})
    if not isinstance(profiles, dict) or profile not in profiles:
        if name is None:
            return Settings()
        raise ConfigError(f"profile {profile!r} not found in {file}")
    values = profiles[profile]
    return Settings(**{field: str(values[field]) for field in FIELDS if values.get(field)})


def resolve(explicit: Settings, profile: str | None = None) -> Settings:
    """Combine arguments, environment and profile, in that order of precedence."""
    return explicit.merged(from_environment()).merged(from_profile(profile))
