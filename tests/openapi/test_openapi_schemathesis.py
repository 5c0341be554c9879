"""Fuzz the read-only calls of a live server with schemathesis, against its own /openapi.json.

Only GET operations run, so the fuzzer cannot lock keys or delete objects. Each runs
with valid inputs and, when it has parameters, with inputs that break the document.
Every response must be free of server errors and must match the document: a
documented status code and content type, a body that matches the schema and the
documented headers. Path parameters are either generated or replaced by ids of
objects that exist, so that success bodies are checked as well as 404s. The
examples are derandomized, so every run sends the same requests.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from openapi_support import known_path_values
from schemathesis import checks

from liteimages.web.openapi import build_document
from support.server import LiveServer, demo_token

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# Per operation, mode and database; there are about 20 GET operations.
MAX_EXAMPLES = 20
REQUEST_TIMEOUT_S = 10.0
POSITIVE = schemathesis.GenerationMode.POSITIVE
NEGATIVE = schemathesis.GenerationMode.NEGATIVE


def _get_cases() -> list[tuple[str, schemathesis.GenerationMode]]:
    """Return (path, mode) pairs: every GET positive, and negative too if it has parameters."""
    cases = []
    for path, item in sorted(build_document()["paths"].items()):
        if "get" not in item:
            continue
        cases.append((path, POSITIVE))
        if item["get"].get("parameters"):
            cases.append((path, NEGATIVE))
    return cases


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep Hypothesis's caches out of the work tree."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))


@pytest.fixture(scope="module")
def token(live_server: LiveServer) -> str:
    """Return a token of the demo user, who administers the system account."""
    return demo_token(live_server)


@pytest.fixture(scope="module")
def known_values(live_server: LiveServer, token: str) -> dict[str, list[str]]:
    """Return ids of objects on the server, by path parameter name."""
    return known_path_values(live_server, token)


@pytest.fixture(scope="module")
def api_schema(live_server: LiveServer) -> schemathesis.BaseSchema:
    """Load the document that the server serves at /openapi.json.

    The credential comes from the test, so schemathesis generates no security headers:
    a random Authorization header would take precedence over the token.
    """
    # TODO: allow NUL characters once the admin routes return 400 for them on PostgreSQL.
    # Today a NUL in a path or query parameter of most admin GETs is a 500 there.
    generation = {"with-security-parameters": False, "allow-x00": False}
    config = schemathesis.Config.from_dict({"generation": generation})
    return schemathesis.openapi.from_url(f"{live_server.endpoint}/openapi.json", config=config)


@pytest.mark.parametrize(("path", "mode"), _get_cases(), ids=str)
def test_get_call_matches_document(
    path: str,
    mode: schemathesis.GenerationMode,
    api_schema: schemathesis.BaseSchema,
    live_server: LiveServer,
    token: str,
    known_values: dict[str, list[str]],
) -> None:
    operation = api_schema[path]["GET"]

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    def call(case: schemathesis.Case, data: st.DataObject) -> None:
        for name, values in known_values.items():
            if not case.path_parameters or name not in case.path_parameters:
                continue
            if data.draw(st.booleans(), label=f"use a known {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(values), label=name)
        case.call_and_validate(
            base_url=live_server.endpoint,
            headers={"X-Auth-Token": token},
            checks=CHECKS,
            timeout=REQUEST_TIMEOUT_S,
        )

    call()
