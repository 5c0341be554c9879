"""Admin API for images: create, read, update, delete, flavor links, shares and If-Match."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from admin_support import (
    Identity,
    check_actor,
    check_error,
    create_image,
    create_tenant,
    find_event,
    image_document,
    plain_client,
    signed_client,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    GetDevServerImageRequest,
    ListDevServerImagesRequest,
    ModelArtsClient,
)

from liteimages.admin.representations import etag
from support.server import DEMO_AK, DEMO_SK, LiveServer

FLAVOR = "c7.4xlarge.2"  # a demo X86 ECS flavor
CONCURRENT_ROUNDS = 3


def sdk_client(server: LiveServer, access_key: str, secret_key: str, project_id: str) -> Any:
    """Return an official SDK client of the project that calls the live server."""
    return (
        ModelArtsClient.new_builder()
        .with_credentials(BasicCredentials(access_key, secret_key, project_id))
        .with_endpoint(server.endpoint)
        .build()
    )


def private_image(admin: httpx.Client, live_server: LiveServer, **fields: Any) -> dict[str, Any]:
    """Register a private image of the demo project."""
    return create_image(
        admin, visibility="PRIVATE", owner_project_id=live_server.project_id, **fields
    )


def test_image_create_returns_document(admin: httpx.Client, demo_admin: Identity) -> None:
    document = image_document(tags=["gpu"], description="made by a test", flavors=[FLAVOR])
    response = admin.post("/admin/v1/images", json=document)
    assert response.status_code == 201, response.text
    image = response.json()
    assert image["name"] == document["name"]
    assert image["visibility"] == "PUBLIC"
    assert image["flavors"] == [FLAVOR]
    assert image["tags"] == ["gpu"]
    event = find_event(admin, response, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.create"
    assert event["before"] is None
    assert event["after"] == image
    check_actor(event, demo_admin, DEMO_AK)


def test_image_get_carries_etag(admin: httpx.Client) -> None:
    image = create_image(admin)
    response = admin.get(f"/admin/v1/images/{image['id']}")
    assert response.status_code == 200
    assert response.json() == image
    assert response.headers["ETag"] == etag(image)


def test_image_get_unknown_is_404(admin: httpx.Client) -> None:
    response = admin.get("/admin/v1/images/00000000-0000-4000-8000-000000000000")
    check_error(response, 404, "ModelArts.5058")


def test_image_list_filters_owner(admin: httpx.Client, live_server: LiveServer) -> None:
    public = create_image(admin)
    private = private_image(admin, live_server)
    everything = admin.get("/admin/v1/images").json()["images"]
    owned = admin.get(
        "/admin/v1/images", params={"owner_project_id": live_server.project_id}
    ).json()["images"]
    assert public["id"] in {image["id"] for image in everything}
    assert private["id"] in {image["id"] for image in everything}
    assert private["id"] in {image["id"] for image in owned}
    assert public["id"] not in {image["id"] for image in owned}


def test_image_patch_records_change(admin: httpx.Client, demo_admin: Identity) -> None:
    image = create_image(admin)
    response = admin.patch(
        f"/admin/v1/images/{image['id']}", json={"status": "INACTIVE", "tags": ["old"]}
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["status"] == "INACTIVE"
    assert changed["tags"] == ["old"]
    assert response.headers["ETag"] == etag(changed)
    event = find_event(admin, response, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.update"
    assert event["before"] == image
    assert event["after"] == changed
    check_actor(event, demo_admin, DEMO_AK)


def test_image_patch_reaches_catalog(admin: httpx.Client, live_server: LiveServer) -> None:
    image = create_image(admin)
    admin.patch(f"/admin/v1/images/{image['id']}", json={"name": "renamed-" + image["name"]})
    response = admin.get(f"/v1/{live_server.project_id}/dev-servers/images/{image['id']}")
    assert response.status_code == 200
    assert response.json()["name"] == "renamed-" + image["name"]


def test_image_patch_fixed_field_400(admin: httpx.Client) -> None:
    image = create_image(admin)
    response = admin.patch(f"/admin/v1/images/{image['id']}", json={"arch": "ARM"})
    check_error(response, 400, "ModelArts.0101")
    assert "[arch]" in response.json()["error_msg"]


def test_public_image_made_private(admin: httpx.Client, live_server: LiveServer) -> None:
    image = create_image(admin)
    response = admin.patch(
        f"/admin/v1/images/{image['id']}",
        json={"visibility": "PRIVATE", "owner_project_id": live_server.project_id},
    )
    assert response.status_code == 200, response.text
    assert response.json()["visibility"] == "PRIVATE"
    assert response.json()["owner_project_id"] == live_server.project_id


# ImageAdmin.update reads owner_project_id with fields.text, which rejects null, but a
# public image needs a null owner. So no PATCH can make a private image public.
def test_private_image_made_public(admin: httpx.Client, live_server: LiveServer) -> None:
    image = private_image(admin, live_server)
    response = admin.patch(
        f"/admin/v1/images/{image['id']}", json={"visibility": "PUBLIC", "owner_project_id": None}
    )
    assert response.status_code == 200, response.text
    assert response.json()["visibility"] == "PUBLIC"


def test_stale_if_match_changes_nothing(admin: httpx.Client) -> None:
    image = create_image(admin)
    old_etag = admin.get(f"/admin/v1/images/{image['id']}").headers["ETag"]
    admin.patch(f"/admin/v1/images/{image['id']}", json={"description": "first"})
    stale = admin.patch(
        f"/admin/v1/images/{image['id']}",
        json={"description": "second"},
        headers={"If-Match": old_etag},
    )
    check_error(stale, 412, "ModelArts.0112")
    assert admin.get(f"/admin/v1/images/{image['id']}").json()["description"] == "first"


def test_matching_if_match_applies(admin: httpx.Client) -> None:
    image = create_image(admin)
    current = admin.get(f"/admin/v1/images/{image['id']}").headers["ETag"]
    response = admin.patch(
        f"/admin/v1/images/{image['id']}",
        json={"description": "checked"},
        headers={"If-Match": current},
    )
    assert response.status_code == 200, response.text
    assert response.json()["description"] == "checked"
    assert response.headers["ETag"] != current


def test_stale_if_match_keeps_image(admin: httpx.Client) -> None:
    image = create_image(admin)
    response = admin.delete(f"/admin/v1/images/{image['id']}", headers={"If-Match": '"stale"'})
    check_error(response, 412, "ModelArts.0112")
    assert admin.get(f"/admin/v1/images/{image['id']}").status_code == 200


def _patch(live_server: LiveServer, path: str, body: dict[str, Any], tag: str) -> int:
    with signed_client(live_server, DEMO_AK, DEMO_SK, live_server.project_id) as client:
        return client.patch(path, json=body, headers={"If-Match": tag}).status_code


def test_concurrent_patches_one_wins(admin: httpx.Client, live_server: LiveServer) -> None:
    for round_number in range(CONCURRENT_ROUNDS):
        image = create_image(admin)
        path = f"/admin/v1/images/{image['id']}"
        tag = admin.get(path).headers["ETag"]
        barrier = threading.Barrier(2, timeout=10)

        def attempt(
            description: str, path: str = path, tag: str = tag, barrier: Any = barrier
        ) -> int:
            barrier.wait()
            body = {"description": description}
            return _patch(live_server, path, body, tag)

        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = sorted(pool.map(attempt, [f"a{round_number}", f"b{round_number}"]))
        assert statuses == [200, 412]
        assert admin.get(path).json()["description"] in (f"a{round_number}", f"b{round_number}")


def test_protected_image_delete_409(admin: httpx.Client, demo_admin: Identity) -> None:
    image = create_image(admin, protected=True)
    refused = admin.delete(f"/admin/v1/images/{image['id']}")
    check_error(refused, 409, "ModelArts.0109")
    admin.patch(f"/admin/v1/images/{image['id']}", json={"protected": False})
    response = admin.delete(f"/admin/v1/images/{image['id']}")
    assert response.status_code == 204
    assert admin.get(f"/admin/v1/images/{image['id']}").status_code == 404
    event = find_event(admin, response, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.delete"
    assert event["before"]["protected"] is False
    assert event["after"] is None
    check_actor(event, demo_admin, DEMO_AK)


def test_duplicate_image_id_409(admin: httpx.Client) -> None:
    image = create_image(admin)
    response = admin.post("/admin/v1/images", json=image_document(id=image["id"]))
    check_error(response, 409, "ModelArts.0109")


def test_link_and_unlink_flavor(admin: httpx.Client, demo_admin: Identity) -> None:
    image = create_image(admin)
    linked = admin.put(f"/admin/v1/images/{image['id']}/flavors/{FLAVOR}")
    assert linked.status_code == 204
    assert admin.get(f"/admin/v1/images/{image['id']}").json()["flavors"] == [FLAVOR]
    event = find_event(admin, linked, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.link"
    assert event["before"]["flavors"] == []
    assert event["after"]["flavors"] == [FLAVOR]
    check_actor(event, demo_admin, DEMO_AK)
    unlinked = admin.delete(f"/admin/v1/images/{image['id']}/flavors/{FLAVOR}")
    assert unlinked.status_code == 204
    assert admin.get(f"/admin/v1/images/{image['id']}").json()["flavors"] == []
    event = find_event(admin, unlinked, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.unlink"
    assert event["before"]["flavors"] == [FLAVOR]
    assert event["after"]["flavors"] == []


def test_link_unknown_flavor_404(admin: httpx.Client) -> None:
    image = create_image(admin)
    response = admin.put(f"/admin/v1/images/{image['id']}/flavors/no-such-flavor")
    check_error(response, 404, "ModelArts.5058")


def test_link_twice_is_idempotent(admin: httpx.Client) -> None:
    image = create_image(admin, flavors=[FLAVOR])
    response = admin.put(f"/admin/v1/images/{image['id']}/flavors/{FLAVOR}")
    assert response.status_code == 204
    events = admin.get(
        "/admin/v1/audit-events", params={"resource_id": image["id"], "action": "image.link"}
    ).json()["audit_events"]
    assert events == []


def _sdk_view(client: Any, image_id: str) -> tuple[int, int | None]:
    """Return the list total and the status of GetDevServerImage for the image."""
    total = client.list_dev_server_images(ListDevServerImagesRequest()).total
    try:
        client.get_dev_server_image(GetDevServerImageRequest(image_id))
    except ClientRequestException as error:
        return total, error.status_code
    return total, 200


def test_share_shows_image_in_sdk(
    admin: httpx.Client, live_server: LiveServer, demo_admin: Identity
) -> None:
    tenant = create_tenant(admin)
    with signed_client(live_server, tenant.access_key, tenant.secret_key) as owner:
        image = owner.post(
            "/admin/v1/images",
            json=image_document(visibility="PRIVATE", owner_project_id=tenant.project_id),
        ).json()
    client = sdk_client(live_server, DEMO_AK, DEMO_SK, live_server.project_id)
    before_total, before_status = _sdk_view(client, image["id"])
    assert before_status == 404

    shared = admin.put(f"/admin/v1/images/{image['id']}/shares/{live_server.project_id}")
    assert shared.status_code == 204
    assert _sdk_view(client, image["id"]) == (before_total + 1, 200)
    event = find_event(admin, shared, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.share"
    assert event["before"]["shared_with"] == []
    assert event["after"]["shared_with"] == [live_server.project_id]
    check_actor(event, demo_admin, DEMO_AK)

    unshared = admin.delete(f"/admin/v1/images/{image['id']}/shares/{live_server.project_id}")
    assert unshared.status_code == 204
    assert _sdk_view(client, image["id"]) == (before_total, 404)
    event = find_event(admin, unshared, resource_type="image", resource_id=image["id"])
    assert event["action"] == "image.unshare"
    assert event["after"]["shared_with"] == []


def test_share_public_image_400(admin: httpx.Client, live_server: LiveServer) -> None:
    image = create_image(admin)
    response = admin.put(f"/admin/v1/images/{image['id']}/shares/{live_server.project_id}")
    check_error(response, 400, "ModelArts.0101")


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        (b"{not json", "body"),
        (b"[1, 2]", "body"),
        (b"", "body"),
        (b'{"name": "x", "arch": "X86", "server_type": "ECS", "colour": "red"}', "colour"),
        (b'{"name": "x", "arch": "MIPS", "server_type": "ECS"}', "arch"),
        (b'{"arch": "X86", "server_type": "ECS"}', "name"),
    ],
)
def test_bad_image_body_400(admin: httpx.Client, body: bytes, parameter: str) -> None:
    response = admin.post(
        "/admin/v1/images", content=body, headers={"Content-Type": "application/json"}
    )
    check_error(response, 400, "ModelArts.0101")
    assert response.json()["error_msg"].startswith(f"Invalid argument. parameter [{parameter}] ")


def test_body_over_limit_413(admin: httpx.Client) -> None:
    padding = "x" * (1 << 20)
    response = admin.post("/admin/v1/images", json=image_document(description=padding))
    assert response.status_code == 413
    assert response.json()["error_code"] == "ModelArts.0101"


def test_admin_call_without_credential_401(live_server: LiveServer) -> None:
    with plain_client(live_server) as client:
        response = client.get("/admin/v1/images")
    check_error(response, 401, "APIGW.0301")


def test_unknown_admin_path_404(admin: httpx.Client) -> None:
    response = admin.get("/admin/v1/no-such-resource")
    check_error(response, 404, "APIGW.0101")
