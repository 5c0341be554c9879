"""Exceptions raised while signing or verifying an AK/SK request.

Exception tree::

    SigningError
    ├── MalformedAuthorization      the Authorization header cannot be parsed
    │   └── UnsupportedAlgorithm    it names a signing algorithm other than SDK-HMAC-SHA256
    ├── MalformedDate               X-Sdk-Date is missing or not YYYYMMDDTHHMMSSZ
    ├── SignatureExpired            X-Sdk-Date is outside the accepted clock skew
    └── MissingSignedHeader         SignedHeaders names a header that the request lacks
"""

from __future__ import annotations

from datetime import datetime, timedelta


class SigningError(Exception):
    """Base class of every signing and verification error."""


class MalformedAuthorization(SigningError):
    """Authorization header that is not a valid SDK-HMAC-SHA256 value."""


class UnsupportedAlgorithm(MalformedAuthorization):
    """Authorization header signed with an algorithm that this server does not verify."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        super().__init__(
            f"unsupported signing algorithm {algorithm!r}: this server accepts only "
            "SDK-HMAC-SHA256, so configure the client to sign with it"
        )


class MalformedDate(SigningError):
    """X-Sdk-Date header that is missing or not in the YYYYMMDDTHHMMSSZ format."""


class SignatureExpired(SigningError):
    """Signature whose X-Sdk-Date differs from the server clock by more than the window.

    Attributes:
        signed_at: Time from the X-Sdk-Date header (aware, UTC).
        now: Server time that the request was checked against.
        window: Maximum accepted difference in either direction.
    """

    def __init__(self, signed_at: datetime, now: datetime, window: timedelta) -> None:
        self.signed_at = signed_at
        self.now = now
        self.window = window
        super().__init__(
            f"X-Sdk-Date {signed_at.isoformat()} differs from the server time {now.isoformat()} "
            f"by more than {window}: sync the client clock and sign the request again"
        )


class MissingSignedHeader(SigningError):
    """Header named in SignedHeaders that the request does not contain.

    Attributes:
        name: Lower-case name of the missing header.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"header {name!r} is listed in SignedHeaders but missing from the request")
