"""Administration use cases: each checks permission, changes data and writes the audit trail.

The HTTP admin API, the CLI and catalog file imports all go through this package.
"""
