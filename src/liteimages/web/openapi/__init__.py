"""The OpenAPI document of liteimages and the self-hosted API explorer that shows it."""

from liteimages.web.openapi.document import build_document, encode_document
from liteimages.web.openapi.routes import openapi_routes

__all__ = ["build_document", "encode_document", "openapi_routes"]
