"""An in-process application over a seeded database, driven through httpx's ASGI transport."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from liteimages.catalog import service as catalog
from liteimages.catalog.enums import Arch, ImageStatus, ServerType, Visibility
from liteimages.catalog.service import FlavorSpec, ImageSpec
from liteimages.config import Settings
from liteimages.db.engine import Database
from liteimages.db.migrate import upgrade
from liteimages.identity import service as identity
from liteimages.identity.models import Token
from liteimages.identity.secretbox import SecretBox, generate_key
from liteimages.identity.tokens import TOKEN_LIFETIME, hash_token
from liteimages.signing import SignableRequest, sign
from liteimages.web.app import LiteImagesApp, create_app

BASE_URL = "http://127.0.0.1:8080"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
OTHER_PROJECT_ID = "fedcba9876543210fedcba9876543210"
PASSWORD = "correct horse"
PUBLIC_IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
PRIVATE_IMAGE_ID = "83f4aa72-53ec-4806-85b5-3f84082ba964"


@dataclass(frozen=True)
class Seeded:
    """The application and the credentials its database holds."""

    app: LiteImagesApp
    database: Database
    secret_key: str
    access_key: str
    access_secret: str
    token: str
    ungranted_token: str
    other_project_token: str
    project_id: str = PROJECT_ID
    other_project_id: str = OTHER_PROJECT_ID
    public_image_id: str = PUBLIC_IMAGE_ID
    private_image_id: str = PRIVATE_IMAGE_ID

    def new_key(self, user: str) -> tuple[str, str]:
        """Create an access key for a user of account acme and return its AK and SK."""
        box = SecretBox(self.secret_key.encode("ascii"))
        with self.database.write() as session:
            account = identity.find_account(session, "acme")
            user_id = identity.find_user(session, account.id, user).id
            key = identity.create_access_key(session, box, user_id)
        return key.access_key, key.secret_key

    @property
    def images_path(self) -> str:
        return f"/v1/{self.project_id}/dev-servers/images"

    def signed(
        self,
        method: str,
        path: str,
        query: str = "",
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        project_header: bool = True,
    ) -> dict[str, str]:
        """Return the headers of a request signed like the SDK signs it, by default by alice."""
        sent = {"host": BASE_URL.removeprefix("http://"), "content-type": "application/json"}
        if project_header:
            sent["x-project-id"] = self.project_id
        sent.update(headers or {})
        request = SignableRequest(method, path, query, sent, body)
        added = sign(request, access_key or self.access_key, secret_key or self.access_secret)
        return {**sent, **added}


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Run the async tests on asyncio, the event loop uvicorn serves liteimages on."""
    return "asyncio"


def seed(database: Database, box: SecretBox) -> tuple[str, str]:
    """Create identities and a small catalog, and return the AK and SK of user alice."""
    with database.write() as session:
        account = identity.create_account(session, "acme")
        identity.create_project(session, account.id, "cn-north-4", PROJECT_ID)
        identity.create_project(session, account.id, "cn-south-1", OTHER_PROJECT_ID)
        other = identity.create_account(session, "other")
        identity.create_project(session, other.id, "cn-north-4")
        alice = identity.create_user(session, account.id, "alice", PASSWORD)
        identity.grant_role(session, alice.id, PROJECT_ID, "viewer")
        identity.grant_role(session, alice.id, OTHER_PROJECT_ID, "viewer")
        identity.create_user(session, account.id, "bob", None)
        key = identity.create_access_key(session, box, alice.id)
        catalog.add_flavor(session, FlavorSpec("c7.4xlarge.2", Arch.X86, ServerType.ECS))
        catalog.add_flavor(session, FlavorSpec("kc2.4xlarge.4", Arch.ARM, ServerType.ECS))
        catalog.add_image(
            session, ImageSpec("Euler-arm", Arch.ARM, ServerType.ECS, id=PUBLIC_IMAGE_ID)
        )
        catalog.link_flavor(session, PUBLIC_IMAGE_ID, "kc2.4xlarge.4")
        for index in range(30):
            status = ImageStatus.ACTIVE if index % 3 else ImageStatus.INACTIVE
            image = catalog.add_image(
                session, ImageSpec(f"Ubuntu-x86-{index:02d}", Arch.X86, ServerType.ECS, status)
            )
            catalog.link_flavor(session, image.id, "c7.4xlarge.2")
        catalog.add_image(
            session,
            ImageSpec(
                "private-to-other-project",
                Arch.ARM,
                ServerType.BMS,
                visibility=Visibility.PRIVATE,
                owner_project_id=OTHER_PROJECT_ID,
                id=PRIVATE_IMAGE_ID,
            ),
        )
    return key.access_key, key.secret_key


def stored_token(database: Database, user: str, project_id: str) -> str:
    """Store a token for `user` as the token call does, without the password check.

    Each password check costs about 0.2 s; POST /v3/auth/tokens has tests of its own.
    """
    value = secrets.token_urlsafe(48)
    now = datetime.now(UTC)
    with database.write() as session:
        account = identity.find_account(session, "acme")
        session.add(
            Token(
                token_hash=hash_token(value),
                user_id=identity.find_user(session, account.id, user).id,
                project_id=project_id,
                issued_at=now,
                expires_at=now + TOKEN_LIFETIME,
            )
        )
    return value


@pytest.fixture(scope="module")
def seeded(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    """Yield an application whose catalog view is loaded, shared by one test module.

    asgi-lifespan is not installed, so the fixture loads the view itself instead of
    running the application's lifespan.
    """
    database = Database(module_database_url)
    upgrade(database.engine)
    secret_key = generate_key().decode("ascii")
    access_key, access_secret = seed(database, SecretBox(secret_key.encode("ascii")))
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        database_url=module_database_url,
        secret_key=secret_key,
    )
    app = create_app(settings)
    app.runtime.load()
    yield Seeded(
        app=app,
        database=database,
        secret_key=secret_key,
        access_key=access_key,
        access_secret=access_secret,
        token=stored_token(database, "alice", PROJECT_ID),
        ungranted_token=stored_token(database, "bob", PROJECT_ID),
        other_project_token=stored_token(database, "alice", OTHER_PROJECT_ID),
    )
    app.runtime.close()
    database.dispose()


@asynccontextmanager
async def client(app: LiteImagesApp) -> AsyncIterator[httpx.AsyncClient]:
    """Yield an httpx client that calls `app` in process and receives server errors as 500."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
        yield http


@pytest.fixture
async def http(seeded: Seeded) -> AsyncIterator[httpx.AsyncClient]:
    """Yield a client of the module's application."""
    async with client(seeded.app) as http:
        yield http
