"""Storage: the SQLAlchemy engine, the declarative base, revisions and migrations."""
