"""The HTTP face of liteimages: a raw ASGI fast path for catalog reads, Starlette for the rest."""
