"""Encryption of secret keys at rest, the key file, and password hashing."""

from __future__ import annotations

import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from liteimages.identity.passwords import check_password_rule, hash_password, verify_password
from liteimages.identity.secretbox import (
    SecretBox,
    SecretBoxError,
    generate_key,
    load_or_create_key,
)


def test_encrypt_round_trip() -> None:
    box = SecretBox(generate_key())

    ciphertext = box.encrypt("secret-名称")

    assert ciphertext != "secret-名称"
    assert ciphertext.isascii()
    assert box.decrypt(ciphertext) == "secret-名称"


def test_encryption_is_randomised() -> None:
    box = SecretBox(generate_key())

    assert box.encrypt("same") != box.encrypt("same")


# A valid key cut short: 42 URL-safe base64 characters, fixed so that every run collects the same.
@pytest.mark.parametrize("key", [b"", b"short", b"x" * 44, b"A" * 42])
def test_invalid_key_rejected(key: bytes) -> None:
    with pytest.raises(SecretBoxError) as caught:
        SecretBox(key)

    assert "invalid encryption key" in str(caught.value)
    assert "liteimages secret-key" in str(caught.value)


def test_wrong_key_cannot_decrypt() -> None:
    ciphertext = SecretBox(generate_key()).encrypt("secret")

    with pytest.raises(SecretBoxError) as caught:
        SecretBox(generate_key()).decrypt(ciphertext)

    assert "encryption key differs from the one it was stored with" in str(caught.value)


def test_tampered_ciphertext_rejected() -> None:
    box = SecretBox(generate_key())
    ciphertext = box.encrypt("secret")
    tampered = ciphertext[:-6] + ("A" if ciphertext[-6] != "A" else "B") + ciphertext[-5:]

    with pytest.raises(SecretBoxError):
        box.decrypt(tampered)


def test_key_file_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "secret.key"

    key = load_or_create_key(path)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Fernet(key) is not None
    assert list(path.parent.iterdir()) == [path]


def test_key_file_created_once(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    first = load_or_create_key(path)
    inode = path.stat().st_ino

    second = load_or_create_key(path)

    assert second == first
    assert path.stat().st_ino == inode


def test_existing_key_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    key = generate_key()
    path.write_bytes(key + b"\n\n")

    assert load_or_create_key(path) == key


def race_for_key(path: Path, count: int) -> tuple[list[bytes], list[BaseException]]:
    """Call load_or_create_key from `count` threads released at the same moment."""
    barrier = threading.Barrier(count)
    keys: list[bytes] = []
    errors: list[BaseException] = []

    def create() -> None:
        barrier.wait()
        try:
            keys.append(load_or_create_key(path))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=create) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return keys, errors


def test_concurrent_threads_agree_on_key(tmp_path: Path) -> None:
    for attempt in range(20):
        path = tmp_path / f"secret-{attempt}.key"

        keys, errors = race_for_key(path, 8)

        assert errors == []
        assert len(keys) == 8
        assert set(keys) == {path.read_bytes().strip()}
    assert len(list(tmp_path.iterdir())) == 20


CREATE_KEY = """
import sys, time
from pathlib import Path
from liteimages.identity.secretbox import load_or_create_key
start = float(sys.argv[2])
while time.time() < start:
    pass
print(load_or_create_key(Path(sys.argv[1])).decode())
"""


def test_concurrent_processes_agree_on_key(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    start = str(time.time() + 1.0)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", CREATE_KEY, str(path), start],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    keys = {process.communicate(timeout=60)[0].strip() for process in processes}

    assert [process.returncode for process in processes] == [0, 0, 0, 0]
    assert keys == {path.read_text().strip()}
    assert sorted(item.name for item in tmp_path.iterdir()) == ["secret.key"]


@pytest.fixture(scope="module")
def stored_hash() -> str:
    """Return the hash of "correct horse", made once because each hash costs about 0.2 s."""
    return hash_password("correct horse")


def test_password_hash_is_argon2id(stored_hash: str) -> None:
    assert stored_hash.startswith("$argon2id$")
    assert "correct horse" not in stored_hash
    assert verify_password(stored_hash, "correct horse")


def test_password_hashes_are_salted(stored_hash: str) -> None:
    assert hash_password("correct horse") != stored_hash


@pytest.mark.parametrize("attempt", ["wrong horse", "", "correct horse ", "Correct horse"])
def test_wrong_password_fails(stored_hash: str, attempt: str) -> None:
    assert not verify_password(stored_hash, attempt)


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$broken"])
def test_missing_or_broken_hash_fails(stored: str | None) -> None:
    assert not verify_password(stored, "liteimages-no-such-user")


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "must be 8 to 128 characters"),
        ("1234567", "must be 8 to 128 characters"),
        ("12345678", None),
        ("名" * 128, None),
        ("x" * 129, "must be 8 to 128 characters"),
    ],
)
def test_password_rule(password: str, problem: str | None) -> None:
    assert check_password_rule(password) == problem
