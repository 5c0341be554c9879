"""The two IAM calls the SDK and users need: password tokens and project look-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import anyio.to_thread
import orjson
from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from liteimages.identity.errors import IamError, UserLocked
from liteimages.identity.models import Project
from liteimages.identity.principal import Caller
from liteimages.identity.tokens import IssuedToken, PasswordLogin
from liteimages.runtime import Runtime, database_unavailable_as_error
from liteimages.signing import ReceivedRequest
from liteimages.web.asgi import (
    MAX_BODY_BYTES,
    BodyTooLarge,
    raw_header_map,
    read_body,
    request_id_of,
    use_forwarded_host,
)
from liteimages.web.auth import AUTH_FAILURE_KEY
from liteimages.web.auth import authenticate as authenticate_request


def _invalid_body(detail: str) -> IamError:
    return IamError(400, "IAM.0011", f"Request body is invalid: {detail}")


def parse_login(document: Any) -> PasswordLogin:
    """Read a password-method, project-scoped token request body."""
    auth = _object(document, "auth")
    identity = _object(auth, "identity")
    if identity.get("methods") != ["password"]:
        raise _invalid_body('auth.identity.methods must be ["password"]')
    user = _object(_object(identity, "password"), "user")
    domain = _object(user, "domain")
    project = _object(_object(auth, "scope"), "project")
    _require_id_or_name(domain, "auth.identity.password.user.domain")
    _require_id_or_name(project, "auth.scope.project")
    return PasswordLogin(
        user_name=_string(user, "name", "auth.identity.password.user.name"),
        password=_string(user, "password", "auth.identity.password.user.password"),
        domain_name=_optional_string(domain, "name"),
        domain_id=_optional_string(domain, "id"),
        project_name=_optional_string(project, "name"),
        project_id=_optional_string(project, "id"),
    )


def _require_id_or_name(mapping: dict[str, Any], where: str) -> None:
    if _optional_string(mapping, "id") is None and _optional_string(mapping, "name") is None:
        raise _invalid_body(f"{where} needs a non-empty id or name")


def _object(container: Any, name: str) -> dict[str, Any]:
    value = container.get(name) if isinstance(container, dict) else None
    if not isinstance(value, dict):
        raise _invalid_body(f"{name} must be an object")
    return value


def _string(container: dict[str, Any], name: str, where: str) -> str:
    value = container.get(name)
    # PostgreSQL cannot compare text with NUL characters, so they are rejected here.
    if not isinstance(value, str) or not value or "\x00" in value:
        raise _invalid_body(f"{where} must be a non-empty string without NUL characters")
    return value


def _optional_string(container: dict[str, Any], name: str) -> str | None:
    value = container.get(name)
    if isinstance(value, str) and "\x00" in value:
        raise _invalid_body(f"{name} must not contain NUL characters")
    return value if isinstance(value, str) and value else None


def _timestamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def token_body(token: IssuedToken) -> bytes:
    """Encode the token document IAM returns with a new token."""
    domain = {"id": token.account.id, "name": token.account.name}
    return orjson.dumps(
        {
            "token": {
                "expires_at": _timestamp(token.expires_at),
                "issued_at": _timestamp(token.issued_at),
                "methods": ["password"],
                "project": {"id": token.project.id, "name": token.project.name, "domain": domain},
                "user": {
                    "id": token.user.id,
                    "name": token.user.name,
                    "domain": domain,
                    "password_expires_at": "",
                },
                "roles": [{"id": role, "name": role} for role in token.roles],
                "catalog": [],
            }
        }
    )


async def read_limited_body(request: Request) -> bytes:
    """Return the request body, raising a 413 HTTPException if it is larger than 1 MiB."""
    too_large = HTTPException(
        413, f"Request body is too large; the limit is {MAX_BODY_BYTES} bytes"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    try:
        return await read_body(request.receive, MAX_BODY_BYTES)
    except BodyTooLarge:
        raise too_large from None


async def create_token(request: Request) -> Response:
    """POST /v3/auth/tokens: check a password and return a project-scoped token.

    The client address is the peer of the TCP connection, as the ASGI server reports
    it. `serve` runs uvicorn without proxy headers, so behind a reverse proxy every
    login comes from the proxy's address and shares one bucket of the address limit.
    """
    runtime: Runtime = request.app.state.runtime
    client = request.scope.get("client")
    address = client[0] if client else None
    # The limit comes before the body is read, so a throttled client costs no parsing.
    runtime.logins.throttle.check(address)
    raw = await read_limited_body(request)
    try:
        document = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise _invalid_body("not valid JSON") from None
    login = parse_login(document)
    with database_unavailable_as_error(request_id_of(request.scope)):
        try:
            token = await runtime.logins.issue(login, address, limited=True)
        except UserLocked as error:
            request.scope[AUTH_FAILURE_KEY] = error.reason
            raise
    return Response(
        token_body(token),
        status_code=201,
        media_type="application/json",
        headers={"X-Subject-Token": token.value},
    )


async def authenticate(request: Request) -> Caller:
    """Authenticate a Starlette request with the same rules as the catalog calls."""
    runtime: Runtime = request.app.state.runtime
    headers = raw_header_map(request.scope["headers"])
    if runtime.settings.trust_forwarded_host:
        use_forwarded_host(headers)
    received = ReceivedRequest(
        method=request.method,
        raw_path=(request.scope.get("raw_path") or request.url.path.encode()).decode("latin-1"),
        raw_query=request.scope["query_string"].decode("latin-1"),
        headers=headers,
        body=await read_limited_body(request),
    )
    with database_unavailable_as_error(request_id_of(request.scope)):
        return await authenticate_request(runtime, request.scope, received)


async def list_projects(request: Request) -> Response:
    """GET /v3/projects: the caller's account's projects, optionally filtered by name."""
    caller = await authenticate(request)
    runtime: Runtime = request.app.state.runtime
    name = request.query_params.get("name")

    def load() -> list[dict[str, Any]]:
        query = select(Project).where(Project.account_id == caller.principal.account_id)
        if name is not None and "\x00" in name:
            return []
        if name is not None:
            query = query.where(Project.name == name)
        with runtime.database.read() as session:
            return [
                {
                    "id": project.id,
                    "name": project.name,
                    "domain_id": project.account_id,
                    "enabled": True,
                    "is_domain": False,
                    "parent_id": project.account_id,
                    "description": "",
                    "links": {"self": f"/v3/projects/{project.id}"},
                }
                for project in session.scalars(query.order_by(Project.name))
            ]

    with database_unavailable_as_error(request_id_of(request.scope)):
        projects = await anyio.to_thread.run_sync(load)
    body = {"projects": projects, "links": {"self": "/v3/projects", "next": None, "previous": None}}
    return Response(orjson.dumps(body), media_type="application/json")
