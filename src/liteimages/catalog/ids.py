"""Image ids: RFC 4122 UUIDs in the lower-case form the catalog API uses."""

from __future__ import annotations

import re
import uuid

IMAGE_ID_PATTERN = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
)


def is_image_id(value: str) -> bool:
    """Return whether `value` is a well-formed image id."""
    return IMAGE_ID_PATTERN.fullmatch(value) is not None


def new_image_id() -> str:
    """Return a new random (version 4) image id."""
    return str(uuid.uuid4())
