"""Typed results of the catalog calls."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Image:
    """A ServerImageResponse: the five fields of a catalog image."""

    image_id: str
    name: str
    arch: str
    server_type: str
    status: str

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Image:
        """Build an image from its JSON object."""
        return cls(
            image_id=str(data["image_id"]),
            name=str(data["name"]),
            arch=str(data["arch"]),
            server_type=str(data["server_type"]),
            status=str(data["status"]),
        )


@dataclass(frozen=True, slots=True)
class Flavor:
    """A Lite Server flavor as ListDevServerFlavors returns it."""

    flavor: str
    arch: str
    server_type: str
    availability_zone: str
    charging_mode: str
    count: int
    flavor_type: str
    roce_num: int
    sku_code: str
    specification: str
    status: str
    is_sold_out: bool

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Flavor:
        """Build a flavor from its JSON object."""
        return cls(
            flavor=str(data["flavor"]),
            arch=str(data["arch"]),
            server_type=str(data["server_type"]),
            availability_zone=str(data.get("availability_zone", "")),
            charging_mode=str(data.get("charging_mode", "")),
            count=int(data.get("count", 0)),
            flavor_type=str(data.get("flavor_type", "")),
            roce_num=int(data.get("roce_num", 0)),
            sku_code=str(data.get("sku_code", "")),
            specification=str(data.get("specification", "")),
            status=str(data.get("status", "")),
            is_sold_out=bool(data.get("is_sold_out", False)),
        )


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list call."""

    current: int
    pages: int
    size: int
    total: int
    data: Sequence[T]
