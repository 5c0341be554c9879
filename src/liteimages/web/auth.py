"""Authenticate a request and note the outcome in its ASGI scope for logs and metrics."""

from __future__ import annotations

from liteimages.identity.errors import AuthenticationError, TokenExpired
from liteimages.identity.principal import Caller
from liteimages.runtime import Runtime
from liteimages.signing import SignableRequest
from liteimages.web.asgi import Scope

CALLER_KEY = "liteimages.caller"
AUTH_FAILURE_KEY = "liteimages.auth_failure"
ROUTE_KEY = "liteimages.route"


async def authenticate(runtime: Runtime, scope: Scope, request: SignableRequest) -> Caller:
    """Return the caller, recording it, or the failure reason, in `scope`."""
    try:
        caller = await runtime.authenticator.authenticate(request)
    except (AuthenticationError, TokenExpired) as error:
        scope[AUTH_FAILURE_KEY] = error.reason
        raise
    scope[CALLER_KEY] = caller
    return caller
