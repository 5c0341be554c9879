"""The admin HTTP API under /admin/v1: a thin HTTP layer over liteimages.admin."""
