"""AK/SK request signing (SDK-HMAC-SHA256) compatible with the Huawei Cloud SDKs.

``sign`` adds the Authorization and X-Sdk-Date headers to an outgoing request. A server
parses the Authorization header with ``parse_authorization``, calls ``verify`` and then
checks the X-Sdk-Date value with ``parse_sdk_date`` and ``check_date_window``.
"""

from liteimages.signing.authorization import (
    ALGORITHM,
    OTHER_SDK_ALGORITHMS,
    Authorization,
    format_authorization,
    parse_authorization,
)
from liteimages.signing.canonical import (
    CONTENT_SHA256_HEADER,
    EMPTY_PAYLOAD_HASH,
    canonical_headers,
    canonical_query,
    canonical_query_from_pairs,
    canonical_query_orders,
    canonical_request,
    canonical_uri,
    encoded_order_query,
    payload_hash,
    received_order_query,
    sdk_canonical_uri,
)
from liteimages.signing.dates import (
    DATE_FORMAT,
    DEFAULT_DATE_WINDOW,
    check_date_window,
    format_sdk_date,
    parse_sdk_date,
)
from liteimages.signing.errors import (
    MalformedAuthorization,
    MalformedDate,
    MissingSignedHeader,
    SignatureExpired,
    SigningError,
    UnsupportedAlgorithm,
)
from liteimages.signing.signer import (
    SignableRequest,
    SigningKey,
    Verification,
    compute_signature,
    sign,
    string_to_sign,
    verify,
)

__all__ = [
    "ALGORITHM",
    "CONTENT_SHA256_HEADER",
    "DATE_FORMAT",
    "DEFAULT_DATE_WINDOW",
    "EMPTY_PAYLOAD_HASH",
    "OTHER_SDK_ALGORITHMS",
    "Authorization",
    "MalformedAuthorization",
    "MalformedDate",
    "MissingSignedHeader",
    "SignableRequest",
    "SignatureExpired",
    "SigningError",
    "SigningKey",
    "UnsupportedAlgorithm",
    "Verification",
    "canonical_headers",
    "canonical_query",
    "canonical_query_from_pairs",
    "canonical_query_orders",
    "canonical_request",
    "canonical_uri",
    "check_date_window",
    "compute_signature",
    "encoded_order_query",
    "format_authorization",
    "format_sdk_date",
    "parse_authorization",
    "parse_sdk_date",
    "payload_hash",
    "received_order_query",
    "sdk_canonical_uri",
    "sign",
    "string_to_sign",
    "verify",
]
