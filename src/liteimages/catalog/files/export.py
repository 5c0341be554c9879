"""Export the whole catalog as a catalog file, in a deterministic order."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from liteimages.admin import representations as rep
from liteimages.catalog.files.document import VERSION
from liteimages.catalog.files.formats import FileFormat, dump_text
from liteimages.catalog.models import Flavor, Image, ImageFlavor, ImageShare
from liteimages.db.engine import Database


def export_catalog(session: Session) -> dict[str, Any]:
    """Return every flavor and image with every field, its links and its shares.

    Flavors are sorted by name and images by name, then id. The sort runs in Python on
    code points, so SQLite and PostgreSQL (whose collations differ) export the same order.
    """
    links: dict[str, list[str]] = defaultdict(list)
    link_rows = select(ImageFlavor.image_id, Flavor.name).join(
        Flavor, Flavor.id == ImageFlavor.flavor_id
    )
    for image_id, flavor_name in session.execute(link_rows):
        links[image_id].append(flavor_name)
    shares: dict[str, list[str]] = defaultdict(list)
    for image_id, project_id in session.execute(select(ImageShare.image_id, ImageShare.project_id)):
        shares[image_id].append(project_id)
    flavors = sorted(session.scalars(select(Flavor)), key=lambda flavor: flavor.name)
    images = sorted(session.scalars(select(Image)), key=lambda image: (image.name, image.id))
    return {
        "version": VERSION,
        "flavors": [rep.flavor(flavor) for flavor in flavors],
        "images": [rep.image(image, links[image.id], shares[image.id]) for image in images],
    }


def export_text(database: Database, file_format: FileFormat) -> str:
    """Return the catalog file text of one consistent snapshot of the database."""
    with database.snapshot() as session:
        document = export_catalog(session)
    return dump_text(document, file_format)


def write_atomically(path: Path, content: str) -> None:
    """Write `content` to `path` through a temporary file, so readers never see half a file.

    The temporary file is created like any new file, so the result gets the usual
    permissions of the process umask.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("x", encoding="utf-8", newline="\n") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
