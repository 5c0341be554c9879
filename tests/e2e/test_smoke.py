"""A first request against a live server on each database."""

import httpx
from support.server import DEMO_DOMAIN, DEMO_PASSWORD, DEMO_USER, LiveServer


def test_token_then_list(live_server: LiveServer) -> None:
    login = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": DEMO_USER, "password": DEMO_PASSWORD, "domain": {"name": DEMO_DOMAIN}}
                },
            },
            "scope": {"project": {"id": live_server.project_id}},
        }
    }
    created = httpx.post(f"{live_server.endpoint}/v3/auth/tokens", json=login)
    assert created.status_code == 201
    token = created.headers["X-Subject-Token"]
    listed = httpx.get(
        f"{live_server.endpoint}/v1/{live_server.project_id}/dev-servers/images",
        headers={"X-Auth-Token": token},
    )
    assert listed.status_code == 200
    assert listed.json()["total"] == 19
