"""The interface of the admin commands, implemented locally and remotely.

`LocalBackend` runs the administration core on a database opened directly, as the
operator. `RemoteBackend` calls the admin API of a server (`/admin/v1`) as the
user behind the configured credential.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

Record = dict[str, Any]


@dataclass(frozen=True)
class Versioned:
    """A record with the ETag that `--if-match` accepts."""

    record: Record
    etag: str


@dataclass(frozen=True)
class AuditQuery:
    """Filters of an audit event listing, with timezone-aware times."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    action: str | None = None
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class LockoutQuery:
    """Filters of a lockout listing: `kind` is access_key or user, `locked` True or False."""

    kind: str | None = None
    account_id: str | None = None
    locked: bool | None = None
    limit: int = 100
    offset: int = 0


class Backend(ABC):
    """The admin operations, which take ids rather than names (flavors have only names).

    `find_*` turn a name or id into a record. Link, share and grant calls return
    whether they changed anything, or None when the backend cannot tell.
    """

    @abstractmethod
    def create_image(self, document: Record) -> Record: ...
    @abstractmethod
    def list_images(self, owner_project_id: str | None) -> list[Record]: ...
    @abstractmethod
    def get_image(self, image_id: str) -> Versioned: ...
    @abstractmethod
    def update_image(self, image_id: str, changes: Record, if_match: str | None) -> Record: ...
    @abstractmethod
    def delete_image(self, image_id: str, if_match: str | None) -> None: ...
    @abstractmethod
    def link_flavor(self, image_id: str, flavor_name: str) -> bool | None: ...
    @abstractmethod
    def unlink_flavor(self, image_id: str, flavor_name: str) -> bool | None: ...
    @abstractmethod
    def share_image(self, image_id: str, project_id: str) -> bool | None: ...
    @abstractmethod
    def unshare_image(self, image_id: str, project_id: str) -> bool | None: ...

    @abstractmethod
    def create_flavor(self, document: Record) -> Record: ...
    @abstractmethod
    def list_flavors(self) -> list[Record]: ...
    @abstractmethod
    def get_flavor(self, name: str) -> Versioned: ...
    @abstractmethod
    def update_flavor(self, name: str, changes: Record, if_match: str | None) -> Record: ...
    @abstractmethod
    def delete_flavor(self, name: str, if_match: str | None) -> None: ...

    @abstractmethod
    def create_account(self, document: Record) -> Record: ...
    @abstractmethod
    def list_accounts(self) -> list[Record]: ...
    @abstractmethod
    def get_account(self, account_id: str) -> Versioned: ...
    @abstractmethod
    def delete_account(self, account_id: str, if_match: str | None) -> None: ...
    @abstractmethod
    def find_account(self, name_or_id: str) -> Record: ...

    @abstractmethod
    def create_project(self, account_id: str, document: Record) -> Record: ...
    @abstractmethod
    def list_projects(self, account_id: str) -> list[Record]: ...
    @abstractmethod
    def delete_project(self, project_id: str, if_match: str | None) -> None: ...
    @abstractmethod
    def find_project(self, account_id: str, name_or_id: str) -> Record: ...

    @abstractmethod
    def create_user(self, account_id: str, document: Record) -> Record: ...
    @abstractmethod
    def list_users(self, account_id: str) -> list[Record]: ...
    @abstractmethod
    def get_user(self, user_id: str) -> Versioned: ...
    @abstractmethod
    def update_user(self, user_id: str, changes: Record, if_match: str | None) -> Record: ...
    @abstractmethod
    def delete_user(self, user_id: str, if_match: str | None) -> None: ...
    @abstractmethod
    def set_password(self, user_id: str, password: str) -> None: ...
    @abstractmethod
    def find_user(self, account_id: str, name_or_id: str) -> Record: ...

    @abstractmethod
    def list_roles(self, user_id: str) -> list[Record]: ...
    @abstractmethod
    def grant_role(self, user_id: str, project_id: str, role: str) -> bool | None: ...
    @abstractmethod
    def revoke_role(self, user_id: str, project_id: str, role: str) -> bool | None: ...

    @abstractmethod
    def create_access_key(self, user_id: str, document: Record) -> Record: ...
    @abstractmethod
    def list_access_keys(self, user_id: str) -> list[Record]: ...
    @abstractmethod
    def update_access_key(
        self, access_key: str, changes: Record, if_match: str | None
    ) -> Record: ...
    @abstractmethod
    def delete_access_key(self, access_key: str, if_match: str | None) -> None: ...

    @abstractmethod
    def revoke_user_tokens(self, user_id: str) -> int: ...
    @abstractmethod
    def revoke_token(self, token: str) -> bool: ...

    @abstractmethod
    def list_lockouts(self, query: LockoutQuery) -> list[Record]: ...
    @abstractmethod
    def clear_access_key_lockout(self, access_key: str) -> int: ...
    @abstractmethod
    def clear_user_lockout(self, user_id: str) -> int: ...
    @abstractmethod
    def clear_lockouts(self, kind: str | None, account_id: str | None) -> int: ...

    @abstractmethod
    def list_audit(self, query: AuditQuery) -> list[Record]: ...


def find_by_name_or_id(records: Sequence[Record], name_or_id: str, id_field: str) -> Record | None:
    """Return the record whose id is `name_or_id`, else the one with that name."""
    for record in records:
        if record.get(id_field) == name_or_id:
            return record
    for record in records:
        if record.get("name") == name_or_id:
            return record
    return None
