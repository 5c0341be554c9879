"""Helpers shared by the test packages: databases and live server processes."""
