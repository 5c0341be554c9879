"""Helpers of the OpenAPI tests: ids of the objects that the demo server contains."""

from __future__ import annotations

import httpx

from support.server import LiveServer

HTTP_TIMEOUT_S = 30.0


def known_path_values(server: LiveServer, token: str) -> dict[str, list[str]]:
    """Return, per path parameter name, values that name objects on the demo server."""
    with httpx.Client(
        base_url=server.endpoint, headers={"X-Auth-Token": token}, timeout=HTTP_TIMEOUT_S
    ) as client:
        images = client.get("/admin/v1/images").json()["images"]
        flavors = client.get("/admin/v1/flavors").json()["flavors"]
        accounts = client.get("/admin/v1/accounts").json()["accounts"]
        users = [
            user
            for account in accounts
            for user in client.get(f"/admin/v1/accounts/{account['id']}/users").json()["users"]
        ]
    image_ids = [image["id"] for image in images]
    flavor_names = [flavor["name"] for flavor in flavors]
    return {
        "project_id": [server.project_id],
        "id": image_ids,
        "image_id": image_ids,
        "name": flavor_names,
        "flavor_name": flavor_names,
        "account_id": [account["id"] for account in accounts],
        "user_id": [user["id"] for user in users],
    }
