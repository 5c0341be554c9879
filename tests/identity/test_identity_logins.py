"""Password logins with the user lockout and the address limit, against SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from liteimages.db.base import utcnow
from liteimages.db.engine import Database
from liteimages.identity import logins as logins_module
from liteimages.identity import service
from liteimages.identity.errors import IamError, UserLocked
from liteimages.identity.lockout import Lockout, LockoutRecord, LockoutStore, user_key
from liteimages.identity.logins import PasswordLogins
from liteimages.identity.throttle import AddressThrottle, RateLimit, Throttled
from liteimages.identity.tokens import PasswordLogin

pytestmark = pytest.mark.anyio

PASSWORD = "correct horse"
WRONG = "wrong horse"
ADDRESS = "192.0.2.10"


@dataclass(frozen=True)
class Setup:
    account: str
    user_id: str
    login: PasswordLogin


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def setup(migrated_database: Database) -> Setup:
    """Create one account with a user, once per module because hashing is slow."""
    account = "acme-" + secrets.token_hex(4)
    with migrated_database.write() as session:
        created = service.create_account(session, account)
        project = service.create_project(session, created.id, "cn-north-4")
        user = service.create_user(session, created.id, "alice", PASSWORD)
        service.grant_role(session, user.id, project.id, "viewer")
        user_id = user.id
    login = PasswordLogin("alice", PASSWORD, account, None, "cn-north-4", None)
    return Setup(account, user_id, login)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str | None]]:
    """Record the hash of every password check that `logins` runs."""
    seen: list[str | None] = []
    real = logins_module.verify_password

    def counting(password_hash: str | None, password: str) -> bool:
        seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(logins_module, "verify_password", counting)
    yield seen


@pytest.fixture
def fresh_user(migrated_database: Database, setup: Setup) -> Iterator[Setup]:
    """Clear the lockout row of the module's user before and after a test."""

    def clear() -> None:
        with migrated_database.write() as session:
            record = session.get(LockoutRecord, user_key(setup.user_id))
            if record is not None:
                session.delete(record)

    clear()
    yield setup
    clear()


def logins_of(
    database: Database,
    clock: Clock,
    *,
    threshold: int = 3,
    duration: float = 60.0,
    limit: RateLimit | None = None,
    store: bool = True,
) -> PasswordLogins:
    lockout = Lockout(
        threshold,
        duration,
        clock=clock,
        store=LockoutStore(database) if store else None,
        users=True,
        locked_error=UserLocked,
    )
    return PasswordLogins(database, lockout, AddressThrottle(limit, clock=clock))


async def fail(logins: PasswordLogins, login: PasswordLogin, times: int) -> None:
    for _ in range(times):
        with pytest.raises(IamError) as caught:
            await logins.issue(replace(login, password=WRONG), ADDRESS)
        assert caught.value.error_code == "IAM.0001"


