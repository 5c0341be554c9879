"""The head revision that start-up checks without Alembic matches the migration scripts."""

from alembic.script import ScriptDirectory

from liteimages.db.migrate import HEAD_REVISION, alembic_config


def test_head_revision_matches_scripts() -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()

    assert head == HEAD_REVISION
