"""AK/SK request signing (SDK-HMAC-SHA256) compatible with the Huawei Cloud SDKs.

``sign`` adds the Authorization and X-Sdk-Date headers to an outgoing request. A server
parses the Authorization header with ``parse_authorization``, calls ``verify_received``
on the request as received (or ``verify`` on one whose header values are text) and then
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
    canonical_request_tail,
    canonical_uri,
    encoded_order_query,
    payload_hash,
    received_header_value,
    received_order_query,
    received_request_tail,
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
    compute_signature,
    encoded_string_to_sign,
    sign,
    string_to_sign,
)
from liteimages.signing.verifier import ReceivedRequest, Verification, verify, verify_received

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
    "ReceivedRequest",
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
    "canonical_request_tail",
    "canonical_uri",
    "check_date_window",
    "compute_signature",
    "encoded_order_query",
    "encoded_string_to_sign",
    "format_authorization",
    "format_sdk_date",
    "parse_authorization",
    "parse_sdk_date",
    "payload_hash",
    "received_header_value",
    "received_order_query",
    "received_request_tail",
    "sdk_canonical_uri",
    "sign",
    "string_to_sign",
    "verify",
    "verify_received",
]
