"""Tables for images, flavors, image-to-flavor compatibility and image shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from liteimages.db.base import Base, UTCDateTime, utcnow


class Image(Base):
    """A server image that Lite Servers of one server type and architecture can boot."""

    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(256), index=True)
    arch: Mapped[str] = mapped_column(String(8))
    server_type: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    # The project that owns a private image; public images have none.
    owner_project_id: Mapped[str | None] = mapped_column(
        ForeignKey("projects.id", ondelete="RESTRICT"), index=True
    )
    os: Mapped[str] = mapped_column(String(64), default="")
    os_version: Mapped[str] = mapped_column(String(64), default="")
    accelerator: Mapped[str] = mapped_column(String(16), default="")
    driver_version: Mapped[str] = mapped_column(String(64), default="")
    cann_version: Mapped[str] = mapped_column(String(64), default="")
    cuda_version: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    protected: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Flavor(Base):
    """A Lite Server flavor, with the fields ListDevServerFlavors returns."""

    __tablename__ = "flavors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    arch: Mapped[str] = mapped_column(String(8))
    server_type: Mapped[str] = mapped_column(String(8))
    availability_zone: Mapped[str] = mapped_column(String(64), default="")
    charging_mode: Mapped[str] = mapped_column(String(16))
    count: Mapped[int] = mapped_column(Integer, default=0)
    flavor_type: Mapped[str] = mapped_column(String(32), default="")
    roce_num: Mapped[int] = mapped_column(Integer, default=0)
    sku_code: Mapped[str] = mapped_column(String(128), default="")
    specification: Mapped[str] = mapped_column(String(512), default="")
    status: Mapped[str] = mapped_column(String(16), default="normal")
    is_sold_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ImageFlavor(Base):
    """A compatibility link: the image can boot servers of the flavor."""

    __tablename__ = "image_flavors"

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    flavor_id: Mapped[str] = mapped_column(
        ForeignKey("flavors.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class ImageShare(Base):
    """A private image made visible to another project."""

    __tablename__ = "image_shares"

    image_id: Mapped[str] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(
        ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
