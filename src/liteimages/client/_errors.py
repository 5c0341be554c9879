"""Errors raised by the client.

ClientError
├── ApiError        the server returned an error status
└── ConfigError     the endpoint or credentials are missing or invalid
"""

from __future__ import annotations

import httpx


class ClientError(Exception):
    """The root of every error the client raises."""


class ConfigError(ClientError):
    """The endpoint or credentials could not be determined."""


class ApiError(ClientError):
    """An error response: HTTP status, error code and message, and request id."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("X-Request-Id", "")
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        self.error_code = str(body.get("error_code", response.status_code))
        self.error_msg = str(body.get("error_msg", response.text[:500]))
        super().__init__(
            f"{self.status_code} {self.error_code}: {self.error_msg} (request id {self.request_id})"
        )
