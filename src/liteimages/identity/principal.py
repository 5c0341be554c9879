"""The caller: the user behind a credential and the projects it may reach."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from liteimages.signing import SigningKey

# Callers that one access key keeps, one per X-Project-Id value.
MAX_KEPT_CALLERS = 16


@dataclass(frozen=True, slots=True)
class Principal:
    """A user with the projects of its account and its roles on them."""

    user_id: str
    user_name: str
    account_id: str
    account_name: str
    account_is_system: bool
    is_root: bool
    enabled: bool
    account_projects: frozenset[str]
    roles: Mapping[str, frozenset[str]]

    def may_read_catalog(self, project_id: str) -> bool:
        """Return whether the user may read the catalog of `project_id`.

        The account's root user may use every project of the account; an IAM
        user needs a grant of any role on the project.
        """
        if project_id not in self.account_projects:
            return False
        return self.is_root or bool(self.roles.get(project_id))


@dataclass(frozen=True, slots=True)
class KeyCredential:
    """An access key as the verifier needs it, with the secret key decrypted."""

    access_key: str
    secret_key: str
    active: bool
    expires_at: datetime | None
    security_token_hash: str | None
    principal: Principal
    signing_key: SigningKey = field(init=False, repr=False, compare=False)
    # Whether the key is disabled, expires or needs a security token: checks beyond the
    # signature that most keys do not need.
    has_conditions: bool = field(init=False, repr=False, compare=False)
    _callers: dict[str | None, Caller] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "signing_key", SigningKey(self.secret_key))
        conditions = (
            not self.active or self.expires_at is not None or self.security_token_hash is not None
        )
        object.__setattr__(self, "has_conditions", conditions)
        object.__setattr__(self, "_callers", {})

    def caller(self, project_id: str | None) -> Caller:
        """Return the caller of a request signed with this key that names `project_id`.

        Callers are kept for the first MAX_KEPT_CALLERS project ids, since a client
        sends the same one with every request.
        """
        caller = self._callers.get(project_id)
        if caller is None:
            caller = Caller(self.principal, project_id, access_key=self.access_key, method="aksk")
            if len(self._callers) < MAX_KEPT_CALLERS:
                self._callers[project_id] = caller
        return caller


@dataclass(frozen=True, slots=True)
class TokenCredential:
    """An issued token: its user, the project it is scoped to and its lifetime."""

    project_id: str
    expires_at: datetime
    revoked: bool
    principal: Principal
    # Every request with the token has this caller, so it is made once.
    caller: Caller = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        caller = Caller(self.principal, self.project_id, access_key=None, method="token")
        object.__setattr__(self, "caller", caller)


# Not frozen: one is made per request, and a frozen dataclass takes about four times as
# long to construct. Treat it as read-only.
@dataclass(slots=True)
class Caller:
    """An authenticated request: the principal and the project its credential names."""

    principal: Principal
    project_id: str | None
    access_key: str | None
    method: str
