"""Parsing and formatting of the SDK-HMAC-SHA256 Authorization header.

The header has the form
``SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<64 lower-case hex>``.
The parser accepts spaces around commas and ``=`` but is strict about everything else.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from liteimages.signing.errors import MalformedAuthorization, UnsupportedAlgorithm

__all__ = [
    "ALGORITHM",
    "OTHER_SDK_ALGORITHMS",
    "Authorization",
    "format_authorization",
    "parse_authorization",
]

ALGORITHM = "SDK-HMAC-SHA256"
"""Signing algorithm that this module parses and formats."""

OTHER_SDK_ALGORITHMS = frozenset(
    {"SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3", "V11-HMAC-SHA256"}
)
"""Other algorithms of huaweicloudsdkcore 3.1.219, which are rejected as unsupported."""

_FIELDS = ("Access", "SignedHeaders", "Signature")
_SIGNATURE_LENGTH = 64
_LOWER_HEX = frozenset("0123456789abcdef")
# Lower-case RFC 9110 token characters, which are the only ones allowed in a header name.
_HEADER_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~")
# Visible ASCII characters other than the separators of the header.
_ACCESS_KEY_CHARS = frozenset(chr(code) for code in range(0x21, 0x7F)) - frozenset(",;=")


# Not frozen: one is made per request, and a frozen dataclass takes about four times as
# long to construct. Treat it as read-only.
@dataclass(slots=True)
class Authorization:
    """Parsed SDK-HMAC-SHA256 Authorization header.

    Attributes:
        access_key: Access key id (AK) of the signer.
        signed_headers: Lower-case names of the signed headers, in signing order.
        signature: Hex HMAC-SHA256 signature, 64 lower-case characters.
    """

    access_key: str
    signed_headers: tuple[str, ...]
    signature: str


# The exact form huaweicloudsdkcore writes; anything else goes through the tolerant parser,
# which accepts other spacing and gives a precise error.
_SDK_FORM = re.compile(
    r"SDK-HMAC-SHA256 Access=([A-Za-z0-9]{1,128}), "
    r"SignedHeaders=([a-z0-9-]+(?:;[a-z0-9-]+)*), Signature=([0-9a-f]{64})"
)


def _raise_for_algorithm(algorithm: str) -> NoReturn:
    if algorithm in OTHER_SDK_ALGORITHMS:
        raise UnsupportedAlgorithm(algorithm)
    raise MalformedAuthorization(
        f"invalid Authorization header: expected it to start with {ALGORITHM}, got {algorithm!r}"
    )


def _split_fields(credentials: str) -> dict[str, str]:
    """Split ``Name=value`` fields separated by commas, checking that each name is known."""
    fields: dict[str, str] = {}
    for part in credentials.split(","):
        name, separator, value = part.partition("=")
        name = name.strip()
        if not separator:
            raise MalformedAuthorization(
                f"invalid Authorization header: field {part.strip()!r} has no '='"
            )
        if name not in _FIELDS:
            raise MalformedAuthorization(f"invalid Authorization header: unknown field {name!r}")
        if name in fields:
            raise MalformedAuthorization(f"invalid Authorization header: repeated field {name!r}")
        fields[name] = value.strip()
    for name in _FIELDS:
        if not fields.get(name):
            raise MalformedAuthorization(
                f"invalid Authorization header: missing or empty field {name!r}"
            )
    return fields


def _check_access_key(access_key: str) -> str:
    if not _ACCESS_KEY_CHARS.issuperset(access_key):
        raise MalformedAuthorization(
            f"invalid Authorization header: Access {access_key!r} contains invalid characters"
        )
    return access_key


def _parse_signed_headers(value: str) -> tuple[str, ...]:
    names = tuple(value.split(";"))
    for name in names:
        if not name or not _HEADER_NAME_CHARS.issuperset(name):
            raise MalformedAuthorization(
                f"invalid Authorization header: SignedHeaders {value!r} must be "
                "non-empty lower-case header names separated by ';'"
            )
    return names


def _check_signature(signature: str) -> str:
    if len(signature) != _SIGNATURE_LENGTH or not _LOWER_HEX.issuperset(signature):
        raise MalformedAuthorization(
            f"invalid Authorization header: Signature {signature!r} must be "
            f"{_SIGNATURE_LENGTH} lower-case hex digits"
        )
    return signature


def parse_authorization(value: str) -> Authorization:
    """Parse an SDK-HMAC-SHA256 Authorization header value.

    Raises:
        UnsupportedAlgorithm: The value starts with another algorithm of the Huawei Cloud SDK.
        MalformedAuthorization: The value is not a valid SDK-HMAC-SHA256 Authorization value.
    """
    exact = _SDK_FORM.fullmatch(value)
    if exact is not None:
        return Authorization(exact[1], tuple(exact[2].split(";")), exact[3])
    parts = value.split(None, 1)
    if not parts:
        raise MalformedAuthorization("invalid Authorization header: the value is empty")
    if parts[0] != ALGORITHM:
        _raise_for_algorithm(parts[0])
    # A repeated header reaches here as its values joined by commas.
    if f",{ALGORITHM} " in value.replace(", ", ","):
        raise MalformedAuthorization(
            "invalid Authorization header: it was sent more than once; send one"
        )
    if len(parts) == 1:
        raise MalformedAuthorization(
            f"invalid Authorization header: no fields follow {ALGORITHM}, "
            "expected Access, SignedHeaders and Signature"
        )
    fields = _split_fields(parts[1])
    return Authorization(
        access_key=_check_access_key(fields["Access"]),
        signed_headers=_parse_signed_headers(fields["SignedHeaders"]),
        signature=_check_signature(fields["Signature"]),
    )


def format_authorization(access_key: str, signed_headers: Sequence[str], signature: str) -> str:
    """Format an Authorization header value in the form that huaweicloudsdkcore sends."""
    return (
        f"{ALGORITHM} Access={access_key}, SignedHeaders={';'.join(signed_headers)}, "
        f"Signature={signature}"
    )
