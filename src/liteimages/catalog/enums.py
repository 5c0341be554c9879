"""Enumerations of the catalog, with their wire spelling."""

from __future__ import annotations

from enum import StrEnum


class Arch(StrEnum):
    """CPU architecture of an image or flavor."""

    ARM = "ARM"
    X86 = "X86"


class ServerType(StrEnum):
    """Lite Server kind: bare metal, elastic cloud server or supernode server."""

    BMS = "BMS"
    ECS = "ECS"
    HPS = "HPS"


class ImageStatus(StrEnum):
    """Whether an image can be used to create servers."""

    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"


class Visibility(StrEnum):
    """The scope of an image: every project, or its owner and the projects it is shared with."""

    PUBLIC = "PUBLIC"
    PRIVATE = "PRIVATE"


class ChargingMode(StrEnum):
    """Billing mode of a flavor."""

    PRE_PAID = "PRE_PAID"
    POST_PAID = "POST_PAID"


class SortKey(StrEnum):
    """Fields the image list can be sorted by."""

    NAME = "name"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


class SortDir(StrEnum):
    """Sort direction."""

    ASC = "ASC"
    DESC = "DESC"
