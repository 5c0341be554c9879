"""Admin routes for flavors."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin.flavors import FlavorAdmin
from liteimages.web.admin.common import (
    begin,
    json_response,
    no_content,
    read,
    tagged_response,
    write,
)


async def create_flavor(request: Request) -> Response:
    """POST /admin/v1/flavors: register a flavor."""
    call = await begin(request)
    document = call.document()
    flavor = await write(call, lambda session: FlavorAdmin(session, call.actor).create(document))
    return json_response(flavor, 201)


async def list_flavors(request: Request) -> Response:
    """GET /admin/v1/flavors: every flavor, by name."""
    call = await begin(request)
    flavors = await read(call, lambda session: FlavorAdmin(session, call.actor).list())
    return json_response({"flavors": flavors})


async def get_flavor(request: Request) -> Response:
    """GET /admin/v1/flavors/{name}."""
    call = await begin(request)
    name = call.path("name")
    flavor = await read(call, lambda session: FlavorAdmin(session, call.actor).get(name))
    return tagged_response(flavor)


async def update_flavor(request: Request) -> Response:
    """PATCH /admin/v1/flavors/{name}: change some fields, honouring If-Match."""
    call = await begin(request)
    name = call.path("name")
    changes = call.document()
    flavor = await write(
        call, lambda session: FlavorAdmin(session, call.actor).update(name, changes, call.if_match)
    )
    return tagged_response(flavor)


async def delete_flavor(request: Request) -> Response:
    """DELETE /admin/v1/flavors/{name}, honouring If-Match: 409 while an image boots it."""
    call = await begin(request)
    name = call.path("name")
    await write(call, lambda session: FlavorAdmin(session, call.actor).delete(name, call.if_match))
    return no_content()
