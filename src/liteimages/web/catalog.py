"""The fast path for the three catalog reads, on raw ASGI.

Each request is authenticated from cached credentials, checked against the
project in the URL, and answered from the in-memory catalog view. Encoded
bodies are kept per project and query string until the view changes, so a
repeated call costs one dictionary lookup after authentication.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import unquote

from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from liteimages.catalog.ids import is_image_id
from liteimages.catalog.paging import Page
from liteimages.catalog.query import parse_flavor_query, parse_image_query
from liteimages.catalog.view import CatalogView
from liteimages.errors import (
    Forbidden,
    InvalidArgument,
    LiteImagesError,
    ProjectMismatch,
    ServiceUnavailable,
)
from liteimages.identity.ids import is_project_id
from liteimages.identity.principal import Caller
from liteimages.runtime import Runtime
from liteimages.signing import ReceivedRequest
from liteimages.web.asgi import (
    BodyTooLarge,
    Receive,
    Scope,
    Send,
    declares_body,
    query_pairs,
    raw_header_map,
    read_body,
    request_id_of,
    send_response,
    use_forwarded_host,
)
from liteimages.web.auth import ROUTE_KEY, authenticate_signature, authenticate_token
from liteimages.web.errors import error_body, internal_error, render_error, route_not_found
from liteimages.web.representation import Representation, accepts_gzip

logger = logging.getLogger(__name__)

# Bounded so that many distinct query strings cannot grow memory without limit.
MAX_CACHED_BODIES = 10_000
# The bodies together are also bounded in bytes: a 100-image page is about 17 KB.
MAX_CACHED_BYTES = 32 << 20
# Matched paths are remembered, also those of other routes, up to this many.
MAX_CACHED_ROUTES = 4096

# A matched catalog path: route name, project id, image id, and whether the project id is
# well formed.
CatalogRoute = tuple[str, str, str | None, bool]

Handler = Callable[[CatalogView, str, str, str | None], bytes]


def _list_images(view: CatalogView, project_id: str, raw_query: str, _: str | None) -> bytes:
    page: Page = view.list_images(project_id, parse_image_query(query_pairs(raw_query)))
    return page.encode()


def _get_image(view: CatalogView, project_id: str, _: str, image_id: str | None) -> bytes:
    assert image_id is not None
    if not is_image_id(image_id):
        raise InvalidArgument("id", "must be a UUID such as d7811cdb-b0c6-44fe-9931-1f3b2b6ef477")
    return view.get_image(project_id, image_id).wire


def _list_flavors(view: CatalogView, _: str, raw_query: str, __: str | None) -> bytes:
    return view.list_flavors(parse_flavor_query(query_pairs(raw_query))).encode()


OPERATIONS: dict[str, tuple[str, Handler]] = {
    "images": ("ListDevServerImages", _list_images),
    "image": ("GetDevServerImage", _get_image),
    "flavors": ("ListDevServerFlavors", _list_flavors),
}


def match_route(raw_path: bytes) -> tuple[str, str, str | None] | None:
    """Return (route, project id, image id) for a catalog path, or None."""
    segments = raw_path.split(b"/")
    count = len(segments)
    if count not in (5, 6) or segments[1] != b"v1" or segments[3] != b"dev-servers":
        return None
    project_id = unquote(segments[2].decode("latin-1"))
    resource = segments[4]
    if count == 5 and resource in (b"images", b"flavors"):
        return resource.decode(), project_id, None
    if count == 6 and resource == b"images" and segments[5]:
        return "image", project_id, unquote(segments[5].decode("latin-1"), errors="replace")
    return None


class CatalogEndpoint:
    """Serves GET /v1/{project_id}/dev-servers/images[/{id}] and .../flavors."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._routes: dict[bytes, CatalogRoute | None] = {}
        self._bodies: dict[tuple[str, str, str, str | None], Representation] = {}
        self._bodies_revision = -1
        self._cached_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> int:
        """Serve a catalog call and return its status, or return 0 for any other request."""
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        try:
            route = self._routes[raw_path]
        except KeyError:
            route = self._remember_route(raw_path)
        if route is None:
            return 0
        request_id = request_id_of(scope)
        try:
            return await self._serve(scope, receive, send, raw_path, route, request_id)
        except LiteImagesError as error:
            status, body, headers = render_error(error, request_id)
        except (DBAPIError, PoolTimeout) as error:
            # A credential cache miss needs the database; a pool timeout means it is overloaded.
            logger.warning("database unavailable: %s", error, extra={"request_id": request_id})
            status, body, headers = render_error(ServiceUnavailable(), request_id)
        except BodyTooLarge:
            status, headers = 413, []
            body = error_body("ModelArts.0101", "Request body is too large", request_id)
        except Exception:
            logger.exception("catalog request failed", extra={"request_id": request_id})
            status, body, headers = 500, internal_error(request_id), []
        await send_response(send, status, body, request_id, headers)
        return status

    def _remember_route(self, raw_path: bytes) -> CatalogRoute | None:
        matched = match_route(raw_path)
        route = None if matched is None else (*matched, is_project_id(matched[1]))
        if len(self._routes) >= MAX_CACHED_ROUTES:
            self._routes.clear()
        self._routes[raw_path] = route
        return route

    async def _serve(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        raw_path: bytes,
        route: CatalogRoute,
        request_id: str,
    ) -> int:
        name, project_id, image_id, project_id_ok = route
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            await send_response(send, 404, route_not_found(request_id), request_id)
            return 404
        headers = raw_header_map(scope["headers"])
        raw_query = scope["query_string"].decode("latin-1")
        body = await read_body(receive) if declares_body(headers) else b""
        scope[ROUTE_KEY] = name
        runtime = self.runtime
        runtime.check_fresh()
        if b"authorization" in headers:
            request = self._received(method, raw_path, raw_query, headers, body)
            caller = await authenticate_signature(runtime, scope, request)
        else:
            token = headers.get(b"x-auth-token")
            text = None if token is None else token.decode("utf-8", "replace")
            caller = await authenticate_token(runtime, scope, text)
        operation, handler = OPERATIONS[name]
        check_access(caller, project_id, project_id_ok, operation)
        runtime.throttle.check(caller, project_id)
        cached = self._cached(name, project_id, raw_query, image_id, handler)
        return await send_representation(send, method, headers, cached, request_id)

    def _received(
        self,
        method: str,
        raw_path: bytes,
        raw_query: str,
        headers: dict[bytes, bytes],
        body: bytes,
    ) -> ReceivedRequest:
        # raw_header_map built `headers` for this request, so it may be changed in place.
        if self.runtime.settings.trust_forwarded_host:
            use_forwarded_host(headers)
        return ReceivedRequest(method, raw_path.decode("latin-1"), raw_query, headers, body)

    def _cached(
        self, name: str, project_id: str, raw_query: str, image_id: str | None, handler: Handler
    ) -> Representation:
        view = self.runtime.view
        if self._bodies_revision != view.revision:
            self._bodies.clear()
            self._cached_bytes = 0
            self._bodies_revision = view.revision
        key = (name, project_id, raw_query, image_id)
        cached = self._bodies.get(key)
        if cached is None:
            cached = Representation.of(handler(view, project_id, raw_query, image_id))
            size = len(cached.body)
            if (
                len(self._bodies) >= MAX_CACHED_BODIES
                or self._cached_bytes + size > MAX_CACHED_BYTES
            ):
                self._bodies.clear()
                self._cached_bytes = 0
            self._bodies[key] = cached
            self._cached_bytes += size
        return cached


