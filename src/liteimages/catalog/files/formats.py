"""Read and write catalog files as YAML or JSON.

YAML goes through PyYAML's safe loader and safe dumper only, so a file can hold plain
data (mappings, lists, strings, numbers, booleans, null, timestamps) and never
constructs Python objects. The libyaml-backed `CSafeLoader` and `CSafeDumper` are used
when PyYAML was built with libyaml: they accept the same documents as `SafeLoader` and
`SafeDumper` and run about three to four times faster on large files.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import yaml

from liteimages.catalog.files.problems import CatalogFileError, Problem

SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
# Wide enough that PyYAML never folds a long name or description over several lines.
YAML_WIDTH = 100_000
EXTENSIONS = {".yaml": "yaml", ".yml": "yaml", ".json": "json"}


class FileFormat(StrEnum):
    """Serialisation of a catalog file."""

    YAML = "yaml"
    JSON = "json"


def detect_format(path: Path | None, requested: str | None) -> FileFormat:
    """Return the `requested` format, else the one the file extension names, else YAML.

    Raises `CatalogFileError` when a file has no known extension and no format is given.
    """
    if requested:
        return FileFormat(requested.lower())
    if path is None:
        return FileFormat.YAML
    found = EXTENSIONS.get(path.suffix.lower())
    if found is None:
        problem = Problem(
            "", None, "unknown file extension; use .yaml, .yml or .json, or pass --format"
        )
        raise CatalogFileError(str(path), [problem])
    return FileFormat(found)


def parse_text(text: str, file_format: FileFormat, source: str) -> Any:
    """Decode the document in `text`; malformed input raises `CatalogFileError` with its line."""
    if file_format is FileFormat.JSON:
        return _parse_json(text, source)
    return _parse_yaml(text, source)


def dump_text(document: Any, file_format: FileFormat) -> str:
    """Encode `document` as YAML or JSON text ending in a newline."""
    if file_format is FileFormat.JSON:
        return orjson.dumps(
            document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
        ).decode()
    dumped: str = yaml.dump(
        document,
        Dumper=SAFE_DUMPER,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=YAML_WIDTH,
    )
    return dumped


def _parse_json(text: str, source: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as error:
        where = f"line {error.lineno}, column {error.colno}"
        raise CatalogFileError(
            source, [Problem(where, None, f"malformed JSON: {error.msg}")]
        ) from None


def _parse_yaml(text: str, source: str) -> Any:
    loader = SAFE_LOADER(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = error.problem or error.context or "cannot be parsed"
        raise CatalogFileError(
            source, [Problem(where, None, f"malformed YAML: {reason}")]
        ) from None
    except yaml.YAMLError as error:
        raise CatalogFileError(source, [Problem("", None, f"malformed YAML: {error}")]) from None
    except RecursionError:
        raise CatalogFileError(
            source, [Problem("", None, "malformed YAML: nested too deeply")]
        ) from None
    finally:
        loader.dispose()
