"""Admin routes for images: CRUD, flavor links and shares."""

from __future__ import annotations

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from liteimages.admin.images import ImageAdmin, list_images
from liteimages.admin.representations import Representation
from liteimages.web.admin.common import (
    begin,
    json_response,
    no_content,
    read,
    tagged_response,
    write,
)


async def create_image(request: Request) -> Response:
    """POST /admin/v1/images: register an image."""
    call = await begin(request)
    document = call.document()
    image = await write(call, lambda session: ImageAdmin(session, call.actor).create(document))
    return json_response(image, 201)


async def list_all_images(request: Request) -> Response:
    """GET /admin/v1/images[?owner_project_id=]: the images the caller administers."""
    call = await begin(request)
    owner_project_id = call.query("owner_project_id")

    def load(session: Session) -> list[Representation]:
        images = list_images(session, call.actor, owner_project_id)
        return ImageAdmin(session, call.actor).represent_many(images)

    return json_response({"images": await read(call, load)})


async def get_image(request: Request) -> Response:
    """GET /admin/v1/images/{image_id}."""
    call = await begin(request)
    image_id = call.path("image_id")
    image = await read(call, lambda session: ImageAdmin(session, call.actor).get(image_id))
    return tagged_response(image)


async def update_image(request: Request) -> Response:
    """PATCH /admin/v1/images/{image_id}: change some fields, honouring If-Match."""
    call = await begin(request)
    image_id = call.path("image_id")
    changes = call.document()
    image = await write(
        call,
        lambda session: ImageAdmin(session, call.actor).update(image_id, changes, call.if_match),
    )
    return tagged_response(image)


async def delete_image(request: Request) -> Response:
    """DELETE /admin/v1/images/{image_id}, honouring If-Match."""
    call = await begin(request)
    image_id = call.path("image_id")
    await write(
        call, lambda session: ImageAdmin(session, call.actor).delete(image_id, call.if_match)
    )
    return no_content()


async def link_flavor(request: Request) -> Response:
    """PUT /admin/v1/images/{image_id}/flavors/{flavor_name}: the image boots the flavor."""
    call = await begin(request)
    image_id, flavor_name = call.path("image_id"), call.path("flavor_name")
    await write(call, lambda session: ImageAdmin(session, call.actor).link(image_id, flavor_name))
    return no_content()


async def unlink_flavor(request: Request) -> Response:
    """DELETE /admin/v1/images/{image_id}/flavors/{flavor_name}."""
    call = await begin(request)
    image_id, flavor_name = call.path("image_id"), call.path("flavor_name")
    await write(call, lambda session: ImageAdmin(session, call.actor).unlink(image_id, flavor_name))
    return no_content()


async def share_image(request: Request) -> Response:
    """PUT /admin/v1/images/{image_id}/shares/{project_id}: the project may see the image."""
    call = await begin(request)
    image_id, project_id = call.path("image_id"), call.path("project_id")
    await write(call, lambda session: ImageAdmin(session, call.actor).share(image_id, project_id))
    return no_content()


async def unshare_image(request: Request) -> Response:
    """DELETE /admin/v1/images/{image_id}/shares/{project_id}."""
    call = await begin(request)
    image_id, project_id = call.path("image_id"), call.path("project_id")
    await write(call, lambda session: ImageAdmin(session, call.actor).unshare(image_id, project_id))
    return no_content()
