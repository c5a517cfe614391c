"""Floor 2: where bytes and rows live: the blob store (local folder or S3-compatible) and the database
(SQLAlchemy 2; SQLite by default, PostgreSQL in production; Alembic migrations)."""
