"""A secret key prepared once gives the same HMAC-SHA256 as a fresh computation."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from liteimages.signing import SigningKey, compute_signature


@pytest.mark.parametrize("secret_key", ["s", "W3CLV0DKUT4JSX2UYAI1", "k" * 200, "ключ-密钥"])
@pytest.mark.parametrize("message", ["", "SDK-HMAC-SHA256\n20240131T235959Z\nabc", "名称"])
def test_signature_equals_hmac(secret_key: str, message: str) -> None:
    expected = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).hexdigest()

    assert SigningKey(secret_key).signature(message) == expected
    assert compute_signature(secret_key, message) == expected


def test_key_reused_for_many_messages() -> None:
    key = SigningKey("W3CLV0DKUT4JSX2UYAI1")

    first = key.signature("one")
    key.signature("two")

    assert key.signature("one") == first
    assert first != key.signature("two")


def test_repr_hides_secret() -> None:
    assert "W3CL" not in repr(SigningKey("W3CLV0DKUT4JSX2UYAI1"))
