"""Catalog files: the whole catalog as one YAML or JSON document, exported and imported.

`export.export_catalog` writes the file, `document.read_document` reads and validates
it, `diff.plan_import` compares it with the database, and `apply.import_catalog` runs the
whole import in one write transaction. docs/catalog-files.md describes the format.
"""
