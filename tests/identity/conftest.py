"""Fixtures of the identity tests: a migrated database and an encryption key."""

from __future__ import annotations

import pytest

from liteimages.identity.secretbox import SecretBox, generate_key


@pytest.fixture
def box() -> SecretBox:
    """Return a secret box with a new random key."""
    return SecretBox(generate_key())


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    """Run the async tests on asyncio, the event loop uvicorn serves liteimages on."""
    return "asyncio"