async def test_login_issues_token(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    logins = logins_of(migrated_database, Clock())

    token = await logins.issue(fresh_user.login, ADDRESS)

    assert token.user.id == fresh_user.user_id
    assert token.roles == ("viewer",)
    assert len(checks) == 1


async def test_threshold_failures_lock_user(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    logins = logins_of(migrated_database, Clock(), store=False)
    await fail(logins, fresh_user.login, 3)

    with pytest.raises(UserLocked) as caught:
        await logins.issue(fresh_user.login, ADDRESS)

    assert caught.value.error_code == "APIGW.0301"
    assert caught.value.retry_after_seconds == 60
    assert caught.value.message == (
        "Incorrect IAM authentication information: user access failed to reach the limit,forbidden"
    )
    assert len(checks) == 3


async def test_locked_user_gets_no_password_check(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    logins = logins_of(migrated_database, Clock(), store=False)
    await fail(logins, fresh_user.login, 3)
    checks.clear()

    with pytest.raises(UserLocked) as right:
        await logins.issue(fresh_user.login, ADDRESS)
    with pytest.raises(UserLocked) as wrong:
        await logins.issue(replace(fresh_user.login, password=WRONG), ADDRESS)

    assert checks == []
    assert right.value.message == wrong.value.message
    assert right.value.retry_after_seconds == wrong.value.retry_after_seconds


async def test_lock_ends_after_duration(migrated_database: Database, fresh_user: Setup) -> None:
    clock = Clock()
    logins = logins_of(migrated_database, clock, store=False)
    await fail(logins, fresh_user.login, 3)
    clock.now += 60.0

    token = await logins.issue(fresh_user.login, ADDRESS)

    assert token.user.id == fresh_user.user_id


async def test_success_resets_failures(migrated_database: Database, fresh_user: Setup) -> None:
    logins = logins_of(migrated_database, Clock(), store=False)
    await fail(logins, fresh_user.login, 2)
    await logins.issue(fresh_user.login, ADDRESS)
    await fail(logins, fresh_user.login, 2)

    token = await logins.issue(fresh_user.login, ADDRESS)

    assert token.user.id == fresh_user.user_id


async def test_threshold_zero_never_locks(migrated_database: Database, fresh_user: Setup) -> None:
    logins = logins_of(migrated_database, Clock(), threshold=0)
    await fail(logins, fresh_user.login, 4)
    await logins.lockout.flush()

    token = await logins.issue(fresh_user.login, ADDRESS)

    assert token.user.id == fresh_user.user_id
    with migrated_database.read() as session:
        assert session.get(LockoutRecord, user_key(fresh_user.user_id)) is None


async def test_failures_written_to_table(migrated_database: Database, fresh_user: Setup) -> None:
    logins = logins_of(migrated_database, Clock())
    await fail(logins, fresh_user.login, 3)
    await logins.lockout.flush()

    with migrated_database.read() as session:
        record = session.get(LockoutRecord, user_key(fresh_user.user_id))
        assert record is not None
        assert record.locked_until is not None
        remaining = (record.locked_until - utcnow()).total_seconds()
    assert 55 < remaining <= 60


async def test_lock_in_table_stops_other_worker(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    with migrated_database.write() as session:
        session.add(
            LockoutRecord(
                access_key=user_key(fresh_user.user_id),
                failures=0,
                locked_until=utcnow() + timedelta(seconds=30),
            )
        )
    # A worker whose memory has not reloaded the lockouts yet.
    logins = logins_of(migrated_database, Clock())

    with pytest.raises(UserLocked) as caught:
        await logins.issue(fresh_user.login, ADDRESS)

    assert 29 <= caught.value.retry_after_seconds <= 30
    assert checks == []


async def test_concurrent_guesses_stop_at_threshold(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    logins = logins_of(migrated_database, Clock(), store=False)
    wrong = replace(fresh_user.login, password=WRONG)

    results = await asyncio.gather(
        *(logins.issue(wrong, ADDRESS) for _ in range(6)), return_exceptions=True
    )

    locked = [result for result in results if isinstance(result, UserLocked)]
    assert len(checks) == 3
    assert len(locked) == 3


async def test_unknown_user_checks_dummy_hash(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    logins = logins_of(migrated_database, Clock())
    unknown = replace(fresh_user.login, user_name="nobody")

    for _ in range(5):
        with pytest.raises(IamError) as caught:
            await logins.issue(unknown, ADDRESS)
        assert caught.value.message == "The username or password is wrong."

    assert checks == [None] * 5


async def test_address_limit_throttles(
    migrated_database: Database, fresh_user: Setup, checks: list[str | None]
) -> None:
    clock = Clock()
    logins = logins_of(migrated_database, clock, limit=RateLimit(rate=0.5, burst=2))
    unknown = replace(fresh_user.login, user_name="nobody")
    for _ in range(2):
        with pytest.raises(IamError):
            await logins.issue(unknown, ADDRESS)

    with pytest.raises(Throttled) as caught:
        await logins.issue(fresh_user.login, ADDRESS)

    assert caught.value.retry_after_seconds == 2
    assert len(checks) == 2
    token = await logins.issue(fresh_user.login, "192.0.2.11")
    assert token.user.id == fresh_user.user_id
    clock.now += 2.0
    assert (await logins.issue(fresh_user.login, ADDRESS)).user.id == fresh_user.user_id


async def test_success_clears_other_worker_failures(
    migrated_database: Database, fresh_user: Setup
) -> None:
    other_worker = logins_of(migrated_database, Clock())
    await fail(other_worker, fresh_user.login, 2)
    await other_worker.lockout.flush()
    logins = logins_of(migrated_database, Clock())

    await logins.issue(fresh_user.login, ADDRESS)
    await logins.lockout.flush()

    with migrated_database.read() as session:
        assert session.get(LockoutRecord, user_key(fresh_user.user_id)) is None


async def test_reset_elsewhere_clears_stale_count(
    migrated_database: Database, fresh_user: Setup
) -> None:
    # Threshold 3: this worker counts 2 failures, another worker's success clears them.
    logins = logins_of(migrated_database, Clock())
    await fail(logins, fresh_user.login, 2)
    other_worker = logins_of(migrated_database, Clock())
    await other_worker.issue(fresh_user.login, ADDRESS)

    # Before its next reload, this worker counts 2 new failures from zero, not from 2.
    await fail(logins, fresh_user.login, 2)

    assert (await logins.issue(fresh_user.login, ADDRESS)).user.id == fresh_user.user_id
