"""Helpers of the end-to-end tests: SDK clients, raw requests and direct database changes.

Every catalog call goes through the official huaweicloudsdkmodelarts client, so the SDK
signs it. Query parameters that the SDK request classes lack (`limit`, `offset`,
`sort_key`, ...) are appended to the SDK's own request description before the SDK signs
and sends it. Each client records the raw HTTP responses, so a test can compare the
SDK's exception with the headers and body that the server sent.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import requests
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcore.http.http_handler import HttpHandler
from huaweicloudsdkmodelarts.v1 import (
    GetDevServerImageRequest,
    GetDevServerImageResponse,
    ListDevServerFlavorsRequest,
    ListDevServerFlavorsResponse,
    ListDevServerImagesRequest,
    ListDevServerImagesResponse,
    ModelArtsClient,
)

from liteimages.catalog.service import ImageSpec, add_image, share_image
from liteimages.db.engine import Database
from liteimages.identity import service as identity
from liteimages.identity.secretbox import SecretBox
from support.server import SECRET_KEY, LiveServer

REQUEST_ID = re.compile(r"[0-9a-f]{32}")
IMAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
AUTH_PREFIX = "Incorrect IAM authentication information: "
QueryPairs = Sequence[tuple[str, str]]
# The server reloads its catalog view every 0.5 s, so a change shows well within this time.
RELOAD_TIMEOUT_S = 10.0


@dataclass
class Recorder:
    """Keeps the last raw HTTP response an SDK client received."""

    last: requests.Response | None = None

    def handler(self) -> HttpHandler:
        """Return an SDK HttpHandler that records each response."""

        def record(**kwargs: Any) -> None:
            self.last = kwargs["response"]

        return HttpHandler().add_response_handler(record)


@dataclass(frozen=True)
class Credential:
    """An access key pair and the project it calls."""

    ak: str
    sk: str
    project_id: str


@dataclass
class SdkCaller:
    """An SDK client with one credential, and the raw responses it received."""

    client: ModelArtsClient
    credential: Credential
    recorder: Recorder = field(default_factory=Recorder)

    def list_images(
        self,
        server_type: str | None = None,
        flavor_name: str | None = None,
        extra: QueryPairs = (),
        headers: dict[str, str] | None = None,
        path_project_id: str | None = None,
    ) -> ListDevServerImagesResponse:
        """Call ListDevServerImages with `extra` query pairs and `headers` added before signing."""
        request = ListDevServerImagesRequest(server_type=server_type, flavor_name=flavor_name)
        http_info = self.client._list_dev_server_images_http_info(request)
        return self._call(http_info, extra, headers, path_project_id)

    def get_image(
        self, image_id: str, path_project_id: str | None = None
    ) -> GetDevServerImageResponse:
        """Call GetDevServerImage."""
        http_info = self.client._get_dev_server_image_http_info(GetDevServerImageRequest(image_id))
        return self._call(http_info, (), None, path_project_id)

    def list_flavors(
        self,
        server_type: str | None = None,
        arch: str | None = None,
        charging_mode: str | None = None,
        extra: QueryPairs = (),
        path_project_id: str | None = None,
    ) -> ListDevServerFlavorsResponse:
        """Call ListDevServerFlavors."""
        request = ListDevServerFlavorsRequest(
            server_type=server_type, arch=arch, charging_mode=charging_mode
        )
        http_info = self.client._list_dev_server_flavors_http_info(request)
        return self._call(http_info, extra, None, path_project_id)

    def error_of(self, call: Callable[[], object]) -> ApiError:
        """Run `call`, expect a ClientRequestException, and return it with the raw response."""
        with pytest.raises(ClientRequestException) as raised:
            call()
        assert self.recorder.last is not None
        return ApiError.from_sdk(raised.value, self.recorder.last)

    def _call(
        self,
        http_info: dict[str, Any],
        extra: QueryPairs,
        headers: dict[str, str] | None,
        path_project_id: str | None,
    ) -> Any:
        http_info["query_params"] = [*http_info["query_params"], *extra]
        http_info["header_params"].update(headers or {})
        if path_project_id is not None:
            # Path parameters are filled before the credential's project id, so this
            # one wins in the URL while X-Project-Id keeps the credential's project.
            http_info["path_params"]["project_id"] = path_project_id
        return self.client._call_api(**http_info)


def build_caller(
    server: LiveServer, credential: Credential, config: HttpConfig | None = None
) -> SdkCaller:
    """Return an SdkCaller whose SDK client calls `server` directly, never a region endpoint."""
    recorder = Recorder()
    client = (
        ModelArtsClient.new_builder()
        .with_credentials(BasicCredentials(credential.ak, credential.sk, credential.project_id))
        .with_endpoint(server.endpoint)
        .with_http_config(config or HttpConfig.get_default_config())
        .with_http_handler(recorder.handler())
        .build()
    )
    return SdkCaller(client, credential, recorder)


@dataclass(frozen=True)
class ApiError:
    """An error response: status, code, message and request id, with the raw body."""

    status_code: int
    error_code: str
    error_msg: str
    request_id: str
    header_request_id: str | None
    body: dict[str, Any]
    text: str

    @classmethod
    def from_sdk(cls, error: ClientRequestException, response: requests.Response) -> ApiError:
        """Build from the SDK's exception and the raw response it came from."""
        return cls(
            status_code=error.status_code,
            error_code=error.error_code,
            error_msg=error.error_msg,
            request_id=error.request_id,
            header_request_id=response.headers.get("X-Request-Id"),
            body=response.json(),
            text=response.text,
        )

    @classmethod
    def from_httpx(cls, response: httpx.Response) -> ApiError:
        """Build from a raw httpx response, reading the request id as the SDK does."""
        body = response.json()
        return cls(
            status_code=response.status_code,
            error_code=body["error_code"],
            error_msg=body["error_msg"],
            request_id=response.headers.get("X-Request-Id", ""),
            header_request_id=response.headers.get("X-Request-Id"),
            body=body,
            text=response.text,
        )


