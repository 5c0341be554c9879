"""The full metadata: importing this module registers every table."""

from liteimages.catalog import models as catalog_models
from liteimages.db import revisions
from liteimages.db.base import Base
from liteimages.identity import models as identity_models

metadata = Base.metadata

__all__ = ["catalog_models", "identity_models", "metadata", "revisions"]
