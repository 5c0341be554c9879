"""The admin operations run by the administration core on a database opened directly."""

from __future__ import annotations

from sqlalchemy.orm import Session

from liteimages.admin import images as image_admin
from liteimages.admin import representations as rep
from liteimages.admin.audit_log import list_audit
from liteimages.admin.flavors import FlavorAdmin
from liteimages.admin.identities import IdentityAdmin
from liteimages.admin.images import ImageAdmin
from liteimages.admin.lockouts import LockoutAdmin, LockoutFilter
from liteimages.audit.trail import Actor, AuditFilter
from liteimages.cli.backends import AuditQuery, Backend, LockoutQuery, Record, Versioned
from liteimages.cli.context import open_box
from liteimages.config import Settings
from liteimages.identity import service as identity
from liteimages.identity.credentials import check_secret_box
from liteimages.identity.lockout import LockoutKind


def _versioned(record: Record) -> Versioned:
    return Versioned(record, rep.etag(record))


class LocalBackend(Backend):
    """Every call runs in the caller's write session, as `Actor.operator()`."""

    def __init__(self, session: Session, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.actor = Actor.operator()
        self.images = ImageAdmin(session, self.actor)
        self.flavors = FlavorAdmin(session, self.actor)
        self.identities = IdentityAdmin(session, self.actor)
        self.lockouts = LockoutAdmin(session, self.actor)

    # Images

    def create_image(self, document: Record) -> Record:
        return self.images.create(document)

    def list_images(self, owner_project_id: str | None) -> list[Record]:
        found = image_admin.list_images(self.session, self.actor, owner_project_id)
        return [self.images.represent(image) for image in found]

    def get_image(self, image_id: str) -> Versioned:
        return _versioned(self.images.get(image_id))

    def update_image(self, image_id: str, changes: Record, if_match: str | None) -> Record:
        return self.images.update(image_id, changes, if_match)

    def delete_image(self, image_id: str, if_match: str | None) -> None:
        self.images.delete(image_id, if_match)

    def link_flavor(self, image_id: str, flavor_name: str) -> bool | None:
        return self.images.link(image_id, flavor_name)

    def unlink_flavor(self, image_id: str, flavor_name: str) -> bool | None:
        return self.images.unlink(image_id, flavor_name)

    def share_image(self, image_id: str, project_id: str) -> bool | None:
        return self.images.share(image_id, project_id)

    def unshare_image(self, image_id: str, project_id: str) -> bool | None:
        return self.images.unshare(image_id, project_id)

    # Flavors

    def create_flavor(self, document: Record) -> Record:
        return self.flavors.create(document)

    def list_flavors(self) -> list[Record]:
        return list(self.flavors.list())

    def get_flavor(self, name: str) -> Versioned:
        return _versioned(self.flavors.get(name))

    def update_flavor(self, name: str, changes: Record, if_match: str | None) -> Record:
        return self.flavors.update(name, changes, if_match)

    def delete_flavor(self, name: str, if_match: str | None) -> None:
        self.flavors.delete(name, if_match)

    # Accounts and projects

    def create_account(self, document: Record) -> Record:
        return self.identities.create_account(document)

    def list_accounts(self) -> list[Record]:
        return list(self.identities.list_accounts())

    def get_account(self, account_id: str) -> Versioned:
        return _versioned(self.identities.get_account(account_id))

    def delete_account(self, account_id: str, if_match: str | None) -> None:
        self.identities.delete_account(account_id, if_match)

    def find_account(self, name_or_id: str) -> Record:
        return rep.account(identity.find_account(self.session, name_or_id))

    def create_project(self, account_id: str, document: Record) -> Record:
        return self.identities.create_project(account_id, document)

    def list_projects(self, account_id: str) -> list[Record]:
        return list(self.identities.list_projects(account_id))

    def delete_project(self, project_id: str, if_match: str | None) -> None:
        self.identities.delete_project(project_id, if_match)

    def find_project(self, account_id: str, name_or_id: str) -> Record:
        return rep.project(identity.find_project(self.session, account_id, name_or_id))

    # Users and roles

    def create_user(self, account_id: str, document: Record) -> Record:
        return self.identities.create_user(account_id, document)

    def list_users(self, account_id: str) -> list[Record]:
        return list(self.identities.list_users(account_id))

    def get_user(self, user_id: str) -> Versioned:
        return _versioned(self.identities.get_user(user_id))

    def update_user(self, user_id: str, changes: Record, if_match: str | None) -> Record:
        return self.identities.update_user(user_id, changes, if_match)

    def delete_user(self, user_id: str, if_match: str | None) -> None:
        self.identities.delete_user(user_id, if_match)

    def set_password(self, user_id: str, password: str) -> None:
        self.identities.set_password(user_id, {"password": password})

    def find_user(self, account_id: str, name_or_id: str) -> Record:
        return rep.user(identity.find_user(self.session, account_id, name_or_id))

    def list_roles(self, user_id: str) -> list[Record]:
        return list(self.identities.list_roles(user_id))

    def grant_role(self, user_id: str, project_id: str, role: str) -> bool | None:
        return self.identities.grant_role(user_id, project_id, role)

    def revoke_role(self, user_id: str, project_id: str, role: str) -> bool | None:
        return self.identities.revoke_role(user_id, project_id, role)

    # Access keys and tokens

    def create_access_key(self, user_id: str, document: Record) -> Record:
        box = open_box(self.settings)
        # A key encrypted with another key than the server's would never verify.
        check_secret_box(self.session, box)
        return IdentityAdmin(self.session, self.actor, box).create_access_key(user_id, document)

    def list_access_keys(self, user_id: str) -> list[Record]:
        return list(self.identities.list_access_keys(user_id))

    def update_access_key(self, access_key: str, changes: Record, if_match: str | None) -> Record:
        return self.identities.update_access_key(access_key, changes, if_match)

    def delete_access_key(self, access_key: str, if_match: str | None) -> None:
        self.identities.delete_access_key(access_key, if_match)

    def revoke_user_tokens(self, user_id: str) -> int:
        return self.identities.revoke_user_tokens(user_id)

    def revoke_token(self, token: str) -> bool:
        return self.identities.revoke_token(token)

    # Lockouts

    def list_lockouts(self, query: LockoutQuery) -> list[Record]:
        kind = LockoutKind(query.kind) if query.kind is not None else None
        where = LockoutFilter(kind, query.account_id, query.locked, query.limit, query.offset)
        return list(self.lockouts.list(where))

    def clear_access_key_lockout(self, access_key: str) -> int:
        return self.lockouts.clear_access_key(access_key)

    def clear_user_lockout(self, user_id: str) -> int:
        return self.lockouts.clear_user(user_id)

    def clear_lockouts(self, kind: str | None, account_id: str | None) -> int:
        return self.lockouts.clear_all(LockoutKind(kind) if kind is not None else None, account_id)

    # Audit

    def list_audit(self, query: AuditQuery) -> list[Record]:
        where = AuditFilter(
            since=query.since,
            until=query.until,
            actor=query.actor,
            resource_type=query.resource_type,
            resource_id=query.resource_id,
            action=query.action,
            limit=query.limit,
            offset=query.offset,
        )
        return list(list_audit(self.session, self.actor, where))
