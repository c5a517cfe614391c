"""Alembic migrations of Sportel's schema (run by :func:`storage.migrate.upgrade`)."""
