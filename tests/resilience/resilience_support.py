"""Helpers of the resilience tests: a private PostgreSQL cluster, keys and signed clients."""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from liteimages.client import AkSkAuth
from liteimages.db.engine import Database
from liteimages.identity import service as identity
from liteimages.identity.principal import Caller, Principal
from liteimages.identity.secretbox import SecretBox
from support.server import DEMO_DOMAIN, HOST, SECRET_KEY, LiveServer, free_port

POSTGRES_BIN_PATTERN = "/usr/lib/postgresql/*/bin"
PG_CTL_TIMEOUT_S = 30
HTTP_TIMEOUT_S = 5.0


def find_postgres_bin() -> Path | None:
    """Return the folder of the newest installed `initdb`, or None if there is none."""
    folders = sorted(
        (Path(folder) for folder in glob.glob(POSTGRES_BIN_PATTERN)),
        key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0,
    )
    for folder in reversed(folders):
        if (folder / "initdb").exists():
            return folder
    found = shutil.which("initdb")
    return Path(found).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own, in a temporary folder, on a free loopback port.

    PostgreSQL refuses to run as root, so under root every tool runs as the `postgres`
    user through `runuser`, and the folder belongs to that user.
    """

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="liteimages-pg-"))
        self.data = self.folder / "data"
        self.running = False
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)

    def initialize(self) -> None:
        """Create the cluster, with trust authentication on loopback only."""
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST}"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"),
            "-w", "-t", str(PG_CTL_TIMEOUT_S), "-o", options, "start",
        )  # fmt: skip
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; `fast` ends open sessions at once, as an outage does."""
        self._run(
            "pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", str(PG_CTL_TIMEOUT_S), "stop"
        )
        self.running = False

    def create_database(self) -> str:
        """Create an empty database and return its URL."""
        name = f"liteimages_{secrets.token_hex(4)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def url(self, database: str) -> str:
        """Return the URL of `database` on this cluster."""
        return f"postgresql://postgres@{HOST}:{self.port}/{database}"

    def destroy(self) -> None:
        """Stop the server if it runs and delete the folder."""
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def log(self) -> str:
        """Return the server log."""
        path = self.folder / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin_dir / tool), *args]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=PG_CTL_TIMEOUT_S + 30, check=False
        )
        if completed.returncode != 0:
            raise RuntimeError(
                f"{tool} failed with {completed.returncode}:\n{completed.stdout}\n"
                f"{completed.stderr}\n{self.log()}"
            )


def caller(access_key: str | None = "AK1", user_id: str = "user1") -> Caller:
    """Return an authenticated caller of projects p1 and p2, by access key or (None) token."""
    principal = Principal(
        user_id=user_id,
        user_name=user_id,
        account_id="account1",
        account_name="account1",
        account_is_system=False,
        is_root=True,
        enabled=True,
        account_projects=frozenset({"p1", "p2"}),
        roles={},
    )
    method = "token" if access_key is None else "aksk"
    return Caller(principal=principal, project_id="p1", access_key=access_key, method=method)


@dataclass(frozen=True)
class Key:
    """An access key pair."""

    access_key: str
    secret_key: str


def new_reader_key(database_url: str, project_id: str) -> Key:
    """Create an IAM user of the demo account with the viewer role on the project, and its key.

    A new user per key, because a user may hold only two active access keys.
    """
    database = Database(database_url)
    try:
        with database.write() as session:
            account = identity.find_account(session, DEMO_DOMAIN)
            user = identity.create_user(session, account.id, unique_name("reader"), None)
            identity.grant_role(session, user.id, project_id, "viewer")
            created = identity.create_access_key(session, SecretBox(SECRET_KEY.encode()), user.id)
    finally:
        database.dispose()
    return Key(created.access_key, created.secret_key)


def new_demo_project(database_url: str) -> str:
    """Create a project of the demo account and return its id."""
    database = Database(database_url)
    try:
        with database.write() as session:
            account = identity.find_account(session, DEMO_DOMAIN)
            return identity.create_project(session, account.id, unique_name("region")).id
    finally:
        database.dispose()


def unique_name(prefix: str) -> str:
    """Return `prefix` plus a random suffix, unique within a database."""
    return f"{prefix}-{secrets.token_hex(4)}"


def signed_client(
    server: LiveServer, key: Key, project_id: str | None = None, *, keep_alive: bool = True
) -> httpx.Client:
    """Return an httpx client that signs every request with `key` for the project.

    The project defaults to the server's demo project. Without keep-alive every request
    opens a new connection, which lets the kernel hand it to any worker process.
    """
    limits = httpx.Limits() if keep_alive else httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(
        base_url=server.endpoint,
        auth=AkSkAuth(key.access_key, key.secret_key, project_id or server.project_id),
        timeout=HTTP_TIMEOUT_S,
        limits=limits,
    )


def images_path(project_id: str) -> str:
    """Return the path of ListDevServerImages for the project."""
    return f"/v1/{project_id}/dev-servers/images"


def flavors_path(project_id: str) -> str:
    """Return the path of ListDevServerFlavors, which returns 200 for any readable project."""
    return f"/v1/{project_id}/dev-servers/flavors"
