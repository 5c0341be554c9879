"""The admin API under /admin/v1: images, flavors, identities and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from liteimages.catalog.query import MAX_FLAVOR_NAME
from liteimages.identity.lockout import LockoutKind
from liteimages.identity.service import ACCESS_KEY_PATTERN, ROLES
from liteimages.web.admin import common
from liteimages.web.admin.routes import PREFIX
from liteimages.web.openapi.catalog_paths import path_parameter, query_parameter
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
from liteimages.web.openapi.schemas import (
    HEX_ID,
    IMAGE_ID,
    PROJECT_ID,
    TIMESTAMP,
    Schema,
    enum_of,
    ref,
    text,
)

Codes = Mapping[int, Iterable[str]]

BAD_REQUEST: Codes = {400: ("ModelArts.0101",)}
FORBIDDEN: Codes = {403: ("ModelArts.0108",)}
NOT_FOUND: Codes = {404: ("ModelArts.5058",)}
CONFLICT: Codes = {409: ("ModelArts.0109",)}
STALE: Codes = {412: ("ModelArts.0112",)}
COMMON: tuple[Codes, ...] = (AUTHENTICATION, FORBIDDEN, BODY_TOO_LARGE, INTERNAL, UNAVAILABLE)
READ_ONE: tuple[Codes, ...] = (NOT_FOUND,)
CREATE: tuple[Codes, ...] = (BAD_REQUEST, NOT_FOUND, CONFLICT)
CHANGE: tuple[Codes, ...] = (BAD_REQUEST, NOT_FOUND, CONFLICT, STALE)

IMAGE = path_parameter("image_id", IMAGE_ID)
# The admin API is mounted with a path pattern that stops at a line feed, so a path
# parameter that contains one matches no route, which returns 404 APIGW.0101.
UNROUTABLE: Codes = {404: ("APIGW.0101",)}
FLAVOR_NAME: Schema = {**text(MAX_FLAVOR_NAME, 1), "pattern": "^[^\\n]*$"}
FLAVOR = path_parameter(
    "name", FLAVOR_NAME, "Flavor name. It may contain '/', sent as is or as %2F, but no line feed"
)
LINKED_FLAVOR = path_parameter("flavor_name", FLAVOR_NAME, "Flavor name, without line feeds")
ACCOUNT = path_parameter("account_id", HEX_ID)
PROJECT = path_parameter("project_id", PROJECT_ID)
USER = path_parameter("user_id", HEX_ID)
ROLE = path_parameter("role", {"type": "string", "enum": list(ROLES)})
ACCESS_KEY = path_parameter("access_key", {"type": "string", "pattern": ACCESS_KEY_PATTERN.pattern})
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETag of the version to change. A stale value is 412 and changes nothing",
}


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    responses: dict[str, Schema],
    errors: Iterable[Codes],
    parameters: Iterable[Schema] = (),
    body: str | None = None,
    body_required: bool = True,
) -> Schema:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [tag],
        "summary": summary,
        "responses": {**responses, **error_responses(*COMMON, *errors)},
    }
    parameters = list(parameters)
    if parameters:
        operation["parameters"] = parameters
    if any(parameter["in"] == "path" for parameter in parameters):
        # A malformed image id or a NUL in any path value is 400 ModelArts.0101.
        path_errors = error_responses(*COMMON, *errors, UNROUTABLE, BAD_REQUEST)
        operation["responses"].update(path_errors)
    if body is not None:
        operation["requestBody"] = {
            "required": body_required,
            "content": {JSON: {"schema": ref(body)}},
        }
    return operation


def _ok(schema_name: str, tagged: bool = False) -> dict[str, Schema]:
    headers = ("ETag",) if tagged else ()
    return {"200": json_response("OK", ref(schema_name), headers)}


def _created(schema_name: str) -> dict[str, Schema]:
    return {"201": json_response("Created", ref(schema_name))}


def _no_content() -> dict[str, Schema]:
    return {"204": empty_response("Done, also when there was nothing to add or remove")}


def _image_paths() -> dict[str, Schema]:
    tag = "Admin: images"
    owner = query_parameter(
        "owner_project_id", {"type": "string", "minLength": 1}, "Only this project's images"
    )
    one = [IMAGE]
    return {
        "/images": {
            "post": _operation(
                "CreateImage", "Register an image", tag, _created("Image"), CREATE,
                body="ImageCreate",
            ),
            "get": _operation(
                "ListImages", "List the images the caller administers", tag,
                _ok("ImageList"), (BAD_REQUEST,), [owner],
            ),
        },
        "/images/{image_id}": {
            "get": _operation("ShowImage", "Show an image", tag, _ok("Image", True), READ_ONE, one),
            "patch": _operation(
                "UpdateImage", "Change some fields of an image", tag, _ok("Image", True), CHANGE,
                [*one, IF_MATCH], body="ImageUpdate",
            ),
            "delete": _operation(
                "DeleteImage", "Delete an image unless it is protected", tag, _no_content(),
                CHANGE, [*one, IF_MATCH],
            ),
        },
        "/images/{image_id}/flavors/{flavor_name}": {
            "put": _operation(
                "LinkImageFlavor", "Record that the image boots the flavor", tag, _no_content(),
                CREATE, [IMAGE, LINKED_FLAVOR],
            ),
            "delete": _operation(
                "UnlinkImageFlavor", "Remove the link", tag, _no_content(),
                CREATE, [IMAGE, LINKED_FLAVOR],
            ),
        },
        "/images/{image_id}/shares/{project_id}": {
            "put": _operation(
                "ShareImage", "Share a private image with a project", tag, _no_content(), CREATE,
                [IMAGE, PROJECT],
            ),
            "delete": _operation(
                "UnshareImage", "Revoke a share", tag, _no_content(), CREATE, [IMAGE, PROJECT]
            ),
        },
    }  # fmt: skip


def _flavor_paths() -> dict[str, Schema]:
    tag = "Admin: flavors"
    return {
        "/flavors": {
            "post": _operation(
                "CreateFlavor", "Register a flavor", tag, _created("Flavor"), CREATE,
                body="FlavorCreate",
            ),
            "get": _operation("ListFlavors", "List every flavor", tag, _ok("FlavorList"), ()),
        },
        "/flavors/{name}": {
            "get": _operation(
                "ShowFlavor", "Show a flavor", tag, _ok("Flavor", True), READ_ONE,
                [FLAVOR],
            ),
            "patch": _operation(
                "UpdateFlavor", "Change some fields of a flavor", tag, _ok("Flavor", True),
                CHANGE, [FLAVOR, IF_MATCH], body="FlavorUpdate",
            ),
            "delete": _operation(
                "DeleteFlavor", "Delete a flavor that no image boots", tag, _no_content(),
                CHANGE, [FLAVOR, IF_MATCH],
            ),
        },
    }  # fmt: skip


def _account_paths() -> dict[str, Schema]:
    tag = "Admin: identities"
    return {
        "/accounts": {
            "post": _operation(
                "CreateAccount", "Create an account and its root user", tag, _created("Account"),
                CREATE, body="AccountCreate",
            ),
            "get": _operation("ListAccounts", "List accounts", tag, _ok("AccountList"), ()),
        },
        "/accounts/{account_id}": {
            "get": _operation(
                "ShowAccount", "Show an account", tag, _ok("Account", True), READ_ONE, [ACCOUNT]
            ),
            "delete": _operation(
                "DeleteAccount", "Delete an account unless it owns images", tag, _no_content(),
                CHANGE, [ACCOUNT, IF_MATCH],
            ),
        },
        "/accounts/{account_id}/projects": {
            "post": _operation(
                "CreateProject", "Create a project", tag, _created("Project"), CREATE,
                [ACCOUNT], body="ProjectCreate",
            ),
            "get": _operation(
                "ListProjects", "List an account's projects", tag, _ok("ProjectList"), READ_ONE,
                [ACCOUNT],
            ),
        },
        "/projects/{project_id}": {
            "delete": _operation(
                "DeleteProject", "Delete a project unless it owns images", tag, _no_content(),
                CHANGE, [PROJECT, IF_MATCH],
            ),
        },
        "/accounts/{account_id}/users": {
            "post": _operation(
                "CreateUser", "Create an IAM user", tag, _created("User"), CREATE, [ACCOUNT],
                body="UserCreate",
            ),
            "get": _operation(
                "ListUsers", "List an account's users", tag, _ok("UserList"), READ_ONE, [ACCOUNT]
            ),
        },
    }  # fmt: skip


def _user_paths() -> dict[str, Schema]:
    tag = "Admin: identities"
    role_path = "/users/{user_id}/roles/{project_id}/{role}"
    return {
        "/users/{user_id}": {
            "get": _operation("ShowUser", "Show a user", tag, _ok("User", True), READ_ONE, [USER]),
            "patch": _operation(
                "UpdateUser", "Enable or disable a user", tag, _ok("User", True), CHANGE,
                [USER, IF_MATCH], body="UserUpdate",
            ),
            "delete": _operation(
                "DeleteUser", "Delete a user other than the root user", tag, _no_content(),
                CHANGE, [USER, IF_MATCH],
            ),
        },
        "/users/{user_id}/password": {
            "put": _operation(
                "SetUserPassword", "Set or reset a user's password", tag, _no_content(), CREATE,
                [USER], body="PasswordChange",
            ),
        },
        "/users/{user_id}/roles": {
            "get": _operation(
                "ListRoles", "List a user's role grants", tag, _ok("RoleList"), READ_ONE, [USER]
            ),
        },
        role_path: {
            "put": _operation(
                "GrantRole", "Grant a role on a project", tag, _no_content(), CREATE,
                [USER, PROJECT, ROLE],
            ),
            "delete": _operation(
                "RevokeRole", "Remove a role grant", tag, _no_content(), CREATE,
                [USER, PROJECT, ROLE],
            ),
        },
        "/users/{user_id}/access-keys": {
            "post": _operation(
                "CreateAccessKey", "Create an access key, the only response with its secret key",
                tag, _created("AccessKeyCreated"), CREATE, [USER], body="AccessKeyCreate",
                body_required=False,
            ),
            "get": _operation(
                "ListAccessKeys", "List a user's access keys, without secrets", tag,
                _ok("AccessKeyList"), READ_ONE, [USER],
            ),
        },
        "/access-keys/{access_key}": {
            "patch": _operation(
                "UpdateAccessKey", "Enable or disable an access key", tag, _ok("AccessKey", True),
                CHANGE, [ACCESS_KEY, IF_MATCH], body="AccessKeyUpdate",
            ),
            "delete": _operation(
                "DeleteAccessKey", "Delete an access key", tag, _no_content(), CHANGE,
                [ACCESS_KEY, IF_MATCH],
            ),
        },
        "/users/{user_id}/tokens": {
            "delete": _operation(
                "RevokeUserTokens", "Revoke every live token of a user", tag,
                _ok("RevokedTokens"), (NOT_FOUND, CONFLICT), [USER],
            ),
        },
    }  # fmt: skip


def _audit_paths() -> dict[str, Schema]:
    texts = [
        query_parameter(name, {"type": "string", "minLength": 1}, description)
        for name, description in (
            ("actor", "User id, or a name such as account/user"),
            ("resource_type", "Such as image, flavor, user"),
            ("resource_id", "Id or name of the resource"),
            ("action", "Such as image.update"),
        )
    ]
    parameters = [
        query_parameter("since", TIMESTAMP, "Inclusive start, with a time zone"),
        query_parameter("until", TIMESTAMP, "Exclusive end, with a time zone"),
        *texts,
        *_page_parameters("events"),
    ]
    return {
        "/audit-events": {
            "get": _operation(
                "ListAuditEvents",
                "List audit events, oldest first",
                "Admin: audit",
                _ok("AuditEventList"),
                (BAD_REQUEST,),
                parameters,
            )
        }
    }


def _page_parameters(items: str) -> list[Schema]:
    limit = {
        "type": "integer",
        "minimum": 1,
        "maximum": common.MAX_LIMIT,
        "default": common.DEFAULT_LIMIT,
    }
    offset = {"type": "integer", "minimum": 0, "maximum": common.MAX_OFFSET, "default": 0}
    return [
        query_parameter("limit", limit, f"Maximum number of {items}"),
        query_parameter("offset", offset, f"Number of {items} to skip"),
    ]


def _lockout_paths() -> dict[str, Schema]:
    tag = "Admin: lockouts"
    kind = query_parameter(
        "kind", enum_of(LockoutKind), "Only lockouts of access keys, or only those of users"
    )
    account = query_parameter(
        "account_id", {"type": "string", "minLength": 1}, "Only lockouts of this account"
    )
    locked = query_parameter(
        "locked",
        {"type": "string", "enum": ["true", "false"]},
        "true: only locks that last now. false: only failure counts without a lock",
    )
    return {
        "/lockouts": {
            "get": _operation(
                "ListLockouts", "List the lockouts that count failures or lock now", tag,
                _ok("LockoutList"), (BAD_REQUEST,),
                [kind, account, locked, *_page_parameters("lockouts")],
            ),
            "delete": _operation(
                "ClearLockouts", "Clear every lockout, of one kind or account if given", tag,
                _ok("ClearedLockouts"), (BAD_REQUEST, CONFLICT), [kind, account],
            ),
        },
        "/lockouts/access-keys/{access_key}": {
            "delete": _operation(
                "ClearAccessKeyLockout", "Clear the signature lockout of an access key", tag,
                _ok("ClearedLockouts"), (NOT_FOUND, CONFLICT), [ACCESS_KEY],
            ),
        },
        "/lockouts/users/{user_id}": {
            "delete": _operation(
                "ClearUserLockout", "Clear the password lockout of a user", tag,
                _ok("ClearedLockouts"), (NOT_FOUND, CONFLICT), [USER],
            ),
        },
    }  # fmt: skip


def admin_paths() -> dict[str, Schema]:
    """Return the path items of the admin API, with the /admin/v1 prefix."""
    relative = {
        **_image_paths(),
        **_flavor_paths(),
        **_account_paths(),
        **_user_paths(),
        **_lockout_paths(),
        **_audit_paths(),
    }
    return {PREFIX + path: item for path, item in relative.items()}
