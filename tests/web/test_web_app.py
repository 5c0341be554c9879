"""The application in process: routing, request ids, body limit, conditional GETs, refresh."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
import pytest

from liteimages.catalog import service as catalog
from liteimages.catalog.enums import Arch, ServerType
from liteimages.catalog.service import ImageSpec
from liteimages.config import Settings
from liteimages.web.app import create_app
from liteimages.web.asgi import MAX_BODY_BYTES

pytestmark = pytest.mark.anyio

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")
ROUTE_NOT_FOUND = {
    "error_code": "APIGW.0101",
    "error_msg": "The API does not exist or has not been published in the environment",
}


def assert_gateway_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert response.status_code == status
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    assert REQUEST_ID.fullmatch(body["request_id"])
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/nope",
        "/v1",
        "/v1/{project}/dev-servers",
        "/v1/{project}/dev-servers/images/",
        "/v1/{project}/dev-servers/images/{image}/extra",
        "/v1/{project}/dev-servers/servers",
        "/v2/{project}/dev-servers/images",
        "/v3/auth",
    ],
)
async def test_unknown_route(http: httpx.AsyncClient, seeded: Any, path: str) -> None:
    url = path.format(project=seeded.project_id, image=seeded.public_image_id)

    response = await http.get(url, headers={"X-Auth-Token": seeded.token})

    body = assert_gateway_error(response, 404, "APIGW.0101")
    assert body["error_msg"] == ROUTE_NOT_FOUND["error_msg"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v1/{project}/dev-servers/images"),
        ("PUT", "/v1/{project}/dev-servers/images/{image}"),
        ("DELETE", "/v1/{project}/dev-servers/images/{image}"),
        ("PATCH", "/v1/{project}/dev-servers/flavors"),
        ("GET", "/v3/auth/tokens"),
        ("PUT", "/v3/auth/tokens"),
        ("POST", "/v3/projects"),
        ("POST", "/health/live"),
    ],
)
async def test_wrong_method(http: httpx.AsyncClient, seeded: Any, method: str, path: str) -> None:
    url = path.format(project=seeded.project_id, image=seeded.public_image_id)

    response = await http.request(method, url, headers={"X-Auth-Token": seeded.token})

    assert_gateway_error(response, 404, "APIGW.0101")


async def test_health(http: httpx.AsyncClient) -> None:
    response = await http.get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


async def test_body_over_limit_rejected(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.request(
        "GET",
        seeded.images_path,
        headers={"X-Auth-Token": seeded.token},
        content=b"x" * (MAX_BODY_BYTES + 1),
    )

    assert response.status_code == 413
    assert response.json()["error_code"] == "ModelArts.0101"
    assert response.json()["error_msg"] == "Request body is too large"
    assert REQUEST_ID.fullmatch(response.headers["x-request-id"])


async def test_body_at_limit_accepted(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.request(
        "GET",
        seeded.images_path,
        headers={"X-Auth-Token": seeded.token},
        content=b"x" * MAX_BODY_BYTES,
    )

    assert response.status_code == 200


async def test_token_body_over_limit_rejected(http: httpx.AsyncClient) -> None:
    response = await http.post("/v3/auth/tokens", content=b"{" * (MAX_BODY_BYTES + 1))

    assert response.status_code == 413


def every_kind_of_request(seeded: Any) -> list[tuple[str, str, dict[str, str], bytes, int]]:
    token = {"X-Auth-Token": seeded.token}
    images = seeded.images_path
    return [
        ("GET", "/health/live", {}, b"", 200),
        ("GET", "/nope", {}, b"", 404),
        ("GET", images, {}, b"", 401),
        ("GET", images, token, b"", 200),
        ("HEAD", images, token, b"", 200),
        ("GET", images + "?limit=0", token, b"", 400),
        ("GET", images + "/not-a-uuid", token, b"", 400),
        ("GET", f"{images}/{seeded.private_image_id}", token, b"", 404),
        ("GET", f"/v1/{seeded.other_project_id}/dev-servers/images", token, b"", 403),
        ("GET", images, token, b"x" * (MAX_BODY_BYTES + 1), 413),
        ("POST", "/v3/auth/tokens", {}, b"{}", 400),
        ("GET", "/v3/projects", token, b"", 200),
        ("GET", "/v3/projects", {}, b"", 401),
    ]


async def test_every_response_has_request_id(http: httpx.AsyncClient, seeded: Any) -> None:
    seen = set()
    for method, url, headers, body, status in every_kind_of_request(seeded):
        response = await http.request(method, url, headers=headers, content=body)

        assert response.status_code == status, (method, url)
        assert REQUEST_ID.fullmatch(response.headers["x-request-id"]), (method, url)
        assert len(response.headers.get_list("x-request-id")) == 1, (method, url)
        seen.add(response.headers["x-request-id"])
    assert len(seen) == len(every_kind_of_request(seeded))


async def test_not_modified(http: httpx.AsyncClient, seeded: Any) -> None:
    token = {"X-Auth-Token": seeded.token}
    first = await http.get(seeded.images_path, headers=token)
    etag = first.headers["etag"]

    second = await http.get(seeded.images_path, headers={**token, "If-None-Match": etag})

    assert second.status_code == 304
    assert second.content == b""
    assert second.headers["etag"] == etag
    assert REQUEST_ID.fullmatch(second.headers["x-request-id"])


@pytest.mark.parametrize(
    "if_none_match",
    ["{etag}", "W/{etag}", '"other", {etag}', "*"],
)
async def test_if_none_match_forms(
    http: httpx.AsyncClient, seeded: Any, if_none_match: str
) -> None:
    token = {"X-Auth-Token": seeded.token}
    etag = (await http.get(seeded.images_path, headers=token)).headers["etag"]

    response = await http.get(
        seeded.images_path, headers={**token, "If-None-Match": if_none_match.format(etag=etag)}
    )

    assert response.status_code == 304


@pytest.mark.parametrize("if_none_match", ['"other"', "", "W/"])
async def test_if_none_match_other_tag(
    http: httpx.AsyncClient, seeded: Any, if_none_match: str
) -> None:
    token = {"X-Auth-Token": seeded.token, "If-None-Match": if_none_match}

    response = await http.get(seeded.images_path, headers=token)

    assert response.status_code == 200
    assert response.json()["total"] == 31


async def test_etag_differs_by_query(http: httpx.AsyncClient, seeded: Any) -> None:
    token = {"X-Auth-Token": seeded.token}

    whole = await http.get(seeded.images_path, headers=token)
    page = await http.get(seeded.images_path + "?limit=2", headers=token)

    assert whole.headers["etag"] != page.headers["etag"]


async def test_etag_stable_across_requests(http: httpx.AsyncClient, seeded: Any) -> None:
    token = {"X-Auth-Token": seeded.token}
    url = f"{seeded.images_path}/{seeded.public_image_id}"

    first = await http.get(url, headers=token)
    second = await http.get(url, headers=token)

    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


@pytest.mark.parametrize(
    "suffix", ["", "?limit=3&offset=1", "/d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"]
)
async def test_head_matches_get(http: httpx.AsyncClient, seeded: Any, suffix: str) -> None:
    url = seeded.images_path + suffix
    token = {"X-Auth-Token": seeded.token, "Accept-Encoding": "identity"}

    got = await http.get(url, headers=token)
    head = await http.head(url, headers=token)

    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["etag"] == got.headers["etag"]
    assert head.headers["content-type"] == "application/json"


async def test_head_on_error(http: httpx.AsyncClient, seeded: Any) -> None:
    response = await http.head(seeded.images_path + "?limit=0", headers={"X-Auth-Token": "x"})

    assert response.status_code == 401


async def test_refresh_shows_new_image(seeded: Any) -> None:
    app = create_app(
        Settings(
            data_dir=seeded.app.runtime.settings.data_dir,
            database_url=seeded.database.url,
            secret_key=seeded.secret_key,
        )
    )
    app.runtime.load()
    token = {"X-Auth-Token": seeded.token}
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8080"
        ) as http:
            before = await http.get(seeded.images_path, headers=token)
            with seeded.database.write() as session:
                catalog.add_image(session, ImageSpec("added-later", Arch.ARM, ServerType.HPS))
            stale = await http.get(seeded.images_path, headers=token)
            await app.runtime.refresh()
            after = await http.get(
                seeded.images_path, headers={**token, "If-None-Match": before.headers["etag"]}
            )
    finally:
        app.runtime.close()

    assert stale.json()["total"] == before.json()["total"]
    assert after.status_code == 200
    assert after.json()["total"] == before.json()["total"] + 1
    assert after.headers["etag"] != before.headers["etag"]


async def test_lifespan_loads_and_polls(seeded: Any) -> None:
    app = create_app(
        Settings(
            data_dir=seeded.app.runtime.settings.data_dir,
            database_url=seeded.database.url,
            secret_key=seeded.secret_key,
            poll_interval=0.05,
        )
    )
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    running = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await asyncio.wait_for(outbox.get(), timeout=10)
    loaded = app.runtime.view.revision
    with seeded.database.write() as session:
        catalog.add_image(session, ImageSpec("seen-by-poller", Arch.ARM, ServerType.HPS))
    for _ in range(200):
        if app.runtime.view.revision != loaded:
            break
        await asyncio.sleep(0.05)
    polled = app.runtime.view.revision
    await inbox.put({"type": "lifespan.shutdown"})
    stopped = await asyncio.wait_for(outbox.get(), timeout=10)
    await asyncio.wait_for(running, timeout=10)

    assert started == {"type": "lifespan.startup.complete"}
    assert loaded >= 0
    assert polled == loaded + 1
    assert stopped == {"type": "lifespan.shutdown.complete"}
