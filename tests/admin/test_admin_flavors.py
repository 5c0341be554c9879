"""Admin API for flavors: create, read, update, delete and the links that block deletion."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from admin_support import (
    Identity,
    check_actor,
    check_error,
    create_image,
    find_event,
    signed_client,
    unique_name,
)

from liteimages.admin.representations import etag
from support.server import DEMO_AK, DEMO_SK, LiveServer

CONCURRENT_ROUNDS = 5


def flavor_document(**fields: Any) -> dict[str, Any]:
    """Return a minimal X86 ECS flavor document with a unique name, plus `fields`."""
    return {"name": unique_name("flavor"), "arch": "X86", "server_type": "ECS", **fields}


def create_flavor(admin: httpx.Client, **fields: Any) -> dict[str, Any]:
    """Register a flavor through the admin API and return its representation."""
    response = admin.post("/admin/v1/flavors", json=flavor_document(**fields))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_flavor_create_records_event(admin: httpx.Client, demo_admin: Identity) -> None:
    document = flavor_document(count=3, specification="8 vCPUs | 32 GiB")
    response = admin.post("/admin/v1/flavors", json=document)
    assert response.status_code == 201, response.text
    flavor = response.json()
    assert flavor["name"] == document["name"]
    assert flavor["count"] == 3
    assert flavor["charging_mode"] == "POST_PAID"
    event = find_event(admin, response, resource_type="flavor", resource_id=flavor["name"])
    assert event["action"] == "flavor.create"
    assert event["before"] is None
    assert event["after"] == flavor
    check_actor(event, demo_admin, DEMO_AK)


def test_flavor_get_carries_etag(admin: httpx.Client) -> None:
    flavor = create_flavor(admin)
    response = admin.get(f"/admin/v1/flavors/{flavor['name']}")
    assert response.status_code == 200
    assert response.json() == flavor
    assert response.headers["ETag"] == etag(flavor)


def test_flavor_list_includes_new(admin: httpx.Client) -> None:
    flavor = create_flavor(admin)
    names = [item["name"] for item in admin.get("/admin/v1/flavors").json()["flavors"]]
    assert flavor["name"] in names
    assert names == sorted(names)


def test_flavor_reaches_catalog(admin: httpx.Client, live_server: LiveServer) -> None:
    flavor = create_flavor(admin)
    listing = admin.get(f"/v1/{live_server.project_id}/dev-servers/flavors").json()
    assert flavor["name"] in {item["flavor"] for item in listing["data"]}


def test_flavor_patch_records_change(admin: httpx.Client, demo_admin: Identity) -> None:
    flavor = create_flavor(admin)
    tag = admin.get(f"/admin/v1/flavors/{flavor['name']}").headers["ETag"]
    response = admin.patch(
        f"/admin/v1/flavors/{flavor['name']}",
        json={"is_sold_out": True, "count": 0},
        headers={"If-Match": tag},
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["is_sold_out"] is True
    assert response.headers["ETag"] == etag(changed)
    event = find_event(admin, response, resource_type="flavor", resource_id=flavor["name"])
    assert event["action"] == "flavor.update"
    assert event["before"] == flavor
    assert event["after"] == changed
    check_actor(event, demo_admin, DEMO_AK)


def test_flavor_stale_if_match_412(admin: httpx.Client) -> None:
    flavor = create_flavor(admin)
    tag = admin.get(f"/admin/v1/flavors/{flavor['name']}").headers["ETag"]
    admin.patch(f"/admin/v1/flavors/{flavor['name']}", json={"count": 7})
    stale = admin.patch(
        f"/admin/v1/flavors/{flavor['name']}", json={"count": 9}, headers={"If-Match": tag}
    )
    check_error(stale, 412, "ModelArts.0112")
    refused = admin.delete(f"/admin/v1/flavors/{flavor['name']}", headers={"If-Match": tag})
    check_error(refused, 412, "ModelArts.0112")
    assert admin.get(f"/admin/v1/flavors/{flavor['name']}").json()["count"] == 7


def test_flavor_fixed_field_400(admin: httpx.Client) -> None:
    flavor = create_flavor(admin)
    response = admin.patch(f"/admin/v1/flavors/{flavor['name']}", json={"arch": "ARM"})
    check_error(response, 400, "ModelArts.0101")
    assert "[arch]" in response.json()["error_msg"]


def test_duplicate_flavor_409(admin: httpx.Client) -> None:
    flavor = create_flavor(admin)
    document = flavor_document(name=flavor["name"])
    check_error(admin.post("/admin/v1/flavors", json=document), 409, "ModelArts.0109")


def test_linked_flavor_delete_409(admin: httpx.Client, demo_admin: Identity) -> None:
    flavor = create_flavor(admin)
    image = create_image(admin, flavors=[flavor["name"]])
    refused = admin.delete(f"/admin/v1/flavors/{flavor['name']}")
    check_error(refused, 409, "ModelArts.0109")
    assert image["id"] in refused.json()["error_msg"]
    admin.delete(f"/admin/v1/images/{image['id']}/flavors/{flavor['name']}")
    response = admin.delete(f"/admin/v1/flavors/{flavor['name']}")
    assert response.status_code == 204
    check_error(admin.get(f"/admin/v1/flavors/{flavor['name']}"), 404, "ModelArts.5058")
    event = find_event(admin, response, resource_type="flavor", resource_id=flavor["name"])
    assert event["action"] == "flavor.delete"
    assert event["before"]["name"] == flavor["name"]
    assert event["after"] is None
    check_actor(event, demo_admin, DEMO_AK)


def test_flavor_name_with_slash(admin: httpx.Client) -> None:
    name = unique_name("rack/flavor")
    create_flavor(admin, name=name)
    response = admin.get(f"/admin/v1/flavors/{name.replace('/', '%2F')}")
    assert response.status_code == 200
    assert response.json()["name"] == name


def _create_flavor_status(live_server: LiveServer, name: str, barrier: threading.Barrier) -> int:
    with signed_client(live_server, DEMO_AK, DEMO_SK, live_server.project_id) as client:
        barrier.wait()
        return client.post("/admin/v1/flavors", json=flavor_document(name=name)).status_code


def test_concurrent_duplicates_one_wins(admin: httpx.Client, live_server: LiveServer) -> None:
    for _ in range(CONCURRENT_ROUNDS):
        name = unique_name("raced")
        barrier = threading.Barrier(2, timeout=10)
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [
                pool.submit(_create_flavor_status, live_server, name, barrier) for _ in range(2)
            ]
            statuses = sorted(future.result() for future in futures)
        assert statuses == [201, 409]
        assert admin.get(f"/admin/v1/flavors/{name}").status_code == 200
