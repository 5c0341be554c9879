"""Administer accounts, projects, users, roles, access keys and tokens.

System administrators manage every account; account administrators manage their
own account. Secrets appear only in the result of the call that creates them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.admin import fields
from liteimages.admin import representations as rep
from liteimages.admin.images import check_if_match
from liteimages.admin.representations import Representation
from liteimages.audit.trail import Actor, record
from liteimages.catalog.models import Image
from liteimages.errors import Conflict, NotFound
from liteimages.identity import service
from liteimages.identity.models import AccessKey, Account, Grant, Project, Token, User
from liteimages.identity.policy import administers_system, require_account, require_system
from liteimages.identity.secretbox import SecretBox
from liteimages.identity.tokens import hash_token


class IdentityAdmin:
    """Identity use cases for one actor inside one write transaction."""

    def __init__(self, session: Session, actor: Actor, box: SecretBox | None = None) -> None:
        self.session = session
        self.actor = actor
        self.box = box

    # Accounts

    def create_account(self, document: Mapping[str, Any]) -> Representation:
        """Create an account and its root user."""
        require_system(self.actor.principal, "CreateAccount")
        fields.reject_unknown(document, frozenset({"name", "is_system", "password"}))
        account = service.create_account(
            self.session,
            fields.text(document, "name", 64, min_length=1),
            fields.text(document, "password", 128, default=None),
            is_system=fields.boolean(document, "is_system", default=False),
        )
        after = rep.account(account)
        record(self.session, self.actor, "account.create", "account", account.id, None, after)
        return after

    def list_accounts(self) -> Sequence[Representation]:
        """Return every account for a system administrator, else the caller's own."""
        query = select(Account).order_by(Account.name)
        principal = self.actor.principal
        if principal is not None and not administers_system(principal):
            require_account(principal, principal.account_id, "ListAccounts")
            query = query.where(Account.id == principal.account_id)
        return [rep.account(account) for account in self.session.scalars(query)]

    def get_account(self, account_id: str) -> Representation:
        """Return one account."""
        return rep.account(self._account(account_id, "ShowAccount"))

    def delete_account(self, account_id: str, if_match: str | None) -> None:
        """Delete an account with its projects and users, unless it owns images."""
        require_system(self.actor.principal, "DeleteAccount")
        account = self._account(account_id, "DeleteAccount")
        before = rep.account(account)
        check_if_match(f"Account {account_id}", before, if_match)
        projects = select(Project.id).where(Project.account_id == account_id)
        owned = self.session.scalar(
            select(Image.id).where(Image.owner_project_id.in_(projects)).limit(1)
        )
        if owned is not None:
            raise Conflict(
                f"Account {account_id} owns private images (such as {owned}); delete them first"
            )
        self.session.delete(account)
        self.session.flush()
        service.bump_identity(self.session)
        record(self.session, self.actor, "account.delete", "account", account_id, before, None)

    # Projects

    def create_project(self, account_id: str, document: Mapping[str, Any]) -> Representation:
        """Create a project in an account."""
        self._account(account_id, "CreateProject")
        fields.reject_unknown(document, frozenset({"name", "id"}))
        project = service.create_project(
            self.session,
            account_id,
            fields.text(document, "name", 64, min_length=1),
            fields.text(document, "id", 64, default=None),
        )
        after = rep.project(project)
        record(self.session, self.actor, "project.create", "project", project.id, None, after)
        return after

    def list_projects(self, account_id: str) -> Sequence[Representation]:
        """Return the projects of an account."""
        self._account(account_id, "ListProjects")
        query = select(Project).where(Project.account_id == account_id).order_by(Project.name)
        return [rep.project(project) for project in self.session.scalars(query)]

    def delete_project(self, project_id: str, if_match: str | None) -> None:
        """Delete a project unless it owns images."""
        project = self._project(project_id, "DeleteProject")
        before = rep.project(project)
        check_if_match(f"Project {project_id}", before, if_match)
        if self.session.scalar(
            select(Image.id).where(Image.owner_project_id == project_id).limit(1)
        ):
            raise Conflict(f"Project {project_id} owns private images; delete them first")
        self.session.delete(project)
        self.session.flush()
        service.bump_identity(self.session)
        record(self.session, self.actor, "project.delete", "project", project_id, before, None)

    # Users

    def create_user(self, account_id: str, document: Mapping[str, Any]) -> Representation:
        """Create an IAM user."""
        self._account(account_id, "CreateUser")
        fields.reject_unknown(document, frozenset({"name", "password"}))
        user = service.create_user(
            self.session,
            account_id,
            fields.text(document, "name", 64, min_length=1),
            fields.text(document, "password", 128, default=None),
        )
        after = rep.user(user)
        record(self.session, self.actor, "user.create", "user", user.id, None, after)
        return after

    def list_users(self, account_id: str) -> Sequence[Representation]:
        """Return the users of an account."""
        self._account(account_id, "ListUsers")
        query = select(User).where(User.account_id == account_id).order_by(User.name)
        return [rep.user(user) for user in self.session.scalars(query)]

    def get_user(self, user_id: str) -> Representation:
        """Return one user."""
        return rep.user(self._user(user_id, "ShowUser"))

    def update_user(
        self, user_id: str, document: Mapping[str, Any], if_match: str | None
    ) -> Representation:
        """Enable or disable a user."""
        user = self._user(user_id, "UpdateUser")
        before = rep.user(user)
        check_if_match(f"User {user_id}", before, if_match)
        fields.reject_unknown(document, frozenset({"enabled"}))
        service.set_user_enabled(self.session, user_id, fields.boolean(document, "enabled"))
        after = rep.user(user)
        record(self.session, self.actor, "user.update", "user", user_id, before, after)
        return after

    def set_password(self, user_id: str, document: Mapping[str, Any]) -> None:
        """Set or reset a user's password; the audit event contains no password."""
        user = self._user(user_id, "SetUserPassword")
        fields.reject_unknown(document, frozenset({"password"}))
        service.set_password(self.session, user_id, fields.text(document, "password", 128))
        record(self.session, self.actor, "user.set_password", "user", user_id, None, rep.user(user))

    def delete_user(self, user_id: str, if_match: str | None) -> None:
        """Delete an IAM user."""
        user = self._user(user_id, "DeleteUser")
        before = rep.user(user)
        check_if_match(f"User {user_id}", before, if_match)
        service.delete_user(self.session, user_id)
        record(self.session, self.actor, "user.delete", "user", user_id, before, None)

    # Roles

    def grant_role(self, user_id: str, project_id: str, role: str) -> bool:
        """Grant a role on a project of the user's account."""
        self._user(user_id, "GrantRole")
        added = service.grant_role(self.session, user_id, project_id, role)
        if added:
            after = {"user_id": user_id, "project_id": project_id, "role": role}
            record(self.session, self.actor, "role.grant", "user", user_id, None, after)
        return added

    def revoke_role(self, user_id: str, project_id: str, role: str) -> bool:
        """Remove a role grant."""
        self._user(user_id, "RevokeRole")
        removed = service.revoke_role(self.session, user_id, project_id, role)
        if removed:
            before = {"user_id": user_id, "project_id": project_id, "role": role}
            record(self.session, self.actor, "role.revoke", "user", user_id, before, None)
        return removed

    def list_roles(self, user_id: str) -> Sequence[Representation]:
        """Return the grants of a user."""
        self._user(user_id, "ListRoles")
        query = select(Grant).where(Grant.user_id == user_id).order_by(Grant.project_id, Grant.role)
        return [rep.grant(grant) for grant in self.session.scalars(query)]

    # Access keys

    def create_access_key(self, user_id: str, document: Mapping[str, Any]) -> Representation:
        """Create an access key; the result is the only place the secret key appears."""
        self._user(user_id, "CreateAccessKey")
        fields.reject_unknown(document, frozenset({"description"}))
        assert self.box is not None, "creating access keys needs the secret box"
        created = service.create_access_key(
            self.session,
            self.box,
            user_id,
            description=fields.text(document, "description", 255, default=""),
        )
        key = service.get_access_key(self.session, created.access_key)
        after = rep.access_key(key)
        record(
            self.session, self.actor, "access_key.create", "access_key", key.access_key, None, after
        )
        return {**after, "secret_key": created.secret_key}

    def list_access_keys(self, user_id: str) -> Sequence[Representation]:
        """Return a user's access keys, without secrets."""
        self._user(user_id, "ListAccessKeys")
        query = select(AccessKey).where(AccessKey.user_id == user_id).order_by(AccessKey.created_at)
        return [rep.access_key(key) for key in self.session.scalars(query)]

    def update_access_key(
        self, access_key: str, document: Mapping[str, Any], if_match: str | None
    ) -> Representation:
        """Enable or disable an access key."""
        key = self._key(access_key, "UpdateAccessKey")
        before = rep.access_key(key)
        check_if_match(f"Access key {access_key}", before, if_match)
        fields.reject_unknown(document, frozenset({"status"}))
        status = fields.text(document, "status", 16).upper()
        service.set_key_status(self.session, access_key, status)
        after = rep.access_key(key)
        record(
            self.session, self.actor, "access_key.update", "access_key", access_key, before, after
        )
        return after

    def delete_access_key(self, access_key: str, if_match: str | None) -> None:
        """Delete an access key."""
        key = self._key(access_key, "DeleteAccessKey")
        before = rep.access_key(key)
        check_if_match(f"Access key {access_key}", before, if_match)
        service.delete_access_key(self.session, access_key)
        record(
            self.session, self.actor, "access_key.delete", "access_key", access_key, before, None
        )

    def create_temporary_credential(self, user_id: str, duration_seconds: int) -> Representation:
        """Create temporary credentials for a user: AK, SK and security token."""
        principal = self.actor.principal
        if principal is not None and principal.user_id != user_id:
            self._user(user_id, "CreateTemporaryCredential")
        assert self.box is not None, "creating access keys needs the secret box"
        credential = service.create_temporary_key(
            self.session, self.box, user_id, timedelta(seconds=duration_seconds)
        )
        after = {
            "access": credential.access_key,
            "expires_at": rep.timestamp(credential.expires_at),
        }
        record(
            self.session,
            self.actor,
            "temporary_credential.create",
            "access_key",
            credential.access_key,
            None,
            after,
        )
        return {
            "access": credential.access_key,
            "secret": credential.secret_key,
            "securitytoken": credential.security_token,
            "expires_at": rep.timestamp(credential.expires_at),
        }

    # Tokens

    def revoke_token(self, token: str) -> bool:
        """Revoke a token: the caller's own, or any token of an account the caller administers."""
        token_hash = hash_token(token)
        stored = self.session.get(Token, token_hash)
        if stored is None:
            return False
        principal = self.actor.principal
        if principal is not None and principal.user_id != stored.user_id:
            self._user(stored.user_id, "RevokeToken")
        revoked = service.revoke_token(self.session, token_hash)
        if revoked:
            record(
                self.session,
                self.actor,
                "token.revoke",
                "user",
                stored.user_id,
                None,
                {"token": "revoked"},
            )
        return revoked

    def revoke_user_tokens(self, user_id: str) -> int:
        """Revoke every live token of a user."""
        self._user(user_id, "RevokeTokens")
        count = service.revoke_user_tokens(self.session, user_id)
        if count:
            record(
                self.session,
                self.actor,
                "token.revoke_all",
                "user",
                user_id,
                None,
                {"revoked": count},
            )
        return count

    # Lookups with permission checks

    def _account(self, account_id: str, operation: str) -> Account:
        account = self.session.get(Account, account_id)
        if account is None:
            raise NotFound(account_id)
        require_account(self.actor.principal, account.id, operation)
        return account

    def _project(self, project_id: str, operation: str) -> Project:
        project = self.session.get(Project, project_id)
        if project is None:
            raise NotFound(project_id)
        require_account(self.actor.principal, project.account_id, operation)
        return project

    def _user(self, user_id: str, operation: str) -> User:
        user = self.session.get(User, user_id)
        if user is None:
            raise NotFound(user_id)
        require_account(self.actor.principal, user.account_id, operation)
        return user

    def _key(self, access_key: str, operation: str) -> AccessKey:
        key = service.get_access_key(self.session, access_key)
        user = self.session.get(User, key.user_id)
        if user is None:
            raise NotFound(access_key)
        require_account(self.actor.principal, user.account_id, operation)
        return key
