"""The admin commands on a database opened directly, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from cryptography.fernet import Fernet
from sqlalchemy import select

from liteimages.catalog.loader import load_view
from liteimages.catalog.models import Image
from liteimages.catalog.query import ImageQuery
from liteimages.db.engine import Database
from liteimages.db.migrate import is_current
from liteimages.identity import service as identity
from liteimages.identity.errors import IamError
from liteimages.identity.models import AccessKey
from liteimages.identity.secretbox import SecretBox, load_or_create_key
from liteimages.identity.tokens import PasswordLogin, issue_token

Run = Callable[..., Result]
PROJECT_ID = "p-01"
IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
ADD_PUBLIC = ("images", "add", "img", "--arch", "arm", "--server-type", "bms", "--id", IMAGE_ID)


def parsed(result: Result) -> Any:
    """Return the JSON document a successful command printed."""
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def succeeded(result: Result) -> str:
    """Return what a successful command printed."""
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_clean_error(result: Result, message: str, exit_code: int = 1) -> None:
    """Check that a command failed with one plain message and no traceback."""
    assert result.exit_code == exit_code, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""


@pytest.fixture
def acme(database: Database) -> None:
    """Create account acme with projects p-01 and p-02 and user alice, a member of p-01.

    The fixture uses the core directly, because each password hash costs about 0.2 s.
    """
    with database.write() as session:
        account = identity.create_account(session, "acme")
        identity.create_project(session, account.id, "cn-north-4", PROJECT_ID)
        identity.create_project(session, account.id, "cn-south-1", "p-02")
        alice = identity.create_user(session, account.id, "alice", None)
        identity.grant_role(session, alice.id, PROJECT_ID, "member")


def login(database: Database, user: str, password: str) -> str:
    details = PasswordLogin(user, password, "acme", None, None, PROJECT_ID)
    with database.write() as session:
        return issue_token(session, details).value


def stored_images(database: Database) -> list[Image]:
    with database.read() as session:
        return list(session.scalars(select(Image)))


def test_migrate_twice(run: Run, database: Database) -> None:
    first = run("migrate")
    second = run("migrate")

    assert succeeded(first).startswith("schema is current: ")
    assert succeeded(second).startswith("schema is current: ")
    assert is_current(database.engine)


def test_migrate_fresh_database(
    invoke_cli: Callable[..., Result], database_url: str, tmp_path: Path
) -> None:
    result = invoke_cli(
        ["migrate", "--data-dir", str(tmp_path), "--database-url", database_url], {}
    )
    database = Database(database_url)
    try:
        current = is_current(database.engine)
    finally:
        database.dispose()

    assert succeeded(result).startswith("schema is current: ")
    assert current


def test_migrate_default_sqlite(invoke_cli: Callable[..., Result], tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"

    result = invoke_cli(["migrate", "--data-dir", str(data_dir)], {})

    assert str(data_dir / "catalog.db") in succeeded(result)
    assert (data_dir / "catalog.db").is_file()


def test_migrate_password_hidden(invoke_cli: Callable[..., Result], tmp_path: Path) -> None:
    url = "postgresql://user:hunter2secret@127.0.0.1:1/db"

    result = invoke_cli(["migrate", "--data-dir", str(tmp_path), "--database-url", url], {})

    assert_clean_error(result, "cannot open database")
    assert "hunter2secret" not in result.output


@pytest.mark.parametrize("url", ["nonsense", "foo://host/db", "postgresql+nodriver://h/db"])
def test_migrate_invalid_url(invoke_cli: Callable[..., Result], tmp_path: Path, url: str) -> None:
    result = invoke_cli(["migrate", "--data-dir", str(tmp_path), "--database-url", url], {})

    assert_clean_error(result, "invalid database URL")


def test_account_created(run: Run) -> None:
    account = parsed(run("accounts", "create", "acme", output_json=True))

    assert account["name"] == "acme"
    assert len(account["id"]) == 32


def test_duplicate_account_error(run: Run) -> None:
    succeeded(run("accounts", "create", "acme"))

    result = run("accounts", "create", "acme")

    assert_clean_error(result, "ModelArts.0109: Account 'acme' already exists")


@pytest.mark.parametrize("name", ["has space", "_lead", "a" * 65, "名称"])
def test_invalid_account_name_error(run: Run, name: str) -> None:
    assert_clean_error(run("accounts", "create", name), "ModelArts.0101")


def test_project_created(run: Run, acme: None) -> None:
    project = parsed(
        run("projects", "create", "cn-east-3", "--account", "acme", "--id", "p-03",
            output_json=True)
    )  # fmt: skip

    assert project["id"] == "p-03"
    assert project["name"] == "cn-east-3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--account", "nobody"], "ModelArts.5058: Object (nobody) does not exist"),
        (["--account", "acme", "--id", "bad_id"], "parameter [project_id]"),
        (["--account", "acme", "--id", PROJECT_ID], f"Project {PROJECT_ID} already exists"),
    ],
)
def test_project_errors(run: Run, acme: None, args: list[str], message: str) -> None:
    assert_clean_error(run("projects", "create", "cn-east-3", *args), message)


def test_user_created_with_password(run: Run, acme: None, database: Database) -> None:
    user = parsed(
        run("users", "create", "bob", "--account", "acme", "--password", "bob password",
            output_json=True)
    )  # fmt: skip

    assert user["name"] == "bob"
    assert user["has_password"] is True
    assert login(database, "bob", "bob password")


def test_user_password_from_env(run: Run, acme: None) -> None:
    result = run(
        "users", "create", "bob", "--account", "acme", env={"LITEIMAGES_PASSWORD": "from env pw"}
    )

    assert succeeded(result)


def test_user_password_prompted(run: Run, acme: None) -> None:
    result = run("users", "create", "bob", "--account", "acme", input="prompted pw\nprompted pw\n")

    assert succeeded(result)


def test_short_password_error(run: Run, acme: None) -> None:
    result = run("users", "create", "bob", "--account", "acme", "--password", "short")

    assert_clean_error(result, "parameter [password] must be 8 to 128 characters")


def test_duplicate_user_error(run: Run, acme: None) -> None:
    result = run("users", "create", "alice", "--account", "acme", "--password", "x" * 8)

    assert_clean_error(result, "ModelArts.0109")


def test_grant_is_idempotent(run: Run, acme: None) -> None:
    args = ("users", "grant", "alice", "--account", "acme", "--project", "p-02", "--role", "viewer")

    first = succeeded(run(*args))
    second = succeeded(run(*args))

    assert first.startswith("granted")
    assert second.startswith("already granted")


def test_grant_unknown_role_is_usage_error(run: Run, acme: None) -> None:
    result = run(
        "users", "grant", "alice", "--account", "acme", "--project", "p-02", "--role", "owner"
    )

    assert_clean_error(result, "Invalid value for '--role'", exit_code=2)


@pytest.mark.parametrize(("user", "project"), [("nobody", "cn-north-4"), ("alice", "cn-east-3")])
def test_grant_unknown_target_error(run: Run, acme: None, user: str, project: str) -> None:
    result = run("users", "grant", user, "--account", "acme", "--project", project)

    assert_clean_error(result, "ModelArts.5058")


def test_set_password(run: Run, acme: None, database: Database) -> None:
    result = run(
        "users", "set-password", "alice", "--account", "acme", "--password", "brand new pw"
    )

    assert succeeded(result)
    assert login(database, "alice", "brand new pw")
    with pytest.raises(IamError):
        login(database, "alice", "wrong password")


def test_set_password_unknown_user(run: Run, acme: None) -> None:
    result = run("users", "set-password", "nobody", "--account", "acme", "--password", "x" * 8)

    assert_clean_error(result, "ModelArts.5058")


def test_key_created_and_encrypted(
    run: Run, acme: None, database: Database, data_dir: Path
) -> None:
    key = parsed(run("keys", "create", "--account", "acme", "--user", "alice", output_json=True))
    box = SecretBox(load_or_create_key(data_dir / "secret.key"))

    with database.read() as session:
        stored = session.get(AccessKey, key["access_key"])
    assert stored is not None
    assert stored.secret_ciphertext != key["secret_key"]
    assert box.decrypt(stored.secret_ciphertext) == key["secret_key"]
    assert len(key["secret_key"]) == 40


def test_key_defaults_to_root_user(run: Run, acme: None, database: Database) -> None:
    key = parsed(run("keys", "create", "--account", "acme", output_json=True))
    root = parsed(run("users", "show", "acme", "--account", "acme", output_json=True))

    assert key["user_id"] == root["id"]


def test_third_key_error(run: Run, acme: None) -> None:
    args = ("keys", "create", "--account", "acme", "--user", "alice")
    succeeded(run(*args))
    succeeded(run(*args))

    assert_clean_error(run(*args), "already has 2 active access keys")


def test_key_with_secret_key_from_env(run: Run, acme: None, database: Database) -> None:
    secret = Fernet.generate_key().decode("ascii")

    key = parsed(
        run("keys", "create", "--account", "acme", output_json=True,
            env={"LITEIMAGES_SECRET_KEY": secret})
    )  # fmt: skip

    with database.read() as session:
        stored = session.get(AccessKey, key["access_key"])
    assert stored is not None
    assert SecretBox(secret.encode()).decrypt(stored.secret_ciphertext) == key["secret_key"]


def test_invalid_encryption_key_error(run: Run, acme: None) -> None:
    result = run("keys", "create", "--account", "acme", env={"LITEIMAGES_SECRET_KEY": "bad"})

    assert_clean_error(result, "invalid encryption key")


def test_flavor_added(run: Run) -> None:
    flavor = parsed(
        run("flavors", "add", "c7.4xlarge.2", "--arch", "x86", "--server-type", "ecs",
            "--count", "3", "--sold-out", output_json=True)
    )  # fmt: skip

    assert (flavor["arch"], flavor["server_type"]) == ("X86", "ECS")
    assert flavor["count"] == 3
    assert flavor["is_sold_out"] is True


def test_duplicate_flavor_error(run: Run) -> None:
    args = ("flavors", "add", "f1", "--arch", "arm", "--server-type", "bms")
    succeeded(run(*args))

    assert_clean_error(run(*args), "ModelArts.0109")


def test_flavor_bad_arch_is_usage_error(run: Run) -> None:
    result = run("flavors", "add", "f1", "--arch", "mips", "--server-type", "bms")

    assert_clean_error(result, "Invalid value for '--arch'", exit_code=2)


@pytest.fixture
def flavors(run: Run) -> None:
    succeeded(run("flavors", "add", "arm-bms", "--arch", "arm", "--server-type", "bms"))
    succeeded(run("flavors", "add", "x86-bms", "--arch", "x86", "--server-type", "bms"))


def test_image_added_with_flavor(run: Run, flavors: None, database: Database) -> None:
    image = parsed(
        run("images", "add", "ubuntu", "--arch", "ARM", "--server-type", "BMS", "--id", IMAGE_ID,
            "--flavor", "arm-bms", output_json=True)
    )  # fmt: skip

    with database.snapshot() as session:
        record = load_view(session).get_image("any-project", IMAGE_ID)
    assert image["id"] == IMAGE_ID
    assert record.flavor_names == {"arm-bms"}
    assert record.status.value == "ACTIVE"


def test_private_image(run: Run, acme: None, flavors: None, database: Database) -> None:
    image = parsed(
        run("images", "add", "private", "--arch", "arm", "--server-type", "bms",
            "--private-to", PROJECT_ID, output_json=True)
    )  # fmt: skip

    with database.snapshot() as session:
        view = load_view(session)
    assert image["visibility"] == "PRIVATE"
    assert view.list_images(PROJECT_ID, ImageQuery()).total == 1
    assert view.get_image(PROJECT_ID, image["id"]).owner_project_id == PROJECT_ID


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--private-to", "no-such-project"], "ModelArts.5058"),
        (["--flavor", "x86-bms"], "is BMS/X86 but image"),
        (["--flavor", "no-such-flavor"], "ModelArts.5058"),
        (["--id", "not-a-uuid"], "ModelArts.0101"),
        (["--id", IMAGE_ID.upper()], "ModelArts.0101"),
    ],
)
def test_failed_image_add_stores_nothing(
    run: Run, flavors: None, database: Database, args: list[str], message: str
) -> None:
    result = run("images", "add", "img", "--arch", "arm", "--server-type", "bms", *args)

    assert_clean_error(result, message)
    assert stored_images(database) == []


def test_duplicate_image_id_error(run: Run, flavors: None) -> None:
    args = ("images", "add", "img", "--arch", "arm", "--server-type", "bms", "--id", IMAGE_ID)
    succeeded(run(*args))

    assert_clean_error(run(*args), "ModelArts.0109")


def test_image_link(run: Run, flavors: None, database: Database) -> None:
    succeeded(
        run("images", "add", "img", "--arch", "arm", "--server-type", "bms", "--id", IMAGE_ID)
    )

    first = succeeded(run("images", "link", IMAGE_ID, "arm-bms"))
    second = succeeded(run("images", "link", IMAGE_ID, "arm-bms"))

    assert first.startswith("linked")
    assert second.startswith("already linked")
    with database.snapshot() as session:
        assert load_view(session).get_image("p", IMAGE_ID).flavor_names == {"arm-bms"}


@pytest.mark.parametrize(
    ("image_id", "flavor", "message"),
    [
        (IMAGE_ID, "x86-bms", "ModelArts.0101"),
        (IMAGE_ID, "no-such-flavor", "ModelArts.5058"),
        ("11111111-2222-4333-8444-555555555555", "arm-bms", "ModelArts.5058"),
    ],
)
def test_image_link_errors(
    run: Run, flavors: None, image_id: str, flavor: str, message: str
) -> None:
    succeeded(
        run("images", "add", "img", "--arch", "arm", "--server-type", "bms", "--id", IMAGE_ID)
    )

    assert_clean_error(run("images", "link", image_id, flavor), message)


def test_image_share(run: Run, acme: None, database: Database) -> None:
    image = parsed(
        run("images", "add", "private", "--arch", "arm", "--server-type", "bms",
            "--private-to", PROJECT_ID, output_json=True)
    )  # fmt: skip

    first = succeeded(run("images", "share", image["id"], "p-02"))
    second = succeeded(run("images", "share", image["id"], "p-02"))

    assert first.startswith("shared")
    assert second.startswith("already shared")
    with database.snapshot() as session:
        assert load_view(session).list_images("p-02", ImageQuery()).total == 1


def test_share_public_image_error(run: Run, acme: None) -> None:
    succeeded(
        run("images", "add", "img", "--arch", "arm", "--server-type", "bms", "--id", IMAGE_ID)
    )

    assert_clean_error(run("images", "share", IMAGE_ID, "p-02"), "ModelArts.0101")


def test_secret_key_command(invoke_cli: Callable[..., Result]) -> None:
    first = invoke_cli(["secret-key"], {})
    second = invoke_cli(["secret-key"], {})

    key = succeeded(first).strip()
    assert Fernet(key.encode("ascii")) is not None
    assert key != succeeded(second).strip()
