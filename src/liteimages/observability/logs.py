"""Log formats and the logging configuration that `serve` hands to uvicorn.

Two formats share one set of fields: JSON, one object per line, for log
collectors, and `time level logger: message key=value ...` lines for a
terminal. uvicorn applies `logging_config` with `logging.config.dictConfig` in
the server process and in every worker, so uvicorn's own records and
liteimages' records go through the same handler and formatter.
"""

from __future__ import annotations

import logging
import time
from typing import Any, TextIO

import orjson

ACCESS_LOGGER_NAME = "liteimages.access"
LOG_FORMATS = ("auto", "json", "console")

# Attributes that every LogRecord has. Any other attribute came from `extra` and is a field.
RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    # uvicorn adds a copy of some messages with terminal colour codes.
    "color_message",
}
# Field names whose values are replaced by REDACTED, should any code pass one in `extra`.
REDACTED_FIELDS = frozenset(
    {
        "authorization",
        "password",
        "secret_key",
        "signature",
        "token",
        "x_auth_token",
        "x_security_token",
        "x_subject_token",
    }
)
REDACTED = "[redacted]"
# Attribute layouts remembered by `_ExtraFields`. Code creates only a few distinct ones.
MAX_CACHED_LAYOUTS = 1024
_CONSOLE_QUOTED = frozenset(' "=\n\r\t')


class _TimestampCache:
    """Formats record times as ISO 8601 UTC, computing the date part once per second."""

    __slots__ = ("_second",)

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        """Return the record's time as `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
        second = int(record.created)
        cached = self._second
        if cached[0] != second:
            cached = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
            self._second = cached
        return f"{cached[1]}.{int(record.msecs):03d}Z"


class _ExtraFields:
    """Finds the attributes that a record got from `extra`, in the order they were set.

    Records from one call site have the same attribute names in the same order, so
    the names of the extra fields are worked out once per such layout.
    """

    __slots__ = ("_by_layout",)

    def __init__(self) -> None:
        self._by_layout: dict[tuple[str, ...], tuple[tuple[str, ...], bool]] = {}

    def of(self, record: logging.LogRecord) -> dict[str, Any]:
        """Return the extra fields of `record`, with the values of secret names redacted."""
        attributes = record.__dict__
        layout = tuple(attributes)
        known = self._by_layout.get(layout)
        if known is None:
            names = tuple(name for name in layout if name not in RECORD_ATTRIBUTES)
            known = (names, not REDACTED_FIELDS.isdisjoint(names))
            if len(self._by_layout) < MAX_CACHED_LAYOUTS:
                self._by_layout[layout] = known
        names, has_secret_names = known
        if has_secret_names:
            return {name: _shown(name, attributes[name]) for name in names}
        return {name: attributes[name] for name in names}


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object: time, level, logger, message, pid, then its fields."""

    def __init__(self) -> None:
        super().__init__()
        self._timestamps = _TimestampCache()
        self._extra_fields = _ExtraFields()

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON object on one line."""
        document: dict[str, Any] = {
            "time": self._timestamps.format(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        document.update(self._extra_fields.of(record))
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            document["stack"] = self.formatStack(record.stack_info)
        try:
            return orjson.dumps(document, default=str).decode()
        except orjson.JSONEncodeError:
            # orjson rejects some values even with `default`, such as integers over 64 bits.
            return orjson.dumps({key: str(value) for key, value in document.items()}).decode()


class ConsoleFormatter(logging.Formatter):
    """Formats a record as `time level logger: message key=value ...` for a terminal."""

    def __init__(self) -> None:
        super().__init__()
        self._timestamps = _TimestampCache()
        self._extra_fields = _ExtraFields()

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one line, followed by its traceback if it has one."""
        parts = [
            self._timestamps.format(record),
            f"{record.levelname:<7}",
            f"{record.name}:",
            record.getMessage(),
        ]
        for key, value in self._extra_fields.of(record).items():
            if value is not None:
                parts.append(f"{key}={_console_value(value)}")
        line = " ".join(parts)
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        if record.stack_info:
            line = f"{line}\n{self.formatStack(record.stack_info)}"
        return line


def _shown(name: str, value: object) -> object:
    return REDACTED if name in REDACTED_FIELDS else value


def _console_value(value: object) -> str:
    text = str(value)
    if text and _CONSOLE_QUOTED.isdisjoint(text):
        return text
    return orjson.dumps(text).decode()


class RecordMaker:
    """Makes LogRecords of one logger, level and message format, for a hot path.

    `LogRecord.__init__` looks up the thread, the process and the source file on
    every call. Here they are copied from a record made on the first call, in the
    thread that serves requests, so each record still has every LogRecord
    attribute, with its own creation time, arguments and fields.
    NOTE: a factory installed with `logging.setLogRecordFactory` does not apply here.
    """

    __slots__ = ("_level", "_message", "_name", "_pathname", "_template")

    def __init__(self, name: str, level: int, message: str, pathname: str) -> None:
        self._name = name
        self._level = level
        self._message = message
        self._pathname = pathname
        self._template: dict[str, Any] | None = None

    def make(
        self, created: float, args: tuple[object, ...], fields: dict[str, object]
    ) -> logging.LogRecord:
        """Return a record of `message % args` with `fields` as attributes.

        `created` is the record's time in seconds since the epoch, as `time.time()` returns.
        """
        template = self._template
        if template is None:
            first = logging.LogRecord(
                self._name, self._level, self._pathname, 0, self._message, (), None
            )
            template = self._template = dict(vars(first))
        values = template.copy()
        values["created"] = created
        values["msecs"] = (created - int(created)) * 1000
        values["relativeCreated"] = (
            template["relativeCreated"] + (created - template["created"]) * 1000
        )
        values["args"] = args
        values.update(fields)
        record: logging.LogRecord = logging.LogRecord.__new__(logging.LogRecord)
        record.__dict__ = values
        return record


def resolve_format(requested: str, stream: TextIO) -> str:
    """Return `json` or `console`: `auto` means console on a terminal and JSON otherwise."""
    if requested != "auto":
        return requested
    return "console" if stream.isatty() else "json"


def logging_config(
    log_format: str, level: str = "info", *, access_log: bool = True
) -> dict[str, Any]:
    """Return a `logging.config.dictConfig` document that writes every record to stderr.

    `log_format` is `json` or `console`. The access logger writes one INFO record
    per request, so `access_log=False`, like a level above `info`, silences it.
    """
    if log_format not in ("json", "console"):
        raise ValueError(f"invalid log format {log_format!r}; expected 'json' or 'console'")
    formatter = JsonFormatter if log_format == "json" else ConsoleFormatter
    level_name = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level_name, "handlers": ["default"]},
        "loggers": {
            # uvicorn's records reach the root handler instead of handlers of their own.
            "uvicorn": {"level": level_name, "handlers": [], "propagate": True},
            # The access lines come from ACCESS_LOGGER_NAME, with the caller's identity.
            "uvicorn.access": {"handlers": [], "propagate": False},
            ACCESS_LOGGER_NAME: {"level": "NOTSET" if access_log else "WARNING"},
        },
    }
