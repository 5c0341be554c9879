"""Reading the audit trail: filters, paging and parameter rules."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest
from admin_support import Identity, check_error, create_image, find_event

from support.server import DEMO_AK


def test_filters_by_resource_and_action(admin: httpx.Client) -> None:
    image = create_image(admin)
    admin.patch(f"/admin/v1/images/{image['id']}", json={"description": "one"})
    admin.patch(f"/admin/v1/images/{image['id']}", json={"description": "two"})
    events = admin.get(
        "/admin/v1/audit-events",
        params={"resource_type": "image", "resource_id": image["id"], "action": "image.update"},
    ).json()["audit_events"]
    assert [event["after"]["description"] for event in events] == ["one", "two"]


def test_filters_by_actor(admin: httpx.Client, demo_admin: Identity) -> None:
    image = create_image(admin)
    for actor in (demo_admin.user_id, demo_admin.name):
        events = admin.get(
            "/admin/v1/audit-events", params={"actor": actor, "resource_id": image["id"]}
        ).json()["audit_events"]
        assert len(events) == 1
        assert events[0]["actor"]["access_key"] == DEMO_AK
    events = admin.get(
        "/admin/v1/audit-events", params={"actor": "nobody", "resource_id": image["id"]}
    ).json()["audit_events"]
    assert events == []


def test_since_and_until_bound_events(admin: httpx.Client) -> None:
    response = admin.post(
        "/admin/v1/images", json={"name": "timed", "arch": "ARM", "server_type": "BMS"}
    )
    event = find_event(admin, response, resource_id=response.json()["id"])
    at = datetime.fromisoformat(event["at"])
    resource = {"resource_id": response.json()["id"]}

    def count(**bounds: datetime) -> int:
        params = {**resource, **{name: moment.isoformat() for name, moment in bounds.items()}}
        return len(admin.get("/admin/v1/audit-events", params=params).json()["audit_events"])

    assert count(since=at) == 1
    assert count(since=at + timedelta(microseconds=1)) == 0
    assert count(until=at) == 0
    assert count(until=at + timedelta(seconds=1)) == 1
    assert count(since=at - timedelta(seconds=1), until=at + timedelta(seconds=1)) == 1


def test_time_with_literal_plus(admin: httpx.Client) -> None:
    image = create_image(admin)
    raw = f"/admin/v1/audit-events?resource_id={image['id']}&since=2000-01-01T00:00:00+00:00"
    response = admin.get(raw)
    assert response.status_code == 200, response.text
    assert len(response.json()["audit_events"]) == 1


def test_limit_and_offset_page(admin: httpx.Client) -> None:
    image = create_image(admin)
    for text in ("a", "b", "c"):
        admin.patch(f"/admin/v1/images/{image['id']}", json={"description": text})
    base = {"resource_id": image["id"], "action": "image.update"}

    def page(limit: int, offset: int) -> list[str]:
        params = {**base, "limit": str(limit), "offset": str(offset)}
        events = admin.get("/admin/v1/audit-events", params=params).json()["audit_events"]
        return [event["after"]["description"] for event in events]

    assert page(2, 0) == ["a", "b"]
    assert page(2, 2) == ["c"]
    assert page(2, 3) == []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("limit=", "limit"),
        ("limit=1&limit=2", "limit"),
        ("offset=-1", "offset"),
        ("since=yesterday", "since"),
        ("since=2025-01-02T03:04:05", "since"),
        ("until=2025-13-01T00:00:00Z", "until"),
        ("action=", "action"),
    ],
)
def test_bad_audit_query_400(admin: httpx.Client, query: str, parameter: str) -> None:
    response = admin.get(f"/admin/v1/audit-events?{query}")
    check_error(response, 400, "ModelArts.0101")
    assert response.json()["error_msg"].startswith(f"Invalid argument. parameter [{parameter}] ")


def test_limit_bounds_accepted(admin: httpx.Client) -> None:
    for limit in ("1", "1000"):
        response = admin.get("/admin/v1/audit-events", params={"limit": limit})
        assert response.status_code == 200
        assert len(response.json()["audit_events"]) <= int(limit)
