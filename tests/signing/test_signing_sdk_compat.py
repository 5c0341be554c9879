"""Compatibility of sign and verify with the signer of huaweicloudsdkcore 3.1.219.

Each case is signed by the SDK's own Signer. The tests then rebuild what a server receives:
``requests`` prepares the URL as the SDK's HTTP client does, and header values are decoded
as UTF-8, because the SDK sends them as UTF-8 bytes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from liteimages.signing import (
    Authorization,
    MalformedDate,
    MissingSignedHeader,
    SignableRequest,
    canonical_query,
    canonical_uri,
    check_date_window,
    compute_signature,
    encoded_order_query,
    format_authorization,
    parse_authorization,
    parse_sdk_date,
    sdk_canonical_uri,
    sign,
    string_to_sign,
    verify,
)
from liteimages.signing.canonical import canonical_headers, canonical_request, payload_hash

ACCESS_KEY = "LITEIMAGESTESTAK01"
SECRET_KEY = "test-secret-key-名称"
PROJECT_ID = "0123456789abcdef0123456789abcdef"
SDK_DATE = "20240301T120000Z"
IMAGES_PATH = f"/v1/{PROJECT_ID}/images"


@dataclass(frozen=True)
class Case:
    """Request parameters in the form that the SDK's API client passes to its Signer."""

    path: str = IMAGES_PATH
    query: tuple[tuple[str, object], ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    body: str | bytes = ""
    host: str = "127.0.0.1:8080"


JSON_BODY = '{"name": "名称", "description": "tag é"}'

CASES = {
    "query with spaces": Case(query=(("name", "my image"),)),
    "query with plus": Case(query=(("name", "a+b"),)),
    "query with literal %2B": Case(query=(("name", "%2B"), ("other", "%"))),
    "query with tilde": Case(query=(("name", "~user~"),)),
    "query with non-ASCII": Case(query=(("名称", "é"), ("name", "名称"))),
    "query with empty values": Case(query=(("marker", ""), ("name", ""))),
    "query with repeated keys": Case(query=(("tag", "b"), ("tag", "a"), ("tag", "a b"))),
    "query with upper-case keys": Case(query=(("Limit", "10"), ("limit", "5"), ("B", "1"))),
    "query with int and bool": Case(query=(("limit", 10), ("offset", 0), ("shared", True))),
    "query with reserved chars": Case(query=(("q", "a=b&c;d/e?f#g"),)),
    "query mixing ~ and é": Case(query=(("k", "~"), ("k", "é"), ("k", "_"), ("k", "{"))),
    "path with %20": Case(path=f"{IMAGES_PATH}/my%20image"),
    "path with %7E": Case(path=f"{IMAGES_PATH}/%7Euser"),
    "path with non-ASCII": Case(path=f"{IMAGES_PATH}/%E5%90%8D%E7%A7%B0"),
    "path with trailing slash": Case(path=f"{IMAGES_PATH}/"),
    "path with plus": Case(path=f"{IMAGES_PATH}/a+b"),
    "host with other port": Case(host="localhost:18080"),
    "security token": Case(headers={"X-Security-Token": "temporary-token-value"}),
    "header with underscore": Case(headers={"X_Trace_Id": "not-signed"}),
    "header with non-ASCII value": Case(headers={"X-Image-Name": "名称 é"}),
    "header with padded value": Case(headers={"X-Image-Name": "  padded  "}),
    "unsigned payload header": Case(
        method="POST",
        headers={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"},
        body=JSON_BODY,
    ),
    "octet-stream body": Case(
        method="PUT",
        headers={"Content-Type": "application/octet-stream"},
        body=b"\x00\x01binary\xff",
    ),
    "unsigned header without body": Case(headers={"X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}),
    "POST with JSON body": Case(method="POST", query=(("dry_run", "false"),), body=JSON_BODY),
    "DELETE with path id": Case(method="DELETE", path=f"{IMAGES_PATH}/0f1e2d3c-image"),
}

# The SDK decodes the whole path before splitting it, so %2F signs as a separator there.
ENCODED_SLASH_CASES = {
    "path with %2F": Case(path=f"{IMAGES_PATH}/team%2Fimage"),
    "path with %2F and query": Case(
        path=f"{IMAGES_PATH}/a%2Fb%20c", query=(("k", "~"), ("k", "é"))
    ),
}

ALL_CASES = {**CASES, **ENCODED_SLASH_CASES}


def sdk_sign(case: Case, *, sdk_date: str | None = SDK_DATE) -> SdkRequest:
    """Sign the case with the SDK's Signer, which fills in uri and Authorization."""
    headers = {"Content-Type": "application/json", "X-Project-Id": PROJECT_ID}
    if sdk_date is not None:
        headers["X-Sdk-Date"] = sdk_date
    headers.update(case.headers)
    request = SdkRequest(
        method=case.method,
        schema="http",
        host=case.host,
        resource_path=case.path,
        query_params=list(case.query),
        header_params=headers,
        body=case.body,
    )
    return Signer(BasicCredentials(ACCESS_KEY, SECRET_KEY)).sign(request)


def decode_wire_header(value: str) -> str:
    """Undo the SDK's Latin-1 re-decoding, which makes requests send UTF-8 bytes."""
    return value.encode("latin-1").decode("utf-8")


def wire_request(sdk_request: SdkRequest) -> SignableRequest:
    """Rebuild the request that a server receives from the SDK's HTTP client."""
    prepared = requests.Request(sdk_request.method, sdk_request.url).prepare()
    path, _, query = prepared.path_url.partition("?")
    headers = {
        name.lower(): decode_wire_header(value) for name, value in sdk_request.header_params.items()
    }
    body = sdk_request.body or b""
    return SignableRequest(sdk_request.method, path, query, headers, body)


def unsigned_copy(wire: SignableRequest) -> SignableRequest:
    headers = {name: value for name, value in wire.headers.items() if name != "authorization"}
    return replace(wire, headers=headers)


def sdk_authorization(sdk_request: SdkRequest) -> Authorization:
    return parse_authorization(sdk_request.header_params["Authorization"])


@pytest.mark.parametrize("name", list(CASES))
def test_sign_matches_sdk(name: str) -> None:
    sdk_request = sdk_sign(CASES[name])
    wire = wire_request(sdk_request)

    added = sign(unsigned_copy(wire), ACCESS_KEY, SECRET_KEY)

    assert added["Authorization"] == sdk_request.header_params["Authorization"]
    assert "X-Sdk-Date" not in added


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_verify_accepts_sdk_signature(name: str) -> None:
    sdk_request = sdk_sign(ALL_CASES[name])

    result = verify(wire_request(sdk_request), sdk_authorization(sdk_request), SECRET_KEY)

    assert result.valid, result.canonical_request


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_verify_accepts_own_signature(name: str) -> None:
    wire = unsigned_copy(wire_request(sdk_sign(ALL_CASES[name])))
    added = sign(wire, ACCESS_KEY, SECRET_KEY)

    result = verify(wire, parse_authorization(added["Authorization"]), SECRET_KEY)

    assert result.valid, result.canonical_request


@pytest.mark.parametrize("name", list(ENCODED_SLASH_CASES))
def test_encoded_slash_uses_sdk_uri(name: str) -> None:
    sdk_request = sdk_sign(ENCODED_SLASH_CASES[name])
    wire = wire_request(sdk_request)

    result = verify(wire, sdk_authorization(sdk_request), SECRET_KEY)
    own = sign(unsigned_copy(wire), ACCESS_KEY, SECRET_KEY)

    assert result.valid
    assert f"\n{sdk_canonical_uri(wire.raw_path)}\n" in result.canonical_request
    assert own["Authorization"] != sdk_request.header_params["Authorization"]


def test_verify_accepts_sdk_generated_date() -> None:
    sdk_request = sdk_sign(CASES["POST with JSON body"], sdk_date=None)
    wire = wire_request(sdk_request)

    result = verify(wire, sdk_authorization(sdk_request), SECRET_KEY)
    signed_at = parse_sdk_date(wire.headers["x-sdk-date"])

    assert result.valid
    check_date_window(signed_at, datetime.now(UTC))


def test_sign_adds_date_when_missing() -> None:
    sdk_wire = wire_request(sdk_sign(CASES["query with spaces"], sdk_date=None))
    headers = {
        name: value
        for name, value in sdk_wire.headers.items()
        if name not in ("authorization", "x-sdk-date")
    }
    wire = replace(sdk_wire, headers=headers)
    now = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)

    added = sign(wire, ACCESS_KEY, SECRET_KEY, now=now)
    received = replace(wire, headers={**wire.headers, "x-sdk-date": added["X-Sdk-Date"]})
    authorization = parse_authorization(added["Authorization"])

    assert added["X-Sdk-Date"] == SDK_DATE
    assert "x-sdk-date" in authorization.signed_headers
    assert verify(received, authorization, SECRET_KEY).valid


def test_sign_requires_host_header() -> None:
    request = SignableRequest("GET", IMAGES_PATH, "", {"x-sdk-date": SDK_DATE})

    with pytest.raises(ValueError, match="Host"):
        sign(request, ACCESS_KEY, SECRET_KEY)


def test_verify_tries_encoded_order_query() -> None:
    raw_query = "k=%C3%A9&k=~"
    headers = {"host": "127.0.0.1:8080", "x-sdk-date": SDK_DATE}
    request = SignableRequest("GET", IMAGES_PATH, raw_query, headers)
    signed_headers = ("host", "x-sdk-date")
    canonical = canonical_request(
        "GET",
        canonical_uri(IMAGES_PATH),
        encoded_order_query(raw_query),
        canonical_headers(headers, signed_headers),
        signed_headers,
        payload_hash(b"", headers),
    )
    signature = compute_signature(SECRET_KEY, string_to_sign(SDK_DATE, canonical))
    authorization = Authorization(ACCESS_KEY, signed_headers, signature)

    result = verify(request, authorization, SECRET_KEY)

    assert encoded_order_query(raw_query) != canonical_query(raw_query)
    assert result.valid
    assert result.canonical_request == canonical


def tampered_requests() -> dict[str, SignableRequest]:
    wire = wire_request(sdk_sign(CASES["POST with JSON body"]))
    return {
        "header value": replace(wire, headers={**wire.headers, "x-project-id": "f" * 32}),
        "path": replace(wire, raw_path=wire.raw_path + "/other"),
        "query value": replace(wire, raw_query="dry_run=true"),
        "extra query": replace(wire, raw_query=wire.raw_query + "&limit=1"),
        "body": replace(wire, body=wire.body.replace(b"tag", b"tab")),
        "method": replace(wire, method="PUT"),
        "date": replace(wire, headers={**wire.headers, "x-sdk-date": "20240301T120001Z"}),
    }


@pytest.mark.parametrize("part", list(tampered_requests()))
def test_verify_rejects_tampered_request(part: str) -> None:
    sdk_request = sdk_sign(CASES["POST with JSON body"])
    tampered = tampered_requests()[part]

    result = verify(tampered, sdk_authorization(sdk_request), SECRET_KEY)

    assert not result.valid


def test_verify_rejects_wrong_secret() -> None:
    sdk_request = sdk_sign(CASES["query with spaces"])

    result = verify(wire_request(sdk_request), sdk_authorization(sdk_request), "other-secret")

    assert not result.valid


def test_invalid_result_uses_first_form() -> None:
    sdk_request = sdk_sign(ENCODED_SLASH_CASES["path with %2F and query"])
    wire = wire_request(sdk_request)
    authorization = replace(sdk_authorization(sdk_request), signature="0" * 64)

    result = verify(wire, authorization, SECRET_KEY)

    assert not result.valid
    assert result.canonical_request.split("\n")[1] == canonical_uri(wire.raw_path)
    assert result.canonical_request.split("\n")[2] == canonical_query(wire.raw_query)
    assert result.string_to_sign == string_to_sign(SDK_DATE, result.canonical_request)


def test_verify_missing_signed_header_raises() -> None:
    sdk_request = sdk_sign(CASES["security token"])
    wire = wire_request(sdk_request)
    headers = {name: value for name, value in wire.headers.items() if name != "x-security-token"}

    with pytest.raises(MissingSignedHeader) as caught:
        verify(replace(wire, headers=headers), sdk_authorization(sdk_request), SECRET_KEY)

    assert caught.value.name == "x-security-token"


def test_verify_missing_date_raises() -> None:
    sdk_request = sdk_sign(CASES["query with spaces"])
    wire = wire_request(sdk_request)
    headers = {name: value for name, value in wire.headers.items() if name != "x-sdk-date"}
    signed_headers = sdk_authorization(sdk_request).signed_headers
    authorization = replace(
        sdk_authorization(sdk_request),
        signed_headers=tuple(name for name in signed_headers if name != "x-sdk-date"),
    )

    with pytest.raises(MalformedDate):
        verify(replace(wire, headers=headers), authorization, SECRET_KEY)


INVALID_UTF8_TARGETS = [
    (IMAGES_PATH, "name=%FF%FE"),
    (IMAGES_PATH, "%C3=%E5%90&%80"),
    (IMAGES_PATH, "name=%zz&x=%&y=%4"),
    (f"{IMAGES_PATH}/%FF%C3", ""),
    (f"{IMAGES_PATH}/%C0%AF%2F%ED%A0%80", "k=%F0%9F"),
    (f"{IMAGES_PATH}/%", "%%%"),
]


@pytest.mark.parametrize(("raw_path", "raw_query"), INVALID_UTF8_TARGETS)
def test_invalid_utf8_gives_clean_result(raw_path: str, raw_query: str) -> None:
    headers = {"host": "127.0.0.1:8080", "x-sdk-date": SDK_DATE}
    request = SignableRequest("GET", raw_path, raw_query, headers)
    forged = Authorization(ACCESS_KEY, ("host", "x-sdk-date"), "a" * 64)

    rejected = verify(request, forged, SECRET_KEY)
    signed = sign(request, ACCESS_KEY, SECRET_KEY)
    accepted = verify(request, parse_authorization(signed["Authorization"]), SECRET_KEY)

    assert not rejected.valid
    assert accepted.valid


SURROGATE_INPUTS = {
    "escaped header byte": (IMAGES_PATH, "", b"bad \xff value".decode("utf-8", "surrogateescape")),
    "lone high surrogate": (f"{IMAGES_PATH}/\ud800", "k=\udfff", "\ud800"),
}


@pytest.mark.parametrize("case", list(SURROGATE_INPUTS))
def test_surrogates_give_clean_result(case: str) -> None:
    raw_path, raw_query, header_value = SURROGATE_INPUTS[case]
    headers = {"host": "127.0.0.1:8080", "x-sdk-date": SDK_DATE, "x-image-name": header_value}
    request = SignableRequest("GET", raw_path, raw_query, headers)
    forged = Authorization(ACCESS_KEY, ("host", "x-image-name", "x-sdk-date"), "a" * 64)

    rejected = verify(request, forged, SECRET_KEY)
    signed = sign(request, ACCESS_KEY, SECRET_KEY)
    accepted = verify(request, parse_authorization(signed["Authorization"]), SECRET_KEY)

    assert not rejected.valid
    assert accepted.valid


def test_verify_repeated_int_keys() -> None:
    sdk_request = sdk_sign(Case(query=(("limit", 10), ("limit", 9))))

    result = verify(wire_request(sdk_request), sdk_authorization(sdk_request), SECRET_KEY)

    assert result.valid


@dataclass
class ReceivedRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


class RecordingHandler(BaseHTTPRequestHandler):
    """Record each request as received and respond 204."""

    received: list[ReceivedRequest] = []

    def record(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        headers = list(self.headers.items())
        self.received.append(ReceivedRequest(self.command, self.path, headers, body))
        self.send_response(204)
        self.end_headers()

    do_GET = do_POST = do_PUT = do_DELETE = record

    def log_message(self, format: str, *args: object) -> None:
        """Keep the test output free of access log lines."""


@pytest.fixture(scope="module")
def loopback_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def send_over_loopback(sdk_request: SdkRequest, base_url: str) -> SignableRequest:
    """Send the signed request as the SDK's HTTP client does and return what arrived."""
    RecordingHandler.received.clear()
    with requests.Session() as session:
        session.trust_env = False
        response = session.request(
            sdk_request.method,
            base_url + sdk_request.uri,
            headers=sdk_request.header_params,
            data=sdk_request.body,
            timeout=5,
        )
    assert response.status_code == 204
    (received,) = RecordingHandler.received
    path, _, query = received.target.partition("?")
    headers = {name.lower(): decode_wire_header(value) for name, value in received.headers}
    return SignableRequest(received.method, path, query, headers, received.body)


@pytest.mark.parametrize("name", list(ALL_CASES))
def test_verify_accepts_loopback_request(name: str, loopback_url: str) -> None:
    sdk_request = sdk_sign(ALL_CASES[name])

    received = send_over_loopback(sdk_request, loopback_url)
    result = verify(received, sdk_authorization(sdk_request), SECRET_KEY)

    assert result.valid, result.canonical_request


def test_json_body_hash_is_signed() -> None:
    sdk_request = sdk_sign(CASES["POST with JSON body"])

    result = verify(wire_request(sdk_request), sdk_authorization(sdk_request), SECRET_KEY)

    assert result.canonical_request.endswith(hashlib.sha256(JSON_BODY.encode()).hexdigest())


def test_format_matches_sdk_header() -> None:
    sdk_request = sdk_sign(CASES["security token"])
    authorization = sdk_authorization(sdk_request)

    formatted = format_authorization(
        authorization.access_key, authorization.signed_headers, authorization.signature
    )

    assert formatted == sdk_request.header_params["Authorization"]
