"""The only code that touches the metadata store (SQLAlchemy + Alembic)."""
