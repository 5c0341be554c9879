"""The admin operations as calls to a server's admin API (`/admin/v1`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from liteimages.cli.backends import (
    AuditQuery,
    Backend,
    LockoutQuery,
    Record,
    Versioned,
    find_by_name_or_id,
)
from liteimages.client import ApiError, Client, Settings
from liteimages.errors import NotFound

TOKEN_REVOKE_TIMEOUT_S = 30.0


def _path(*parts: str) -> str:
    """Join path segments, each percent-encoded so that a '/' in a name stays in its segment."""
    return "/".join(quote(part, safe="") for part in parts)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RemoteBackend(Backend):
    """Every call is one admin API request, authenticated with the configured credential."""

    def __init__(self, client: Client, settings: Settings) -> None:
        self.client = client
        self.settings = settings

    def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        if_match: str | None = None,
    ) -> httpx.Response:
        return self.client.admin(method, path, json=json, params=params, if_match=if_match)

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return self._call("GET", path, params=params).json()

    def _versioned(self, path: str) -> Versioned:
        response = self._call("GET", path)
        return Versioned(response.json(), response.headers.get("ETag", ""))

    # Images

    def create_image(self, document: Record) -> Record:
        result: Record = self._call("POST", "images", json=document).json()
        return result

    def list_images(self, owner_project_id: str | None) -> list[Record]:
        params = {"owner_project_id": owner_project_id} if owner_project_id else None
        return list(self._get("images", params)["images"])

    def get_image(self, image_id: str) -> Versioned:
        return self._versioned(_path("images", image_id))

    def update_image(self, image_id: str, changes: Record, if_match: str | None) -> Record:
        path = _path("images", image_id)
        result: Record = self._call("PATCH", path, json=changes, if_match=if_match).json()
        return result

    def delete_image(self, image_id: str, if_match: str | None) -> None:
        self._call("DELETE", _path("images", image_id), if_match=if_match)

    def link_flavor(self, image_id: str, flavor_name: str) -> bool | None:
        self._call("PUT", _path("images", image_id, "flavors", flavor_name))
        return None

    def unlink_flavor(self, image_id: str, flavor_name: str) -> bool | None:
        self._call("DELETE", _path("images", image_id, "flavors", flavor_name))
        return None

    def share_image(self, image_id: str, project_id: str) -> bool | None:
        self._call("PUT", _path("images", image_id, "shares", project_id))
        return None

    def unshare_image(self, image_id: str, project_id: str) -> bool | None:
        self._call("DELETE", _path("images", image_id, "shares", project_id))
        return None

    # Flavors

    def create_flavor(self, document: Record) -> Record:
        result: Record = self._call("POST", "flavors", json=document).json()
        return result

    def list_flavors(self) -> list[Record]:
        return list(self._get("flavors")["flavors"])

    def get_flavor(self, name: str) -> Versioned:
        return self._versioned(_path("flavors", name))

    def update_flavor(self, name: str, changes: Record, if_match: str | None) -> Record:
        path = _path("flavors", name)
        result: Record = self._call("PATCH", path, json=changes, if_match=if_match).json()
        return result

    def delete_flavor(self, name: str, if_match: str | None) -> None:
        self._call("DELETE", _path("flavors", name), if_match=if_match)

    # Accounts and projects

    def create_account(self, document: Record) -> Record:
        result: Record = self._call("POST", "accounts", json=document).json()
        return result

    def list_accounts(self) -> list[Record]:
        return list(self._get("accounts")["accounts"])

    def get_account(self, account_id: str) -> Versioned:
        return self._versioned(_path("accounts", account_id))

    def delete_account(self, account_id: str, if_match: str | None) -> None:
        self._call("DELETE", _path("accounts", account_id), if_match=if_match)

    def find_account(self, name_or_id: str) -> Record:
        found = find_by_name_or_id(self.list_accounts(), name_or_id, "id")
        if found is None:
            raise NotFound(name_or_id)
        return found

    def create_project(self, account_id: str, document: Record) -> Record:
        path = _path("accounts", account_id, "projects")
        result: Record = self._call("POST", path, json=document).json()
        return result

    def list_projects(self, account_id: str) -> list[Record]:
        return list(self._get(_path("accounts", account_id, "projects"))["projects"])

    def delete_project(self, project_id: str, if_match: str | None) -> None:
        self._call("DELETE", _path("projects", project_id), if_match=if_match)

    def find_project(self, account_id: str, name_or_id: str) -> Record:
        found = find_by_name_or_id(self.list_projects(account_id), name_or_id, "id")
        if found is None:
            raise NotFound(name_or_id)
        return found

    # Users and roles

    def create_user(self, account_id: str, document: Record) -> Record:
        path = _path("accounts", account_id, "users")
        result: Record = self._call("POST", path, json=document).json()
        return result

    def list_users(self, account_id: str) -> list[Record]:
        return list(self._get(_path("accounts", account_id, "users"))["users"])

    def get_user(self, user_id: str) -> Versioned:
        return self._versioned(_path("users", user_id))

    def update_user(self, user_id: str, changes: Record, if_match: str | None) -> Record:
        path = _path("users", user_id)
        result: Record = self._call("PATCH", path, json=changes, if_match=if_match).json()
        return result

    def delete_user(self, user_id: str, if_match: str | None) -> None:
        self._call("DELETE", _path("users", user_id), if_match=if_match)

    def set_password(self, user_id: str, password: str) -> None:
        self._call("PUT", _path("users", user_id, "password"), json={"password": password})

    def find_user(self, account_id: str, name_or_id: str) -> Record:
        found = find_by_name_or_id(self.list_users(account_id), name_or_id, "id")
        if found is None:
            raise NotFound(name_or_id)
        return found

    def list_roles(self, user_id: str) -> list[Record]:
        return list(self._get(_path("users", user_id, "roles"))["roles"])

    def grant_role(self, user_id: str, project_id: str, role: str) -> bool | None:
        self._call("PUT", _path("users", user_id, "roles", project_id, role))
        return None

    def revoke_role(self, user_id: str, project_id: str, role: str) -> bool | None:
        self._call("DELETE", _path("users", user_id, "roles", project_id, role))
        return None

    # Access keys and tokens

    def create_access_key(self, user_id: str, document: Record) -> Record:
        path = _path("users", user_id, "access-keys")
        result: Record = self._call("POST", path, json=document).json()
        return result

    def list_access_keys(self, user_id: str) -> list[Record]:
        return list(self._get(_path("users", user_id, "access-keys"))["access_keys"])

    def update_access_key(self, access_key: str, changes: Record, if_match: str | None) -> Record:
        path = _path("access-keys", access_key)
        result: Record = self._call("PATCH", path, json=changes, if_match=if_match).json()
        return result

    def delete_access_key(self, access_key: str, if_match: str | None) -> None:
        self._call("DELETE", _path("access-keys", access_key), if_match=if_match)

    def revoke_user_tokens(self, user_id: str) -> int:
        return int(self._call("DELETE", _path("users", user_id, "tokens")).json()["revoked"])

    def revoke_token(self, token: str) -> bool:
        """Call the IAM-style `DELETE /v3/auth/tokens`, which lies outside `/admin/v1`."""
        with httpx.Client(
            base_url=self.settings.require_endpoint(),
            auth=self.settings.auth(),
            timeout=TOKEN_REVOKE_TIMEOUT_S,
        ) as http:
            response = http.delete("/v3/auth/tokens", headers={"X-Subject-Token": token})
        if response.status_code >= 400:
            raise ApiError(response)
        return True

    # Lockouts

    def list_lockouts(self, query: LockoutQuery) -> list[Record]:
        params = {"limit": str(query.limit), "offset": str(query.offset)}
        if query.kind is not None:
            params["kind"] = query.kind
        if query.account_id is not None:
            params["account_id"] = query.account_id
        if query.locked is not None:
            params["locked"] = "true" if query.locked else "false"
        return list(self._get("lockouts", params)["lockouts"])

    def clear_access_key_lockout(self, access_key: str) -> int:
        path = _path("lockouts", "access-keys", access_key)
        return int(self._call("DELETE", path).json()["cleared"])

    def clear_user_lockout(self, user_id: str) -> int:
        return int(self._call("DELETE", _path("lockouts", "users", user_id)).json()["cleared"])

    def clear_lockouts(self, kind: str | None, account_id: str | None) -> int:
        params = {"kind": kind, "account_id": account_id}
        sent = {name: value for name, value in params.items() if value is not None}
        return int(self._call("DELETE", "lockouts", params=sent or None).json()["cleared"])

    # Audit

    def list_audit(self, query: AuditQuery) -> list[Record]:
        params = {"limit": str(query.limit), "offset": str(query.offset)}
        if query.since is not None:
            params["since"] = _timestamp(query.since)
        if query.until is not None:
            params["until"] = _timestamp(query.until)
        for name in ("actor", "resource_type", "resource_id", "action"):
            value = getattr(query, name)
            if value is not None:
                params[name] = value
        return list(self._get("audit-events", params)["audit_events"])
