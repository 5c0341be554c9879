"""httpx authentication: AK/SK signatures (SDK-HMAC-SHA256) and IAM tokens."""

from __future__ import annotations

from collections.abc import Generator

import httpx

from liteimages.signing import SignableRequest, sign


class AkSkAuth(httpx.Auth):
    """Sign each request with an access key, as the official SDKs do.

    The project id goes into `X-Project-Id`, and a security token of temporary
    credentials into `X-Security-Token`; both are signed with the request.
    """

    requires_request_body = True

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        project_id: str | None = None,
        security_token: str | None = None,
    ) -> None:
        self.access_key = access_key
        self._secret_key = secret_key
        self.project_id = project_id
        self._security_token = security_token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.project_id is not None:
            request.headers["X-Project-Id"] = self.project_id
        if self._security_token is not None:
            request.headers["X-Security-Token"] = self._security_token
        request.headers.setdefault("Content-Type", "application/json")
        signable = SignableRequest(
            method=request.method,
            raw_path=request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
            raw_query=request.url.query.decode("ascii"),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.content,
        )
        for name, value in sign(signable, self.access_key, self._secret_key).items():
            request.headers[name] = value
        yield request


class TokenAuth(httpx.Auth):
    """Send an IAM token in `X-Auth-Token`."""

    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Auth-Token"] = self._token
        yield request
