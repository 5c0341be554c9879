"""liteimages: a self-hosted ModelArts Lite Server image catalog API."""

__version__ = "0.1.0"
