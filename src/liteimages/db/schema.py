"""The full metadata: importing this module registers every table."""

from liteimages.audit import models as audit_models
from liteimages.catalog import models as catalog_models
from liteimages.db import revisions
from liteimages.db.base import Base
from liteimages.identity import lockout as identity_lockout
from liteimages.identity import lockout_clears as identity_lockout_clears
from liteimages.identity import models as identity_models

metadata = Base.metadata

__all__ = [
    "audit_models",
    "catalog_models",
    "identity_lockout",
    "identity_lockout_clears",
    "identity_models",
    "metadata",
    "revisions",
]
