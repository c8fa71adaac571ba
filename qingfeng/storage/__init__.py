"""Storage: SQLAlchemy tables, engine/session helpers and migrations (SQLite and PostgreSQL)."""
