"""Logs, Prometheus metrics and the per-request wrapper that feeds both."""
