"""Request authentication end to end: real database, real signatures, real tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from liteimages.config import Settings
from liteimages.db.engine import Database
from liteimages.identity import service
from liteimages.identity.authenticator import Authenticator
from liteimages.identity.cache import CredentialCache
from liteimages.identity.errors import (
    AccessKeyLocked,
    AuthenticationError,
    SignatureMismatch,
    TokenExpired,
)
from liteimages.identity.lockout import Lockout
from liteimages.identity.models import KEY_INACTIVE, AccessKey, Token
from liteimages.identity.principal import MAX_KEPT_CALLERS, Caller
from liteimages.identity.secretbox import SecretBox, generate_key
from liteimages.identity.tokens import PasswordLogin, hash_token, issue_token
from liteimages.runtime import Runtime
from liteimages.signing import ReceivedRequest, SignableRequest, format_sdk_date, sign

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse"
PREFIX = "Incorrect IAM authentication information: "


@dataclass(frozen=True)
class World:
    """An account with one project, a user with a password and an access key, and a token."""

    database: Database
    key: bytes
    account_id: str
    project_id: str
    user_id: str
    access_key: str
    secret_key: str
    token: str

    @property
    def box(self) -> SecretBox:
        return SecretBox(self.key)

    @property
    def path(self) -> str:
        return f"/v1/{self.project_id}/dev-servers/images"


@pytest.fixture(scope="module")
def world(migrated_database: Database) -> World:
    """Create the identities once per module, because each password hash costs about 0.2 s."""
    key = generate_key()
    with migrated_database.write() as session:
        account = service.create_account(session, "acme")
        project = service.create_project(session, account.id, "cn-north-4")
        user = service.create_user(session, account.id, "alice", PASSWORD)
        service.grant_role(session, user.id, project.id, "viewer")
        access = service.create_access_key(session, SecretBox(key), user.id)
    login = PasswordLogin("alice", PASSWORD, "acme", None, None, project.id)
    with migrated_database.write() as session:
        token = issue_token(session, login).value
    return World(
        migrated_database,
        key,
        account.id,
        project.id,
        user.id,
        access.access_key,
        access.secret_key,
        token,
    )


class Clock:
    """A wall clock the test sets by hand."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def lockout_clock() -> list[float]:
    return [0.0]


@pytest.fixture
def authenticator(world: World, clock: Clock, lockout_clock: list[float]) -> Authenticator:
    cache = CredentialCache(world.database, world.box)
    return Authenticator(cache, Lockout(clock=lambda: lockout_clock[0]), clock=clock)


def signed(
    world: World,
    *,
    access_key: str | None = None,
    secret_key: str | None = None,
    at: datetime | None = None,
    query: str = "limit=2&offset=0",
    headers: dict[str, str] | None = None,
) -> SignableRequest:
    """Return a GET of the image list signed like the SDK signs it."""
    sent = {
        "host": "127.0.0.1:8080",
        "content-type": "application/json",
        "x-project-id": world.project_id,
        **(headers or {}),
    }
    request = SignableRequest("GET", world.path, query, sent)
    added = sign(
        request,
        access_key or world.access_key,
        secret_key or world.secret_key,
        now=at or datetime.now(UTC),
    )
    return replace(request, headers={**sent, **{k.lower(): v for k, v in added.items()}})


def with_headers(request: SignableRequest, **headers: str) -> SignableRequest:
    return replace(request, headers={**request.headers, **headers})


def token_request(token: str) -> SignableRequest:
    return SignableRequest("GET", "/v1/p/dev-servers/images", "", {"x-auth-token": token})


async def authenticate(authenticator: Authenticator, request: SignableRequest) -> Caller:
    """Authenticate `request` as a server receives it: header values as UTF-8 bytes."""
    return await authenticator.authenticate(ReceivedRequest.of(request))


async def rejected(authenticator: Authenticator, request: SignableRequest) -> str:
    with pytest.raises(AuthenticationError) as caught:
        await authenticate(authenticator, request)
    assert caught.value.error_code == "APIGW.0301"
    assert caught.value.message.startswith(PREFIX)
    return caught.value.detail


