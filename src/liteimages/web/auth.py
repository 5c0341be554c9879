"""Authenticate a request and note the outcome in its ASGI scope for logs and metrics."""

from __future__ import annotations

from collections.abc import Awaitable

from liteimages.identity.errors import AuthenticationError, TokenExpired
from liteimages.identity.principal import Caller
from liteimages.runtime import Runtime
from liteimages.signing import ReceivedRequest
from liteimages.web.asgi import Scope

CALLER_KEY = "liteimages.caller"
AUTH_FAILURE_KEY = "liteimages.auth_failure"
ROUTE_KEY = "liteimages.route"


async def authenticate(runtime: Runtime, scope: Scope, request: ReceivedRequest) -> Caller:
    """Return the caller, recording it, or the failure reason, in `scope`."""
    return await _recorded(scope, runtime.authenticator.authenticate(request))


async def authenticate_signature(
    runtime: Runtime, scope: Scope, request: ReceivedRequest
) -> Caller:
    """Return the caller of a request with an Authorization header, recording it in `scope`."""
    return await _recorded(scope, runtime.authenticator.authenticate_signature(request))


async def authenticate_token(runtime: Runtime, scope: Scope, token: str | None) -> Caller:
    """Return the caller of an X-Auth-Token value, recording it in `scope`."""
    return await _recorded(scope, runtime.authenticator.authenticate_token(token))


async def _recorded(scope: Scope, authentication: Awaitable[Caller]) -> Caller:
    try:
        caller = await authentication
    except (AuthenticationError, TokenExpired) as error:
        scope[AUTH_FAILURE_KEY] = error.reason
        raise
    scope[CALLER_KEY] = caller
    return caller
