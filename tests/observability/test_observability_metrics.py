"""GET /metrics of a live server: request counts, latency, auth failures and catalog gauges."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import httpx
import pytest
from observability_support import (
    demo_token,
    images_path,
    sample,
    scrape,
    signed_get,
    start_seeded_server,
    wait_for_sample,
)
from sqlalchemy import func, select

from liteimages.catalog.enums import Arch, ServerType
from liteimages.catalog.models import Flavor, Image
from liteimages.catalog.service import ImageSpec, add_image
from liteimages.db import revisions
from liteimages.db.engine import Database
from support.server import LiveServer

DOCUMENTED_IMAGE_ID = "d7811cdb-b0c6-44fe-9931-1f3b2b6ef477"
REQUESTS = "liteimages_http_requests_total"
DURATION = "liteimages_http_request_duration_seconds"
AUTH_FAILURES = "liteimages_auth_failures_total"
Call = Callable[[LiveServer, str], httpx.Response]


@pytest.fixture(scope="module")
def server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """Yield a seeded server with metrics on."""
    server = start_seeded_server(module_database_url, tmp_path_factory.mktemp("metrics"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def token(server: LiveServer) -> str:
    """Return a token of the demo user."""
    return demo_token(server)


@pytest.fixture(scope="module")
def database(server: LiveServer) -> Iterator[Database]:
    """Yield a connection pool to the server's database."""
    database = Database(server.database_url)
    yield database
    database.dispose()


def catalog_url(server: LiveServer, resource: str) -> str:
    """Return the URL of a catalog resource of the demo project."""
    return f"{server.endpoint}/v1/{server.project_id}/dev-servers/{resource}"


CASES: list[tuple[str, Call, str, int]] = [
    (
        "image list",
        lambda s, t: httpx.get(catalog_url(s, "images"), headers={"X-Auth-Token": t}),
        "list_images",
        200,
    ),
    (
        "image detail",
        lambda s, t: httpx.get(
            catalog_url(s, f"images/{DOCUMENTED_IMAGE_ID}"), headers={"X-Auth-Token": t}
        ),
        "get_image",
        200,
    ),
    (
        "flavor list",
        lambda s, t: httpx.get(catalog_url(s, "flavors"), headers={"X-Auth-Token": t}),
        "list_flavors",
        200,
    ),
    (
        "list without credentials",
        lambda s, t: httpx.get(catalog_url(s, "images")),
        "list_images",
        401,
    ),
    (
        "project look-up",
        lambda s, t: httpx.get(s.endpoint + "/v3/projects", headers={"X-Auth-Token": t}),
        "iam",
        200,
    ),
    (
        "admin image list",
        lambda s, t: httpx.get(s.endpoint + "/admin/v1/images", headers={"X-Auth-Token": t}),
        "admin",
        200,
    ),
    ("readiness", lambda s, t: httpx.get(s.endpoint + "/health/ready"), "health", 200),
    ("unknown path", lambda s, t: httpx.get(s.endpoint + "/no/such/path"), "other", 404),
]


@pytest.mark.parametrize(
    ("call", "route", "status"),
    [pytest.param(call, route, status, id=name) for name, call, route, status in CASES],
)
def test_request_counted(
    server: LiveServer, token: str, call: Call, route: str, status: int
) -> None:
    before = sample(scrape(server), REQUESTS, route=route, status=str(status))

    for _ in range(3):
        assert call(server, token).status_code == status
    after = sample(scrape(server), REQUESTS, route=route, status=str(status))

    assert after == before + 3


def test_duration_histogram(server: LiveServer, token: str) -> None:
    labels = {"route": "list_images", "status": "200"}
    before = scrape(server)

    for _ in range(4):
        httpx.get(catalog_url(server, "images"), headers={"X-Auth-Token": token})
    after = scrape(server)

    count = sample(after, DURATION + "_count", **labels) - sample(
        before, DURATION + "_count", **labels
    )
    total = sample(after, DURATION + "_sum", **labels) - sample(before, DURATION + "_sum", **labels)
    inf_bucket = sample(after, DURATION + "_bucket", le="+Inf", **labels)
    assert count == 4
    assert total > 0
    assert inf_bucket == sample(after, DURATION + "_count", **labels)


