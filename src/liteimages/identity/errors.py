"""Authentication errors, in the API gateway's codes, and IAM errors of the token call.

LiteImagesError (liteimages.errors)
├── AuthenticationError      APIGW.0301  401
│   └── CredentialLocked     APIGW.0301  401, with Retry-After
│       ├── AccessKeyLocked
│       └── UserLocked
├── TokenExpired             APIGW.0307  401
└── IamError                 IAM.*       the status it carries
"""

from __future__ import annotations

from liteimages.errors import LiteImagesError

AUTH_PREFIX = "Incorrect IAM authentication information: "


class AuthenticationError(LiteImagesError):
    """The request carries no valid credential."""

    error_code = "APIGW.0301"

    def __init__(self, detail: str, reason: str = "invalid") -> None:
        super().__init__(AUTH_PREFIX + detail)
        self.detail = detail
        # A short machine-readable cause, such as unknown_access_key, for metrics.
        self.reason = reason


class SignatureMismatch(AuthenticationError):
    """The signature differs from the one the server computed."""

    def __init__(self, canonical_request: str, string_to_sign: str) -> None:
        super().__init__("verify aksk signature fail", reason="signature_mismatch")
        self.canonical_request = canonical_request
        self.string_to_sign = string_to_sign


class CredentialLocked(AuthenticationError):
    """A credential failed too often in a row and is locked for `retry_after_seconds`."""

    def __init__(self, detail: str, reason: str, retry_after_seconds: int) -> None:
        super().__init__(detail, reason=reason)
        self.retry_after_seconds = retry_after_seconds


class AccessKeyLocked(CredentialLocked):
    """The access key failed too many signatures in a row and is locked for a while."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "AK access failed to reach the limit,forbidden", "locked", retry_after_seconds
        )


class UserLocked(CredentialLocked):
    """The user gave too many wrong passwords in a row and cannot log in for a while.

    The message is the same whether or not the password of the rejected request was
    right, because that password is not checked while the lock lasts.
    """

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "user access failed to reach the limit,forbidden", "user_locked", retry_after_seconds
        )


class TokenExpired(LiteImagesError):
    """The token was valid once but has expired."""

    error_code = "APIGW.0307"
    reason = "expired"

    def __init__(self) -> None:
        super().__init__("The token must be updated")


class IamError(LiteImagesError):
    """An error of the IAM token call, with its own status and code."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
