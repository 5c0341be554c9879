"""The IAM-style calls: password tokens, token revocation, project look-up, temporary keys."""

from __future__ import annotations

from liteimages.web.openapi.catalog_paths import query_parameter
from liteimages.web.openapi.responses import (
    AUTHENTICATION,
    BODY_TOO_LARGE,
    INTERNAL,
    JSON,
    UNAVAILABLE,
    empty_response,
    error_responses,
    json_response,
)
from liteimages.web.openapi.schemas import Schema, ref

IAM_TAG = "IAM"
NO_SECURITY: list[Schema] = []
TOKEN_ONLY: list[Schema] = [{"token": []}]
WRITE_CONFLICT = {409: ("ModelArts.0109",)}


def _json_body(schema_name: str, required: bool = True) -> Schema:
    return {"required": required, "content": {JSON: {"schema": ref(schema_name)}}}


def _create_token() -> Schema:
    subject_token = {
        "description": "The new token: send it in X-Auth-Token",
        "required": True,
        "schema": {"type": "string", "minLength": 1},
    }
    return {
        "operationId": "KeystoneCreateUserTokenByPassword",
        "tags": [IAM_TAG],
        "summary": "Get a project-scoped token with a user name and password",
        "description": (
            "The token is in the X-Subject-Token response header and is valid for 24 hours. "
            "The IAM error codes are liteimages' choice: the public IAM pages do not list "
            "the codes of a failed password login."
        ),
        "security": NO_SECURITY,
        "requestBody": _json_body("PasswordTokenRequest"),
        "responses": {
            "201": json_response(
                "Token created", ref("TokenResponse"), **{"X-Subject-Token": subject_token}
            ),
            **error_responses(
                {400: ("IAM.0011",), 401: ("IAM.0001",), 404: ("IAM.0004",)},
                BODY_TOO_LARGE,
                INTERNAL,
                UNAVAILABLE,
            ),
        },
    }


def _revoke_token() -> Schema:
    return {
        "operationId": "RevokeToken",
        "tags": [IAM_TAG],
        "summary": "Revoke a token",
        "description": (
            "Revokes the token in X-Subject-Token: the caller's own, or a token of a user of "
            "an account the caller administers."
        ),
        "parameters": [
            {
                "name": "X-Subject-Token",
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "The token to revoke",
            }
        ],
        "responses": {
            "204": empty_response("Token revoked"),
            **error_responses(
                {
                    400: ("IAM.0009",),
                    403: ("ModelArts.0108",),
                    404: ("IAM.0004", "ModelArts.5058"),
                },
                AUTHENTICATION,
                WRITE_CONFLICT,
                BODY_TOO_LARGE,
                INTERNAL,
                UNAVAILABLE,
            ),
        },
    }


def _list_projects() -> Schema:
    return {
        "operationId": "KeystoneListProjects",
        "tags": [IAM_TAG],
        "summary": "List the projects of the caller's account",
        "description": (
            "The SDK calls this, signed, to find the project id when it is given a region "
            "and no project id."
        ),
        "parameters": [
            query_parameter("name", {"type": "string"}, "Only the project with this name")
        ],
        "responses": {
            "200": json_response("The projects", ref("KeystoneListProjectsResponse")),
            **error_responses(AUTHENTICATION, BODY_TOO_LARGE, INTERNAL, UNAVAILABLE),
        },
    }


def _create_security_token() -> Schema:
    return {
        "operationId": "CreateTemporaryAccessKeyByToken",
        "tags": [IAM_TAG],
        "summary": "Create a temporary access key with a security token",
        "description": (
            "Needs X-Auth-Token. A request signed with AK/SK is 401 APIGW.0301. Use the "
            "result with BasicCredentials(access, secret, project_id)"
            ".with_security_token(securitytoken)."
        ),
        "security": TOKEN_ONLY,
        "requestBody": _json_body("SecurityTokenRequest"),
        "responses": {
            "201": json_response("Temporary credentials", ref("SecurityTokenResponse")),
            **error_responses(
                {400: ("IAM.0011", "ModelArts.0101"), 404: ("ModelArts.5058",)},
                AUTHENTICATION,
                WRITE_CONFLICT,
                BODY_TOO_LARGE,
                INTERNAL,
                UNAVAILABLE,
            ),
        },
    }


def iam_paths() -> dict[str, Schema]:
    """Return the path items of the IAM-style calls."""
    return {
        "/v3/auth/tokens": {"post": _create_token(), "delete": _revoke_token()},
        "/v3/projects": {"get": _list_projects()},
        "/v3.0/OS-CREDENTIAL/securitytokens": {"post": _create_security_token()},
    }
