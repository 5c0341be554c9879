"""Seed a demo account, project, user, access key and catalog on first start.

The credentials come from LITEIMAGES_DEMO_* variables when set, so scripts and
CI jobs know them in advance, and are generated at random otherwise.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.catalog import demo as catalog_demo
from liteimages.catalog.service import add_flavor, add_image, link_flavor
from liteimages.db.engine import Database
from liteimages.identity import service as identity
from liteimages.identity.models import AccessKey, Account, Project, User
from liteimages.identity.secretbox import SecretBox

DEFAULT_DOMAIN = "liteimages-demo"
DEFAULT_USER = "demo-user"
DEFAULT_REGION = "cn-north-4"


@dataclass(frozen=True)
class DemoCredentials:
    """The credentials a demo user needs to call the API.

    `password` is None once only its hash is stored.
    """

    access_key: str
    secret_key: str
    project_id: str
    project_name: str
    domain: str
    user: str
    password: str | None
    created: bool


def seed_demo(database: Database, box: SecretBox, env: Mapping[str, str]) -> DemoCredentials:
    """Create the demo data unless its account exists; return the demo credentials."""
    domain = env.get("LITEIMAGES_DEMO_DOMAIN") or DEFAULT_DOMAIN
    with database.write() as session:
        account = session.scalar(select(Account).where(Account.name == domain))
        if account is None:
            return _create(session, box, env, domain)
        return _existing(session, box, env, account)


def _create(
    session: Session, box: SecretBox, env: Mapping[str, str], domain: str
) -> DemoCredentials:
    password = env.get("LITEIMAGES_DEMO_PASSWORD") or secrets.token_urlsafe(12)
    user_name = env.get("LITEIMAGES_DEMO_USER") or DEFAULT_USER
    # A system account, so that the demo user can also manage public images and flavors.
    account = identity.create_account(session, domain, is_system=True)
    project = identity.create_project(
        session, account.id, DEFAULT_REGION, env.get("LITEIMAGES_DEMO_PROJECT_ID") or None
    )
    user = identity.create_user(session, account.id, user_name, password)
    identity.grant_role(session, user.id, project.id, "admin")
    key = identity.create_access_key(
        session,
        box,
        user.id,
        access_key=env.get("LITEIMAGES_DEMO_AK") or None,
        secret_key=env.get("LITEIMAGES_DEMO_SK") or None,
        description="demo",
    )
    _seed_catalog(session, project.id)
    return DemoCredentials(
        access_key=key.access_key,
        secret_key=key.secret_key,
        project_id=project.id,
        project_name=project.name,
        domain=domain,
        user=user_name,
        password=password,
        created=True,
    )


def _existing(
    session: Session, box: SecretBox, env: Mapping[str, str], account: Account
) -> DemoCredentials:
    user = session.scalar(
        select(User)
        .where(User.account_id == account.id, User.is_root.is_(False))
        .order_by(User.created_at)
    )
    project = session.scalar(select(Project).where(Project.account_id == account.id))
    key = session.scalar(select(AccessKey).where(AccessKey.user_id == user.id)) if user else None
    if user is None or project is None or key is None:
        raise RuntimeError(f"demo account {account.name!r} exists but is incomplete")
    return DemoCredentials(
        access_key=key.access_key,
        secret_key=box.decrypt(key.secret_ciphertext),
        project_id=project.id,
        project_name=project.name,
        domain=account.name,
        user=user.name,
        password=env.get("LITEIMAGES_DEMO_PASSWORD") or None,
        created=False,
    )


def _seed_catalog(session: Session, project_id: str) -> None:
    for flavor in catalog_demo.flavor_specs():
        add_flavor(session, flavor)
    for spec, flavors in catalog_demo.image_specs(project_id):
        image = add_image(session, spec)
        for flavor_name in flavors:
            link_flavor(session, image.id, flavor_name)