def new_user_key(world: World) -> tuple[str, str, str]:
    """Create a user without a grant and an access key for it, and return user id, AK and SK."""
    with world.database.write() as session:
        user = service.create_user(session, world.account_id, f"u{secrets.token_hex(8)}", None)
        key = service.create_access_key(session, world.box, user.id)
    return user.id, key.access_key, key.secret_key


def new_key(world: World) -> tuple[str, str]:
    """Create a user and an access key for it, and return the AK and SK."""
    _, access_key, secret_key = new_user_key(world)
    return access_key, secret_key


async def test_signature_accepted(world: World, authenticator: Authenticator, clock: Clock) -> None:
    caller = await authenticate(authenticator, signed(world, at=clock.now))

    assert caller.method == "aksk"
    assert caller.access_key == world.access_key
    assert caller.project_id == world.project_id
    assert caller.principal.user_id == world.user_id
    assert caller.principal.account_projects == {world.project_id}
    assert caller.principal.roles == {world.project_id: {"viewer"}}


async def test_signature_without_project_header(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    unsigned = SignableRequest("GET", world.path, "", {"host": "127.0.0.1:8080"})
    added = sign(unsigned, world.access_key, world.secret_key, now=clock.now)
    headers = {**unsigned.headers, **{name.lower(): value for name, value in added.items()}}

    caller = await authenticate(authenticator, replace(unsigned, headers=headers))

    assert caller.project_id is None


async def test_each_project_header_gets_its_caller(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    # More distinct X-Project-Id values than one key keeps callers for.
    project_ids = [f"p{index:02d}" for index in range(MAX_KEPT_CALLERS + 4)]

    callers = [
        await authenticate(
            authenticator, signed(world, at=clock.now, headers={"x-project-id": project_id})
        )
        for project_id in [*project_ids, *project_ids]
    ]

    assert [caller.project_id for caller in callers] == [*project_ids, *project_ids]
    assert {caller.access_key for caller in callers} == {world.access_key}


async def test_unknown_access_key(world: World, authenticator: Authenticator, clock: Clock) -> None:
    request = signed(world, access_key="UNKNOWNACCESSKEY0001", at=clock.now)

    assert await rejected(authenticator, request) == "ak UNKNOWNACCESSKEY0001 not exist"


async def test_disabled_key(world: World, authenticator: Authenticator, clock: Clock) -> None:
    access_key, secret_key = new_key(world)
    with world.database.write() as session:
        service.set_key_status(session, access_key, KEY_INACTIVE)
    request = signed(world, access_key=access_key, secret_key=secret_key, at=clock.now)

    assert await rejected(authenticator, request) == f"ak {access_key} is disabled"


async def test_disabled_user(world: World, authenticator: Authenticator, clock: Clock) -> None:
    user_id, access_key, secret_key = new_user_key(world)
    with world.database.write() as session:
        service.set_user_enabled(session, user_id, False)
    request = signed(world, access_key=access_key, secret_key=secret_key, at=clock.now)

    assert await rejected(authenticator, request) == f"ak {access_key} is disabled"


async def test_wrong_secret_key(world: World, authenticator: Authenticator, clock: Clock) -> None:
    request = signed(world, secret_key="wrong-secret-key-0123456789", at=clock.now)

    with pytest.raises(SignatureMismatch) as caught:
        await authenticate(authenticator, request)

    date = format_sdk_date(clock.now)
    assert caught.value.detail == "verify aksk signature fail"
    assert caught.value.canonical_request.startswith(f"GET\n{world.path}/\nlimit=2&offset=0\n")
    assert caught.value.string_to_sign.startswith(f"SDK-HMAC-SHA256\n{date}\n")


@pytest.mark.parametrize(
    "tamper",
    [
        {"x-project-id": "another-project"},
        {"content-type": "text/plain"},
        {"host": "127.0.0.1:9090"},
    ],
)
async def test_tampered_header_fails(
    world: World, authenticator: Authenticator, clock: Clock, tamper: dict[str, str]
) -> None:
    request = with_headers(signed(world, at=clock.now), **tamper)

    with pytest.raises(SignatureMismatch):
        await authenticate(authenticator, request)


async def test_tampered_query_fails(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    request = replace(signed(world, at=clock.now), raw_query="limit=3&offset=0")

    with pytest.raises(SignatureMismatch):
        await authenticate(authenticator, request)


async def test_unsigned_extra_header_ignored(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    request = with_headers(signed(world, at=clock.now), **{"user-agent": "late"})

    caller = await authenticate(authenticator, request)

    assert caller.method == "aksk"


@pytest.mark.parametrize("skew", [timedelta(minutes=-15), timedelta(minutes=15), timedelta(0)])
async def test_date_inside_window(
    world: World, authenticator: Authenticator, clock: Clock, skew: timedelta
) -> None:
    caller = await authenticate(authenticator, signed(world, at=clock.now + skew))

    assert caller.method == "aksk"


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=-15, seconds=-1), timedelta(minutes=15, seconds=1)]
)
async def test_date_outside_window(
    world: World, authenticator: Authenticator, clock: Clock, skew: timedelta
) -> None:
    signed_at = clock.now + skew

    detail = await rejected(authenticator, signed(world, at=signed_at))

    assert detail == (
        f"signature expired, signature time:{format_sdk_date(signed_at)},"
        f"server time:{format_sdk_date(clock.now)}"
    )


@pytest.mark.parametrize("date", ["", "2024-03-01T12:00:00Z", "20240230T120000Z"])
async def test_malformed_date(
    world: World, authenticator: Authenticator, clock: Clock, date: str
) -> None:
    request = with_headers(signed(world, at=clock.now), **{"x-sdk-date": date})

    detail = await rejected(authenticator, request)

    assert "is missing or not in the form YYYYMMDDTHHMMSSZ" in detail


async def test_missing_signed_header(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    request = signed(world, at=clock.now)
    headers = {name: value for name, value in request.headers.items() if name != "x-project-id"}

    detail = await rejected(authenticator, replace(request, headers=headers))

    assert detail == "header 'x-project-id' is listed in SignedHeaders but missing from the request"


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        ("", "invalid Authorization header: the value is empty"),
        ("Basic dXNlcjpwYXNz", "invalid Authorization header: expected it to start with"),
        ("SDK-HMAC-SHA256 Access=AK", "invalid Authorization header: missing or empty field"),
        ("SDK-HMAC-SM3 Access=AK, SignedHeaders=host, Signature=00", "unsupported signing"),
    ],
)
async def test_malformed_authorization(
    authenticator: Authenticator, authorization: str, expected: str
) -> None:
    request = SignableRequest("GET", "/", "", {"authorization": authorization})

    detail = await rejected(authenticator, request)

    assert detail.startswith(expected)


