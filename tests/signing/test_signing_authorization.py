"""Parsing and formatting of the Authorization header."""

from __future__ import annotations

import pytest

from liteimages.signing import (
    Authorization,
    MalformedAuthorization,
    UnsupportedAlgorithm,
    format_authorization,
    parse_authorization,
)

SIGNATURE = "0123456789abcdef" * 4
EXPECTED = Authorization("AK1234", ("host", "x-sdk-date"), SIGNATURE)

VALID_VALUES = [
    f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host;x-sdk-date, Signature={SIGNATURE}",
    f"SDK-HMAC-SHA256 Access=AK1234,SignedHeaders=host;x-sdk-date,Signature={SIGNATURE}",
    f"SDK-HMAC-SHA256  Access = AK1234 , SignedHeaders= host;x-sdk-date ,Signature ={SIGNATURE}",
    f"SDK-HMAC-SHA256\tAccess=AK1234, SignedHeaders=host;x-sdk-date, Signature={SIGNATURE} ",
    f"SDK-HMAC-SHA256 Signature={SIGNATURE}, Access=AK1234, SignedHeaders=host;x-sdk-date",
]


@pytest.mark.parametrize("value", VALID_VALUES)
def test_parse_accepts_spacing_variants(value: str) -> None:
    assert parse_authorization(value) == EXPECTED


def test_format_parse_round_trip() -> None:
    value = format_authorization("AK1234", ["host", "x-sdk-date"], SIGNATURE)

    assert value == (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host;x-sdk-date, Signature={SIGNATURE}"
    )
    assert parse_authorization(value) == EXPECTED


FIELDS = f"Access=AK1234, SignedHeaders=host;x-sdk-date, Signature={SIGNATURE}"

MALFORMED_VALUES = {
    "empty": ("", "empty"),
    "blank": ("   ", "empty"),
    "algorithm only": ("SDK-HMAC-SHA256", "no fields"),
    "bearer token": ("Bearer abc.def", "'Bearer'"),
    "lower-case algorithm": (f"sdk-hmac-sha256 {FIELDS}", "'sdk-hmac-sha256'"),
    "no space after algorithm": (f"SDK-HMAC-SHA256{FIELDS}", "expected it to start"),
    "missing access": (
        f"SDK-HMAC-SHA256 SignedHeaders=host, Signature={SIGNATURE}",
        "'Access'",
    ),
    "missing signed headers": (
        f"SDK-HMAC-SHA256 Access=AK1234, Signature={SIGNATURE}",
        "'SignedHeaders'",
    ),
    "missing signature": (
        "SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host",
        "'Signature'",
    ),
    "empty access": (
        f"SDK-HMAC-SHA256 Access=, SignedHeaders=host, Signature={SIGNATURE}",
        "'Access'",
    ),
    "access with space": (
        f"SDK-HMAC-SHA256 Access=AK 1234, SignedHeaders=host, Signature={SIGNATURE}",
        "Access",
    ),
    "empty signed headers": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=, Signature={SIGNATURE}",
        "'SignedHeaders'",
    ),
    "empty header name": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host;;x-sdk-date, Signature={SIGNATURE}",
        "SignedHeaders",
    ),
    "upper-case header name": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=Host;x-sdk-date, Signature={SIGNATURE}",
        "SignedHeaders",
    ),
    "space after semicolon": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host; x-sdk-date, Signature={SIGNATURE}",
        "SignedHeaders",
    ),
    "non-hex signature": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host, Signature={'g' * 64}",
        "Signature",
    ),
    "upper-case signature": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host, Signature={SIGNATURE.upper()}",
        "Signature",
    ),
    "short signature": (
        f"SDK-HMAC-SHA256 Access=AK1234, SignedHeaders=host, Signature={SIGNATURE[:-1]}",
        "Signature",
    ),
    "unknown field": (f"SDK-HMAC-SHA256 {FIELDS}, Region=cn-north-4", "'Region'"),
    "repeated field": (f"SDK-HMAC-SHA256 {FIELDS}, Access=AK9", "repeated field 'Access'"),
    "trailing comma": (f"SDK-HMAC-SHA256 {FIELDS},", "has no '='"),
    "field without equals": (f"SDK-HMAC-SHA256 Access AK1234, {FIELDS}", "has no '='"),
    "semicolon separators": (
        f"SDK-HMAC-SHA256 Access=AK1234; SignedHeaders=host; Signature={SIGNATURE}",
        "missing or empty field 'SignedHeaders'",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED_VALUES))
def test_parse_rejects_malformed_value(case: str) -> None:
    value, message = MALFORMED_VALUES[case]

    with pytest.raises(MalformedAuthorization) as caught:
        parse_authorization(value)

    assert type(caught.value) is MalformedAuthorization
    assert message in str(caught.value)


@pytest.mark.parametrize(
    "algorithm", ["SDK-HMAC-SM3", "SDK-ECDSA-P256-SHA256", "SDK-SM2-SM3", "V11-HMAC-SHA256"]
)
def test_parse_rejects_other_sdk_algorithms(algorithm: str) -> None:
    with pytest.raises(UnsupportedAlgorithm) as caught:
        parse_authorization(f"{algorithm} {FIELDS}")

    assert caught.value.algorithm == algorithm
    assert algorithm in str(caught.value)
    assert isinstance(caught.value, MalformedAuthorization)


@pytest.mark.parametrize("separator", [",", ", "])
def test_parse_names_repeated_header(separator: str) -> None:
    header = format_authorization("AK1", ["host", "x-sdk-date"], "a" * 64)

    with pytest.raises(MalformedAuthorization, match="sent more than once"):
        parse_authorization(header + separator + header)
