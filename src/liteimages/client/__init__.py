"""A Python client for liteimages and the ModelArts Lite Server catalog API."""

from liteimages.client.auth import AkSkAuth, TokenAuth

__all__ = ["AkSkAuth", "TokenAuth"]