@pytest.mark.parametrize("headers", [{}, {"x-auth-token": ""}])
async def test_no_credentials(authenticator: Authenticator, headers: dict[str, str]) -> None:
    request = SignableRequest("GET", "/", "", headers)

    assert await rejected(authenticator, request) == "x-auth-token not found"


async def test_signature_preferred_over_token(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    request = with_headers(signed(world, at=clock.now), **{"x-auth-token": "garbage"})

    caller = await authenticate(authenticator, request)

    assert caller.method == "aksk"


async def test_token_accepted(world: World, authenticator: Authenticator) -> None:
    caller = await authenticate(authenticator, token_request(world.token))

    assert caller.method == "token"
    assert caller.project_id == world.project_id
    assert caller.access_key is None
    assert caller.principal.user_name == "alice"


@pytest.mark.parametrize("token", ["unknown-token", "x" * 16_385, "名称"])
async def test_unknown_token(authenticator: Authenticator, token: str) -> None:
    assert await rejected(authenticator, token_request(token)) == "decrypt token fail"


@pytest.mark.parametrize("after", [timedelta(hours=24), timedelta(hours=24, seconds=1)])
async def test_expired_token(
    world: World, authenticator: Authenticator, clock: Clock, after: timedelta
) -> None:
    with world.database.read() as session:
        stored = session.get(Token, hash_token(world.token))
    assert stored is not None
    clock.now = stored.issued_at + after

    with pytest.raises(TokenExpired) as caught:
        await authenticate(authenticator, token_request(world.token))

    assert caught.value.error_code == "APIGW.0307"
    assert caught.value.message == "The token must be updated"


def insert_token(world: World, user_id: str, value: str) -> None:
    """Store a token row for a user who has no password."""
    now = datetime.now(UTC)
    with world.database.write() as session:
        session.add(
            Token(
                token_hash=hash_token(value),
                user_id=user_id,
                project_id=world.project_id,
                issued_at=now,
                expires_at=now + timedelta(hours=24),
            )
        )


async def test_revoked_token(world: World, authenticator: Authenticator) -> None:
    user_id, _, _ = new_user_key(world)
    insert_token(world, user_id, "token-to-revoke")
    with world.database.write() as session:
        assert service.revoke_token(session, hash_token("token-to-revoke"))

    assert await rejected(authenticator, token_request("token-to-revoke")) == "decrypt token fail"


async def test_token_of_disabled_user(world: World, authenticator: Authenticator) -> None:
    user_id, _, _ = new_user_key(world)
    insert_token(world, user_id, "token-of-disabled-user")
    with world.database.write() as session:
        service.set_user_enabled(session, user_id, False)

    detail = await rejected(authenticator, token_request("token-of-disabled-user"))

    assert detail == "the user is disabled"


@dataclass(frozen=True)
class Temporary:
    access_key: str
    secret_key: str
    security_token: str
    expires_at: datetime


@pytest.fixture
def temporary(world: World) -> Temporary:
    with world.database.write() as session:
        credential = service.create_temporary_key(
            session, world.box, world.user_id, timedelta(hours=1)
        )
    return Temporary(
        credential.access_key,
        credential.secret_key,
        credential.security_token,
        credential.expires_at,
    )


def signed_temporary(
    world: World, temporary: Temporary, at: datetime, security_token: str | None
) -> SignableRequest:
    headers = {} if security_token is None else {"x-security-token": security_token}
    return signed(
        world,
        access_key=temporary.access_key,
        secret_key=temporary.secret_key,
        at=at,
        headers=headers,
    )


async def test_temporary_key_accepted(
    world: World, authenticator: Authenticator, clock: Clock, temporary: Temporary
) -> None:
    request = signed_temporary(world, temporary, clock.now, temporary.security_token)

    caller = await authenticate(authenticator, request)

    assert caller.access_key == temporary.access_key


async def test_temporary_key_needs_token(
    world: World, authenticator: Authenticator, clock: Clock, temporary: Temporary
) -> None:
    request = signed_temporary(world, temporary, clock.now, None)

    detail = await rejected(authenticator, request)

    assert detail == "a temporary access key needs a signed x-security-token header"


async def test_temporary_key_token_must_be_signed(
    world: World, authenticator: Authenticator, clock: Clock, temporary: Temporary
) -> None:
    request = signed_temporary(world, temporary, clock.now, None)
    request = with_headers(request, **{"x-security-token": temporary.security_token})

    detail = await rejected(authenticator, request)

    assert detail == "a temporary access key needs a signed x-security-token header"


async def test_temporary_key_token_must_match(
    world: World, authenticator: Authenticator, clock: Clock, temporary: Temporary
) -> None:
    request = signed_temporary(world, temporary, clock.now, temporary.security_token + "x")

    detail = await rejected(authenticator, request)

    assert detail == "security token does not match the temporary access key"


async def test_temporary_key_expires(
    world: World, authenticator: Authenticator, clock: Clock, temporary: Temporary
) -> None:
    clock.now = temporary.expires_at + timedelta(seconds=1)
    request = signed_temporary(world, temporary, clock.now, temporary.security_token)

    with pytest.raises(TokenExpired):
        await authenticate(authenticator, request)


async def test_lockout_after_five_failures(
    world: World, authenticator: Authenticator, clock: Clock, lockout_clock: list[float]
) -> None:
    access_key, secret_key = new_key(world)
    wrong = signed(world, access_key=access_key, secret_key="w" * 40, at=clock.now)
    right = signed(world, access_key=access_key, secret_key=secret_key, at=clock.now)
    for _ in range(5):
        with pytest.raises(SignatureMismatch):
            await authenticate(authenticator, wrong)

    with pytest.raises(AccessKeyLocked) as caught:
        await authenticate(authenticator, right)
    assert caught.value.retry_after_seconds == 300

    lockout_clock[0] += 300
    caller = await authenticate(authenticator, right)
    assert caller.access_key == access_key


async def test_success_resets_failures(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    access_key, secret_key = new_key(world)
    wrong = signed(world, access_key=access_key, secret_key="w" * 40, at=clock.now)
    right = signed(world, access_key=access_key, secret_key=secret_key, at=clock.now)
    for _ in range(4):
        with pytest.raises(SignatureMismatch):
            await authenticate(authenticator, wrong)
    await authenticate(authenticator, right)
    for _ in range(4):
        with pytest.raises(SignatureMismatch):
            await authenticate(authenticator, wrong)

    caller = await authenticate(authenticator, right)

    assert caller.access_key == access_key


async def test_expired_date_not_counted_as_failure(
    world: World, authenticator: Authenticator, clock: Clock
) -> None:
    access_key, secret_key = new_key(world)
    stale = signed(
        world, access_key=access_key, secret_key=secret_key, at=clock.now - timedelta(hours=1)
    )
    for _ in range(6):
        await rejected(authenticator, stale)

    caller = await authenticate(
        authenticator, signed(world, access_key=access_key, secret_key=secret_key, at=clock.now)
    )

    assert caller.access_key == access_key


@pytest.fixture
def runtime(world: World) -> Iterator[Runtime]:
    settings = Settings(database_url=world.database.url, secret_key=world.key.decode("ascii"))
    runtime = Runtime(settings)
    runtime.load()
    yield runtime
    runtime.close()


async def authenticate_now(runtime: Runtime, access_key: str, secret_key: str) -> Caller:
    unsigned = SignableRequest("GET", "/v1/p/dev-servers/images", "", {"host": "h"})
    added = sign(unsigned, access_key, secret_key)
    headers = {**unsigned.headers, **{name.lower(): value for name, value in added.items()}}
    return await authenticate(runtime.authenticator, replace(unsigned, headers=headers))


async def test_cache_kept_until_refresh(world: World, runtime: Runtime) -> None:
    access_key, secret_key = new_key(world)
    await authenticate_now(runtime, access_key, secret_key)
    with world.database.write() as session:
        service.set_key_status(session, access_key, KEY_INACTIVE)

    cached = await authenticate_now(runtime, access_key, secret_key)
    await runtime.refresh()

    assert cached.access_key == access_key
    with pytest.raises(AuthenticationError) as caught:
        await authenticate_now(runtime, access_key, secret_key)
    assert caught.value.detail == f"ak {access_key} is disabled"


async def test_refresh_loads_new_grants(world: World, runtime: Runtime) -> None:
    user_id, access_key, secret_key = new_user_key(world)
    before = await authenticate_now(runtime, access_key, secret_key)
    with world.database.write() as session:
        service.grant_role(session, user_id, world.project_id, "member")

    await runtime.refresh()
    after = await authenticate_now(runtime, access_key, secret_key)

    assert not before.principal.may_read_catalog(world.project_id)
    assert after.principal.may_read_catalog(world.project_id)


async def test_refresh_without_change_keeps_cache(world: World, runtime: Runtime) -> None:
    access_key, secret_key = new_key(world)
    await runtime.refresh()
    await authenticate_now(runtime, access_key, secret_key)
    with world.database.write() as session:
        # A row change without a revision bump stays invisible to the cache.
        session.execute(
            update(AccessKey).where(AccessKey.access_key == access_key).values(status=KEY_INACTIVE)
        )

    await runtime.refresh()
    caller = await authenticate_now(runtime, access_key, secret_key)

    assert caller.access_key == access_key


async def test_cache_bound_keeps_results(world: World) -> None:
    cache = CredentialCache(world.database, world.box, max_entries=2)
    keys = [new_key(world) for _ in range(3)]
    names = [access_key for access_key, _ in keys] + ["MISSINGACCESSKEY0001"]

    for _ in range(2):
        found = [await cache.key(name) for name in names]

        assert [key.secret_key if key else None for key in found] == [
            *[secret_key for _, secret_key in keys],
            None,
        ]
