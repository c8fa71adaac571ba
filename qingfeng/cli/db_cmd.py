"""``qingfeng db ...``: schema management."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    db = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)

    @db.command("upgrade")
    def upgrade_cmd() -> None:
        """Bring the schema of QINGFENG_DATABASE_URL up to date."""
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import current_revision, make_engine, upgrade

        engine = make_engine(get_settings().database_url)
        upgrade(engine)
        typer.echo(f"数据库已是最新结构 (revision {current_revision(engine)})")

    @db.command("current")
    def current_cmd() -> None:
        """Print the schema revision of the database."""
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import current_revision, make_engine

        typer.echo(current_revision(make_engine(get_settings().database_url)) or "(empty)")

    app.add_typer(db, name="db")