def test_metrics_scrape_counted(server: LiveServer) -> None:
    before = sample(scrape(server), REQUESTS, route="metrics", status="200")

    after = sample(scrape(server), REQUESTS, route="metrics", status="200")

    assert after == before + 1


def test_metrics_text_format(server: LiveServer) -> None:
    response = httpx.get(server.endpoint + "/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["x-request-id"]
    assert "# TYPE liteimages_http_requests_total counter" in response.text


def test_metrics_openmetrics_format(server: LiveServer) -> None:
    response = httpx.get(
        server.endpoint + "/metrics", headers={"Accept": "application/openmetrics-text"}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


AUTH_CASES: list[tuple[str, Call]] = [
    ("missing_credentials", lambda s, t: httpx.get(s.endpoint + images_path(s))),
    (
        "unknown_token",
        lambda s, t: httpx.get(s.endpoint + images_path(s), headers={"X-Auth-Token": "x" * 40}),
    ),
    (
        "signature_mismatch",
        lambda s, t: signed_get(s, images_path(s), secret_key="wrong-secret-key-0123456789"),
    ),
    (
        "unknown_access_key",
        lambda s, t: signed_get(s, images_path(s), access_key="UNKNOWNKEY" + secrets.token_hex(5)),
    ),
    ("missing_credentials", lambda s, t: httpx.get(s.endpoint + "/v3/projects")),
]


@pytest.mark.parametrize(("reason", "call"), AUTH_CASES)
def test_auth_failure_counted(server: LiveServer, token: str, reason: str, call: Call) -> None:
    before = sample(scrape(server), AUTH_FAILURES, reason=reason)

    assert call(server, token).status_code == 401
    after = sample(scrape(server), AUTH_FAILURES, reason=reason)

    assert after == before + 1


def test_raw_paths_not_labels(server: LiveServer) -> None:
    marker = "unique" + secrets.token_hex(6)
    httpx.get(f"{server.endpoint}/{marker}/x")
    httpx.get(f"{catalog_url(server, 'images')}/{marker}/x")

    labels = {value for _, label_set in scrape(server) for _, value in label_set}

    assert not any(marker in value for value in labels)
    assert not any(server.project_id in value for value in labels)


def test_routes_are_bounded(server: LiveServer) -> None:
    routes = {
        value
        for name, label_set in scrape(server)
        if name == REQUESTS
        for key, value in label_set
        if key == "route"
    }

    assert routes <= {
        "list_images",
        "get_image",
        "list_flavors",
        "iam",
        "admin",
        "health",
        "metrics",
        "docs",
        "other",
    }


def test_gauges_equal_catalog(server: LiveServer, database: Database) -> None:
    samples = scrape(server)

    with database.read() as session:
        images = session.scalar(select(func.count()).select_from(Image))
        flavors = session.scalar(select(func.count()).select_from(Flavor))
        revision = revisions.read_all(session)[revisions.CATALOG]
    assert sample(samples, "liteimages_catalog_images") == images
    assert sample(samples, "liteimages_catalog_flavors") == flavors
    assert sample(samples, "liteimages_catalog_revision") == revision


def test_gauges_follow_change(server: LiveServer, database: Database) -> None:
    before = scrape(server)
    images = sample(before, "liteimages_catalog_images")
    revision = sample(before, "liteimages_catalog_revision")
    refreshes = sample(before, "liteimages_catalog_refreshes_total", result="ok")

    with database.write() as session:
        add_image(session, ImageSpec("added-" + secrets.token_hex(4), Arch.ARM, ServerType.HPS))
    images_shown = wait_for_sample(server, "liteimages_catalog_images", images + 1)
    after = scrape(server)

    assert images_shown == images + 1
    assert sample(after, "liteimages_catalog_revision") == revision + 1
    assert sample(after, "liteimages_catalog_refreshes_total", result="ok") > refreshes
    assert sample(after, "liteimages_catalog_refreshes_total", result="failed") == 0
