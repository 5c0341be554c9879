"""Plumbing shared by the admin routes: body reading, authentication, transactions, responses.

Every admin call reads its body (at most 1 MiB), authenticates the caller as the
catalog calls do, and runs its use case in a worker thread. A write runs inside one
write transaction and then refreshes this worker's caches. A read runs inside a read
session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
import orjson
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin import fields
from liteimages.admin.representations import etag
from liteimages.audit.trail import Actor
from liteimages.errors import Conflict, InvalidArgument
from liteimages.identity.principal import Caller
from liteimages.runtime import Runtime, database_unavailable_as_error
from liteimages.web.asgi import (
    Message,
    Receive,
    query_pairs,
    request_id_of,
)
from liteimages.web.iam import authenticate, read_limited_body

T = TypeVar("T")

logger = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs of a transaction that lost a race: serialization failure, deadlock.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# The `limit` and `offset` rules of the admin listings.
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_OFFSET = 2_147_483_647
CONCURRENT_CHANGE = (
    "The request conflicts with a change made at the same time. Read the resource again and retry"
)


@dataclass(frozen=True)
class AdminCall:
    """An authenticated admin request: the caller, its audit actor and its raw body."""

    request: Request
    runtime: Runtime
    caller: Caller
    actor: Actor
    body: bytes

    def path(self, name: str) -> str:
        """Return the path parameter `name`; PostgreSQL cannot compare text with NUL in it."""
        value = str(self.request.path_params[name])
        if "\x00" in value:
            raise InvalidArgument(name, "must not contain NUL characters")
        return value

    @property
    def if_match(self) -> str | None:
        """Return the If-Match header, or None if the request has none."""
        return self.request.headers.get("if-match")

    def document(self, *, empty_is_object: bool = False) -> Mapping[str, Any]:
        """Decode the body as a JSON object. An empty body is `{}` if `empty_is_object` is set."""
        if not self.body.strip():
            if empty_is_object:
                return {}
            raise InvalidArgument("body", "is required: send a JSON object")
        try:
            decoded = orjson.loads(self.body)
        except orjson.JSONDecodeError as error:
            raise InvalidArgument("body", f"is not valid JSON: {error}") from None
        return fields.require_object(decoded, "body")

    def query(self, name: str) -> str | None:
        """Return the query parameter `name`, or None if it is absent.

        A parameter given twice or with an empty value raises `InvalidArgument`.
        """
        values = [
            value
            for key, value in query_pairs(self.request.scope["query_string"].decode("latin-1"))
            if key == name
        ]
        if not values:
            return None
        if len(values) > 1:
            raise InvalidArgument(name, "must be given at most once")
        if not values[0]:
            raise InvalidArgument(name, "must not be empty")
        if "\x00" in values[0]:
            raise InvalidArgument(name, "must not contain NUL characters")
        return values[0]

    def whole_number(self, name: str, low: int, high: int, default: int) -> int:
        """Return the query parameter `name` as a whole number in [low, high], or `default`."""
        value = self.query(name)
        if value is None:
            return default
        if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
            raise InvalidArgument(
                name, f"must be a whole number from {low} to {high}, got {value!r}"
            )
        return int(value)

    def page(self) -> tuple[int, int]:
        """Return the `limit` and `offset` query parameters of a listing."""
        limit = self.whole_number("limit", 1, MAX_LIMIT, DEFAULT_LIMIT)
        return limit, self.whole_number("offset", 0, MAX_OFFSET, 0)


async def begin(request: Request) -> AdminCall:
    """Read the body, authenticate the caller and return the call."""
    body = await read_limited_body(request)
    replayed = Request(request.scope, _replay(body))
    caller = await authenticate(replayed)
    actor = Actor.of(caller.principal, caller.access_key, request_id_of(request.scope))
    runtime: Runtime = request.app.state.runtime
    return AdminCall(replayed, runtime, caller, actor, body)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def read(call: AdminCall, use_case: Callable[[Session], T]) -> T:
    """Run a read-only use case in a worker thread, in one read session."""

    def run() -> T:
        with call.runtime.database.read() as session:
            return use_case(session)

    with database_unavailable_as_error(call.actor.request_id):
        return await anyio.to_thread.run_sync(run)


async def write(call: AdminCall, use_case: Callable[[Session], T]) -> T:
    """Run a use case in a worker thread inside one write transaction, then refresh caches.

    A write that lost a race with a concurrent one (a unique key taken in between,
    a row deleted in between, a PostgreSQL serialization failure or deadlock)
    raises `Conflict` (409) instead of an internal error. A database that cannot be
    reached raises `ServiceUnavailable` (503) and the write is rolled back, unless the
    connection dropped during COMMIT, when the write may have been applied.
    """

    def run() -> T:
        with call.runtime.database.write() as session:
            return use_case(session)

    with database_unavailable_as_error(call.actor.request_id):
        try:
            result = await anyio.to_thread.run_sync(run)
        except (IntegrityError, StaleDataError):
            raise Conflict(CONCURRENT_CHANGE) from None
        except DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
                raise Conflict(CONCURRENT_CHANGE) from None
            raise
    try:
        await call.runtime.refresh()
    except SQLAlchemyError as error:
        # The change is committed, so the call succeeds and the revision poll refreshes later.
        logger.warning(
            "refresh after a committed admin write failed: %s",
            error,
            extra={"request_id": call.actor.request_id},
        )
    return result


def json_response(content: Any, status: int = 200) -> Response:
    """Return `content` encoded as JSON."""
    return Response(orjson.dumps(content), status_code=status, media_type="application/json")


def tagged_response(representation: Mapping[str, Any]) -> Response:
    """Return one resource with its ETag, which If-Match can name later."""
    response = json_response(representation)
    response.headers["ETag"] = etag(representation)
    return response


def no_content() -> Response:
    """Return 204 No Content."""
    return Response(status_code=204)