async def send_representation(
    send: Send,
    method: str,
    headers: dict[bytes, bytes],
    cached: Representation,
    request_id: str,
) -> int:
    """Send a 200 with the body, gzipped if the client accepts it, or a 304. Return the status."""
    use_gzip = cached.compressible and accepts_gzip(headers.get(b"accept-encoding", b""))
    request_id_header = (b"x-request-id", request_id.encode())
    if_none_match = headers.get(b"if-none-match")
    if if_none_match is not None and cached.matches(
        if_none_match.decode("latin-1"), gzipped=use_gzip
    ):
        unchanged = cached.gzip_not_modified_headers if use_gzip else cached.not_modified_headers
        await send(
            {
                "type": "http.response.start",
                "status": 304,
                "headers": [*unchanged, request_id_header],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return 304
    if use_gzip:
        body, response_headers = cached.gzipped(), cached.gzip_headers
    else:
        body, response_headers = cached.body, cached.headers
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [*response_headers, request_id_header],
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})
    return 200


def check_access(caller: Caller, project_id: str, project_id_ok: bool, operation: str) -> None:
    """Raise unless the caller's credential names this project and may read its catalog."""
    if not project_id_ok:
        raise InvalidArgument("project_id", "must be 1 to 64 letters, digits and hyphens")
    if caller.project_id is not None and caller.project_id != project_id:
        raise ProjectMismatch()
    if not caller.principal.may_read_catalog(project_id):
        raise Forbidden(operation)
