"""Authenticate a request by AK/SK signature or by token, as the API gateway does."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime

from liteimages.db.base import utcnow
from liteimages.identity.cache import UNKNOWN, CredentialCache
from liteimages.identity.errors import AuthenticationError, SignatureMismatch, TokenExpired
from liteimages.identity.lockout import Lockout
from liteimages.identity.principal import Caller, KeyCredential
from liteimages.identity.tokens import hash_token
from liteimages.signing import (
    MalformedAuthorization,
    MalformedDate,
    MissingSignedHeader,
    ReceivedRequest,
    SignatureExpired,
    UnsupportedAlgorithm,
    check_date_window,
    format_sdk_date,
    parse_authorization,
    parse_sdk_date,
    verify_received,
)

# Tokens and access keys longer than this are rejected unread.
MAX_TOKEN_LENGTH = 16_384
MAX_SHOWN_ACCESS_KEY = 64


class Authenticator:
    """Turns a request's credential into a `Caller`, or raises an authentication error."""

    def __init__(
        self,
        cache: CredentialCache,
        lockout: Lockout,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._cache = cache
        self.lockout = lockout
        self._clock = clock

    async def authenticate(self, request: ReceivedRequest) -> Caller:
        """Return the caller of `request`, preferring a signature over a token."""
        if b"authorization" in request.headers:
            return await self.authenticate_signature(request)
        return await self.authenticate_token(request.header(b"x-auth-token"))

    async def authenticate_token(self, token: str | None) -> Caller:
        """Return the caller of an X-Auth-Token value. None or empty means no token was sent."""
        if not token:
            raise AuthenticationError("x-auth-token not found", reason="missing_credentials")
        if len(token) > MAX_TOKEN_LENGTH:
            raise AuthenticationError("decrypt token fail", reason="unknown_token")
        credential = await self._cache.token(hash_token(token))
        if credential is None or credential.revoked:
            raise AuthenticationError("decrypt token fail", reason="unknown_token")
        if credential.expires_at <= self._clock():
            raise TokenExpired()
        if not credential.principal.enabled:
            raise AuthenticationError("the user is disabled", reason="disabled")
        return credential.caller

    async def authenticate_signature(self, request: ReceivedRequest) -> Caller:
        """Return the caller of a request that has an Authorization header."""
        try:
            authorization = parse_authorization(
                request.headers[b"authorization"].decode("utf-8", "replace")
            )
        except UnsupportedAlgorithm as error:
            raise AuthenticationError(str(error), reason="unsupported_algorithm") from None
        except MalformedAuthorization as error:
            # The message already starts with "invalid Authorization header".
            raise AuthenticationError(str(error), reason="malformed_authorization") from None
        access_key = authorization.access_key
        key = self._cache.known_key(access_key)
        if key is UNKNOWN:
            key = await self._cache.key(access_key)
        if key is None:
            raise AuthenticationError(
                f"ak {access_key[:MAX_SHOWN_ACCESS_KEY]} not exist", reason="unknown_access_key"
            )
        self.lockout.check(access_key)
        if key.has_conditions or not key.principal.enabled:
            self._check_usable(key, request, authorization.signed_headers)
        self._check_date(request)
        try:
            verification = verify_received(request, authorization, key.signing_key)
        except MissingSignedHeader as error:
            raise AuthenticationError(str(error), reason="missing_signed_header") from None
        if not verification.valid:
            self.lockout.record_failure(access_key)
            raise SignatureMismatch(verification.canonical_request, verification.string_to_sign)
        self.lockout.record_success(access_key)
        return key.caller(request.header(b"x-project-id"))

    def _check_usable(
        self, key: KeyCredential, request: ReceivedRequest, signed_headers: tuple[str, ...]
    ) -> None:
        if not key.active or not key.principal.enabled:
            raise AuthenticationError(f"ak {key.access_key} is disabled", reason="disabled")
        if key.expires_at is not None and key.expires_at <= self._clock():
            raise TokenExpired()
        if key.security_token_hash is None:
            return
        presented = request.headers.get(b"x-security-token")
        if presented is None or "x-security-token" not in signed_headers:
            raise AuthenticationError(
                "a temporary access key needs a signed x-security-token header",
                reason="security_token",
            )
        digest = hashlib.sha256(presented).hexdigest()
        if not hmac.compare_digest(digest, key.security_token_hash):
            raise AuthenticationError(
                "security token does not match the temporary access key", reason="security_token"
            )

    def _check_date(self, request: ReceivedRequest) -> None:
        raw = request.header(b"x-sdk-date") or ""
        try:
            signed_at = parse_sdk_date(raw)
        except MalformedDate:
            raise AuthenticationError(
                f"x-sdk-date {raw[:32]!r} is missing or not in the form YYYYMMDDTHHMMSSZ",
                reason="malformed_date",
            ) from None
        now = self._clock()
        try:
            check_date_window(signed_at, now)
        except SignatureExpired:
            raise AuthenticationError(
                f"signature expired, signature time:{raw},server time:{format_sdk_date(now)}",
                reason="signature_expired",
            ) from None
