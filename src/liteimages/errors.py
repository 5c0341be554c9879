"""Errors raised by the liteimages core, each carrying its contract error code.

The core has no HTTP code, so the web layer maps each class to a status.

    LiteImagesError
    ├── InvalidArgument          ModelArts.0101
    ├── Forbidden                ModelArts.0108
    ├── ProjectMismatch          ModelArts.0210
    ├── NotFound                 ModelArts.5058
    │   └── NoImageAvailable     ModelArts.5058
    ├── Conflict                 ModelArts.0109
    ├── PreconditionFailed       ModelArts.0112
    ├── ServiceUnavailable       ModelArts.0014
    └── AuthenticationError      APIGW.0301 (liteimages.identity.errors)
"""

from __future__ import annotations


class LiteImagesError(Exception):
    """The root of every error the core raises on purpose."""

    error_code = "ModelArts.0010"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(LiteImagesError):
    """A request parameter breaks its rule; the message names the parameter."""

    error_code = "ModelArts.0101"

    def __init__(self, parameter: str, rule: str) -> None:
        super().__init__(f"Invalid argument. parameter [{parameter}] {rule}")
        self.parameter = parameter
        self.rule = rule


class Forbidden(LiteImagesError):
    """The caller is authenticated but may not perform the operation."""

    error_code = "ModelArts.0108"

    def __init__(self, operation: str) -> None:
        super().__init__(f"You are not authorized to perform the ({operation}) operation")
        self.operation = operation


class ProjectMismatch(LiteImagesError):
    """The project id in the URL differs from the project of the credential."""

    error_code = "ModelArts.0210"

    def __init__(self) -> None:
        super().__init__("The project id in the request URL does not match the token")


class NotFound(LiteImagesError):
    """An object does not exist, or is not visible to the caller."""

    error_code = "ModelArts.5058"

    def __init__(self, object_id: str) -> None:
        super().__init__(f"Object ({object_id}) does not exist")
        self.object_id = object_id


class NoImageAvailable(NotFound):
    """The catalog contains no image visible to the project."""

    def __init__(self) -> None:
        LiteImagesError.__init__(self, "No Lite Server image is available")
        self.object_id = ""


class Conflict(LiteImagesError):
    """A change conflicts with existing data, such as a duplicate name."""

    error_code = "ModelArts.0109"


class PreconditionFailed(LiteImagesError):
    """An If-Match value names a version that is no longer current."""

    error_code = "ModelArts.0112"

    def __init__(self, resource: str, current_etag: str) -> None:
        super().__init__(
            f"{resource} was changed by someone else (current ETag {current_etag}); "
            "read it again and retry"
        )
        self.current_etag = current_etag


class ServiceUnavailable(LiteImagesError):
    """The database cannot be reached; the request may succeed when retried."""

    error_code = "ModelArts.0014"

    def __init__(self) -> None:
        super().__init__("The service is temporarily unavailable; retry later")
