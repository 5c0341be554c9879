"""Admin routes for accounts, projects, users, roles, access keys and tokens."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin.identities import IdentityAdmin
from liteimages.web.admin.common import (
    begin,
    json_response,
    no_content,
    read,
    tagged_response,
    write,
)

# Accounts


async def create_account(request: Request) -> Response:
    """POST /admin/v1/accounts: create an account and its root user."""
    call = await begin(request)
    document = call.document()
    account = await write(
        call, lambda session: IdentityAdmin(session, call.actor).create_account(document)
    )
    return json_response(account, 201)


async def list_accounts(request: Request) -> Response:
    """GET /admin/v1/accounts."""
    call = await begin(request)
    accounts = await read(call, lambda session: IdentityAdmin(session, call.actor).list_accounts())
    return json_response({"accounts": accounts})


async def get_account(request: Request) -> Response:
    """GET /admin/v1/accounts/{account_id}."""
    call = await begin(request)
    account_id = call.path("account_id")
    account = await read(
        call, lambda session: IdentityAdmin(session, call.actor).get_account(account_id)
    )
    return tagged_response(account)


async def delete_account(request: Request) -> Response:
    """DELETE /admin/v1/accounts/{account_id}, honouring If-Match."""
    call = await begin(request)
    account_id = call.path("account_id")
    await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).delete_account(
            account_id, call.if_match
        ),
    )
    return no_content()


# Projects


async def create_project(request: Request) -> Response:
    """POST /admin/v1/accounts/{account_id}/projects."""
    call = await begin(request)
    account_id = call.path("account_id")
    document = call.document()
    project = await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).create_project(account_id, document),
    )
    return json_response(project, 201)


async def list_projects(request: Request) -> Response:
    """GET /admin/v1/accounts/{account_id}/projects."""
    call = await begin(request)
    account_id = call.path("account_id")
    projects = await read(
        call, lambda session: IdentityAdmin(session, call.actor).list_projects(account_id)
    )
    return json_response({"projects": projects})


async def delete_project(request: Request) -> Response:
    """DELETE /admin/v1/projects/{project_id}, honouring If-Match."""
    call = await begin(request)
    project_id = call.path("project_id")
    await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).delete_project(
            project_id, call.if_match
        ),
    )
    return no_content()


# Users


async def create_user(request: Request) -> Response:
    """POST /admin/v1/accounts/{account_id}/users."""
    call = await begin(request)
    account_id = call.path("account_id")
    document = call.document()
    user = await write(
        call, lambda session: IdentityAdmin(session, call.actor).create_user(account_id, document)
    )
    return json_response(user, 201)


async def list_users(request: Request) -> Response:
    """GET /admin/v1/accounts/{account_id}/users."""
    call = await begin(request)
    account_id = call.path("account_id")
    users = await read(
        call, lambda session: IdentityAdmin(session, call.actor).list_users(account_id)
    )
    return json_response({"users": users})


async def get_user(request: Request) -> Response:
    """GET /admin/v1/users/{user_id}."""
    call = await begin(request)
    user_id = call.path("user_id")
    user = await read(call, lambda session: IdentityAdmin(session, call.actor).get_user(user_id))
    return tagged_response(user)


async def update_user(request: Request) -> Response:
    """PATCH /admin/v1/users/{user_id}: enable or disable, honouring If-Match."""
    call = await begin(request)
    user_id = call.path("user_id")
    document = call.document()
    user = await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).update_user(
            user_id, document, call.if_match
        ),
    )
    return tagged_response(user)


async def delete_user(request: Request) -> Response:
    """DELETE /admin/v1/users/{user_id}, honouring If-Match."""
    call = await begin(request)
    user_id = call.path("user_id")
    await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).delete_user(user_id, call.if_match),
    )
    return no_content()


async def set_password(request: Request) -> Response:
    """PUT /admin/v1/users/{user_id}/password."""
    call = await begin(request)
    user_id = call.path("user_id")
    document = call.document()
    await write(
        call, lambda session: IdentityAdmin(session, call.actor).set_password(user_id, document)
    )
    return no_content()


# Roles


async def list_roles(request: Request) -> Response:
    """GET /admin/v1/users/{user_id}/roles."""
    call = await begin(request)
    user_id = call.path("user_id")
    roles = await read(call, lambda session: IdentityAdmin(session, call.actor).list_roles(user_id))
    return json_response({"roles": roles})


async def grant_role(request: Request) -> Response:
    """PUT /admin/v1/users/{user_id}/roles/{project_id}/{role}."""
    call = await begin(request)
    user_id, project_id, role = call.path("user_id"), call.path("project_id"), call.path("role")
    await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).grant_role(user_id, project_id, role),
    )
    return no_content()


async def revoke_role(request: Request) -> Response:
    """DELETE /admin/v1/users/{user_id}/roles/{project_id}/{role}."""
    call = await begin(request)
    user_id, project_id, role = call.path("user_id"), call.path("project_id"), call.path("role")
    await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).revoke_role(user_id, project_id, role),
    )
    return no_content()


# Access keys and tokens


async def create_access_key(request: Request) -> Response:
    """POST /admin/v1/users/{user_id}/access-keys: the only response with the secret key."""
    call = await begin(request)
    user_id = call.path("user_id")
    document = call.document(empty_is_object=True)
    key = await write(
        call,
        lambda session: IdentityAdmin(session, call.actor, call.runtime.box).create_access_key(
            user_id, document
        ),
    )
    return json_response(key, 201)


async def list_access_keys(request: Request) -> Response:
    """GET /admin/v1/users/{user_id}/access-keys, without secrets."""
    call = await begin(request)
    user_id = call.path("user_id")
    keys = await read(
        call, lambda session: IdentityAdmin(session, call.actor).list_access_keys(user_id)
    )
    return json_response({"access_keys": keys})


async def update_access_key(request: Request) -> Response:
    """PATCH /admin/v1/access-keys/{access_key}: enable or disable, honouring If-Match."""
    call = await begin(request)
    access_key = call.path("access_key")
    document = call.document()
    key = await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).update_access_key(
            access_key, document, call.if_match
        ),
    )
    return tagged_response(key)


async def delete_access_key(request: Request) -> Response:
    """DELETE /admin/v1/access-keys/{access_key}, honouring If-Match."""
    call = await begin(request)
    access_key = call.path("access_key")
    await write(
        call,
        lambda session: IdentityAdmin(session, call.actor).delete_access_key(
            access_key, call.if_match
        ),
    )
    return no_content()


async def revoke_user_tokens(request: Request) -> Response:
    """DELETE /admin/v1/users/{user_id}/tokens: revoke every live token of the user."""
    call = await begin(request)
    user_id = call.path("user_id")
    count = await write(
        call, lambda session: IdentityAdmin(session, call.actor).revoke_user_tokens(user_id)
    )
    return json_response({"revoked": count})
