"""Credentials for benchmark requests: an IAM token, or a pre-signed AK/SK header set."""

from __future__ import annotations

import json

from harness import HOST, BenchError, call

from liteimages.demo import DemoCredentials
from liteimages.signing import SignableRequest, sign

# User-Agent value in the style of huaweicloudsdkcore, sent with the signed requests.
SDK_USER_AGENT = "huaweicloud-usdk-python/3.0"


def catalog_path(project_id: str, resource: str = "images") -> str:
    """Return the path of a catalog call for `project_id`."""
    return f"/v1/{project_id}/dev-servers/{resource}"


def issue_token(port: int, credentials: DemoCredentials) -> str:
    """Log in with the demo password through POST /v3/auth/tokens; return the token."""
    if credentials.password is None:
        raise BenchError("the demo password is unknown: set LITEIMAGES_DEMO_PASSWORD")
    login = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": credentials.user,
                        "password": credentials.password,
                        "domain": {"name": credentials.domain},
                    }
                },
            },
            "scope": {"project": {"id": credentials.project_id}},
        }
    }
    response = call(
        port,
        "POST",
        "/v3/auth/tokens",
        {"Content-Type": "application/json"},
        json.dumps(login).encode(),
    )
    token = response.header("X-Subject-Token")
    if response.status != 201 or token is None:
        raise BenchError(f"login failed with {response.status}: {response.body[:300]!r}")
    return token


def token_headers(token: str) -> dict[str, str]:
    """Return the headers of a token-authenticated catalog call."""
    return {"Content-Type": "application/json", "X-Auth-Token": token}


def signed_headers(port: int, target: str, credentials: DemoCredentials) -> dict[str, str]:
    """Return SDK-style headers for a GET of `target`, signed now with the demo AK/SK.

    The server accepts the signature until X-Sdk-Date is 15 minutes old, so the
    same headers can be replayed for a whole benchmark case.
    """
    path, _, query = target.partition("?")
    headers = {
        "Host": f"{HOST}:{port}",
        "Content-Type": "application/json",
        "User-Agent": SDK_USER_AGENT,
        "X-Project-Id": credentials.project_id,
    }
    request = SignableRequest(
        method="GET",
        raw_path=path,
        raw_query=query,
        headers={name.lower(): value for name, value in headers.items()},
    )
    added = sign(request, credentials.access_key, credentials.secret_key)
    return {**headers, **added}
