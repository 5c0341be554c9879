"""The `liteimages` command line."""
