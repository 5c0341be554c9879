"""Contract error bodies and the HTTP status of every core error."""

from __future__ import annotations

import orjson

from liteimages.errors import (
    Conflict,
    Forbidden,
    InvalidArgument,
    LiteImagesError,
    NotFound,
    PreconditionFailed,
    ProjectMismatch,
    ServiceUnavailable,
)
from liteimages.identity.errors import (
    AuthenticationError,
    CredentialLocked,
    IamError,
    SignatureMismatch,
    TokenExpired,
)
from liteimages.identity.throttle import Throttled

INTERNAL_ERROR_CODE = "ModelArts.0010"
ROUTE_NOT_FOUND_CODE = "APIGW.0101"

_STATUS_BY_CLASS: tuple[tuple[type[LiteImagesError], int], ...] = (
    (AuthenticationError, 401),
    (TokenExpired, 401),
    (InvalidArgument, 400),
    (ProjectMismatch, 403),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (PreconditionFailed, 412),
    (Throttled, 429),
    (ServiceUnavailable, 503),
)


def status_of(error: LiteImagesError) -> int:
    """Return the HTTP status for a core error."""
    if isinstance(error, IamError):
        return error.status
    for cls, status in _STATUS_BY_CLASS:
        if isinstance(error, cls):
            return status
    return 500


def is_gateway_code(error_code: str) -> bool:
    """Return whether the code is an API gateway one, whose body also carries request_id."""
    return error_code.startswith("APIGW.")


def error_body(error_code: str, message: str, request_id: str, **extra: str) -> bytes:
    """Encode `{"error_code", "error_msg"}`, plus `request_id` for gateway errors."""
    body: dict[str, str] = {"error_code": error_code, "error_msg": message}
    if is_gateway_code(error_code):
        body["request_id"] = request_id
    body.update(extra)
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        # A message that quotes request bytes may hold lone surrogates, which UTF-8 JSON
        # cannot carry, so they are written as \udcNN escapes.
        return orjson.dumps({name: _escape_surrogates(value) for name, value in body.items()})


def _escape_surrogates(text: str) -> str:
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def render_error(
    error: LiteImagesError, request_id: str
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """Return the status, body and extra headers of the response to `error`."""
    headers: list[tuple[bytes, bytes]] = []
    extra: dict[str, str] = {}
    if isinstance(error, SignatureMismatch):
        # The server's canonical request lets a client author see which part differs.
        extra = {
            "canonical_request": error.canonical_request,
            "string_to_sign": error.string_to_sign,
        }
    if isinstance(error, CredentialLocked | Throttled):
        headers.append((b"retry-after", str(error.retry_after_seconds).encode()))
    if isinstance(error, ServiceUnavailable):
        headers.append((b"retry-after", b"1"))
    body = error_body(error.error_code, error.message, request_id, **extra)
    return status_of(error), body, headers


def internal_error(request_id: str) -> bytes:
    """Return the body of a 500 response."""
    return error_body(INTERNAL_ERROR_CODE, "Internal error", request_id)


def route_not_found(request_id: str) -> bytes:
    """Return the body of a 404 for a path or method no route serves."""
    return error_body(
        ROUTE_NOT_FOUND_CODE,
        "The API does not exist or has not been published in the environment",
        request_id,
    )
