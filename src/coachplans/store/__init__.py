"""Persistence: SQLAlchemy tables, the engine, the repository, Alembic migrations."""