def check_error(error: ApiError, status: int, code: str, message: str | re.Pattern[str]) -> None:
    """Assert the status, code and message of an error, and its request id rules.

    A string message must match exactly and a pattern must match the whole message. The
    request id must be the X-Request-Id header, 32 hex characters, and gateway (APIGW)
    errors repeat it in the body.
    """
    assert error.status_code == status, error.text
    assert error.error_code == code, error.text
    if isinstance(message, str):
        assert error.error_msg == message
    else:
        assert message.fullmatch(error.error_msg), error.error_msg
    assert error.request_id == error.header_request_id
    assert REQUEST_ID.fullmatch(error.request_id), error.request_id
    if code.startswith("APIGW."):
        assert error.body.get("request_id") == error.request_id


def invalid_argument(parameter: str) -> re.Pattern[str]:
    """Return the pattern of a 400 ModelArts.0101 message naming `parameter`."""
    return re.compile(re.escape(f"Invalid argument. parameter [{parameter}]") + r" .+", re.DOTALL)


def image_ids(response: ListDevServerImagesResponse) -> list[str]:
    """Return the image ids of a list response, in order."""
    return [image.image_id for image in response.data]


def visible_total(caller: SdkCaller) -> int:
    """Return the number of images visible to the caller, or 0 when the list call returns 404."""
    try:
        return int(caller.list_images().total)
    except ClientRequestException as error:
        if error.status_code != 404:
            raise
        return 0


def wait_until(condition: Callable[[], bool], timeout: float = RELOAD_TIMEOUT_S) -> None:
    """Poll `condition` every 0.1 s until it is true, and fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"condition still false after {timeout} s")
        time.sleep(0.1)


# Direct changes to the server's database, through the liteimages services.


@contextmanager
def open_database(server: LiveServer) -> Iterator[Database]:
    """Yield the server's database, closing its connections afterwards."""
    database = Database(server.database_url)
    try:
        yield database
    finally:
        database.dispose()


def secret_box() -> SecretBox:
    """Return the encryption box of the test servers' secret keys."""
    return SecretBox(SECRET_KEY.encode())


def unique_name(prefix: str) -> str:
    """Return `prefix` plus a random suffix, unique within a database."""
    return f"{prefix}-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Tenant:
    """An account with one project, and the access key of its root user."""

    account_id: str
    project_id: str
    credential: Credential


def create_tenant(database: Database, region: str = "cn-north-4") -> Tenant:
    """Create an account, a project named `region` and a key of the account's root user."""
    with database.write() as session:
        account = identity.create_account(session, unique_name("account"))
        project = identity.create_project(session, account.id, region)
        root = identity.find_user(session, account.id, account.name)
        key = identity.create_access_key(session, secret_box(), root.id)
    return Tenant(account.id, project.id, Credential(key.access_key, key.secret_key, project.id))


def create_iam_key(
    database: Database, account_id: str, project_id: str, role: str | None
) -> Credential:
    """Create an IAM user of the account with `role` on the project (None: no grant) and a key."""
    with database.write() as session:
        user = identity.create_user(session, account_id, unique_name("user"), None)
        if role is not None:
            identity.grant_role(session, user.id, project_id, role)
        key = identity.create_access_key(session, secret_box(), user.id)
    return Credential(key.access_key, key.secret_key, project_id)


def add_images(database: Database, specs: Sequence[ImageSpec]) -> list[str]:
    """Register images in one transaction and return their ids."""
    with database.write() as session:
        return [add_image(session, spec).id for spec in specs]


def share(database: Database, image_id: str, project_id: str) -> None:
    """Share a private image with a project."""
    with database.write() as session:
        share_image(session, image_id, project_id)
