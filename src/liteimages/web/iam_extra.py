"""IAM-style calls beyond the token request: token revocation and temporary credentials.

`DELETE /v3/auth/tokens` revokes the token named in `X-Subject-Token`.
`POST /v3.0/OS-CREDENTIAL/securitytokens` turns the caller's token into a temporary
AK/SK with a security token, which the official SDK uses through
`BasicCredentials(...).with_security_token(...)`.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin.identities import IdentityAdmin
from liteimages.identity.errors import AuthenticationError, IamError
from liteimages.identity.service import MAX_TEMPORARY_DURATION, MIN_TEMPORARY_DURATION
from liteimages.web.admin.common import AdminCall, begin, json_response, no_content, write

DEFAULT_DURATION_SECONDS = 900
MIN_DURATION_SECONDS = int(MIN_TEMPORARY_DURATION.total_seconds())
MAX_DURATION_SECONDS = int(MAX_TEMPORARY_DURATION.total_seconds())


def _invalid_body(detail: str) -> IamError:
    return IamError(400, "IAM.0011", f"Request body is invalid: {detail}")


async def revoke_token(request: Request) -> Response:
    """DELETE /v3/auth/tokens: revoke the token in X-Subject-Token, or 404 if there is none."""
    call = await begin(request)
    token = request.headers.get("x-subject-token", "").strip()
    if not token:
        raise IamError(400, "IAM.0009", "X-Subject-Token is invalid in the request: it is missing")
    revoked = await write(
        call, lambda session: IdentityAdmin(session, call.actor).revoke_token(token)
    )
    if not revoked:
        # The message leaves the token out, because a token value is a secret.
        raise IamError(404, "IAM.0004", "Could not find token: it is unknown or already revoked")
    return no_content()


def parse_duration(document: Any) -> int:
    """Read `auth.identity.token.duration_seconds` from a token-method credential request."""
    auth = _object(document, "auth")
    identity = _object(auth, "identity")
    if identity.get("methods") != ["token"]:
        raise _invalid_body('auth.identity.methods must be ["token"]')
    token = identity.get("token", {})
    if not isinstance(token, dict):
        raise _invalid_body("auth.identity.token must be an object")
    duration = token.get("duration_seconds", DEFAULT_DURATION_SECONDS)
    if (
        isinstance(duration, bool)
        or not isinstance(duration, int)
        or not MIN_DURATION_SECONDS <= duration <= MAX_DURATION_SECONDS
    ):
        raise _invalid_body(
            "auth.identity.token.duration_seconds must be a whole number from "
            f"{MIN_DURATION_SECONDS} to {MAX_DURATION_SECONDS}"
        )
    return duration


def _object(container: Any, name: str) -> dict[str, Any]:
    value = container.get(name) if isinstance(container, dict) else None
    if not isinstance(value, dict):
        raise _invalid_body(f"{name} must be an object")
    return value


def _check_body_token(call: AdminCall, document: Any) -> None:
    """Reject a body token id that differs from the X-Auth-Token the caller signed in with."""
    token = document["auth"]["identity"].get("token", {})
    body_token = token.get("id")
    if body_token is not None and body_token != call.request.headers.get("x-auth-token"):
        raise _invalid_body("auth.identity.token.id differs from the X-Auth-Token header")


async def create_security_token(request: Request) -> Response:
    """POST /v3.0/OS-CREDENTIAL/securitytokens: temporary AK/SK for the token's user."""
    call = await begin(request)
    if call.caller.method != "token":
        raise AuthenticationError("temporary credentials need a token in x-auth-token")
    try:
        document = orjson.loads(call.body)
    except orjson.JSONDecodeError:
        raise _invalid_body("not valid JSON") from None
    duration = parse_duration(document)
    _check_body_token(call, document)
    user_id = call.caller.principal.user_id
    credential = await write(
        call,
        lambda session: IdentityAdmin(
            session, call.actor, call.runtime.box
        ).create_temporary_credential(user_id, duration),
    )
    return json_response({"credential": credential}, 201)
