"""Shared fixtures: an isolated settings object per test, a SQLite database, and PostgreSQL when set."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qingfeng.settings import PROJECT_ROOT, Settings

SHARED_DIR = PROJECT_ROOT.parent / "shared"
DATASETS_DIR = SHARED_DIR / "datasets"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing every writable path at a temporary directory (data/ stays the repository's)."""
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'qingfeng.db'}",
        model_dir=tmp_path / "models",
        reports_dir=tmp_path / "reports",
    )


def _postgres_url() -> str | None:
    return os.environ.get("QINGFENG_TEST_POSTGRES_URL") or None


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path: Path) -> str:
    """A fresh database URL: always SQLite, and PostgreSQL when QINGFENG_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'db.sqlite'}"
    url = _postgres_url()
    if not url:
        pytest.skip("QINGFENG_TEST_POSTGRES_URL not set")
    return _fresh_postgres_schema(url, request.node.name)


def _fresh_postgres_schema(url: str, name: str) -> str:
    """Give each test its own schema on the shared server, so tests cannot see each other's rows."""
    import re

    from sqlalchemy import create_engine, text

    schema = "t_" + re.sub(r"[^a-z0-9]", "_", name.lower())[:40] + f"_{os.getpid()}"
    try:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    except Exception as exc:  # server down: skip cleanly, never fail on infrastructure
        pytest.skip(f"PostgreSQL not reachable: {exc.__class__.__name__}")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


@pytest.fixture
def datasets_dir() -> Path:
    if not DATASETS_DIR.is_dir():
        pytest.skip("../shared/datasets not present")
    return DATASETS_DIR


@pytest.fixture(scope="session")
def trained_settings(tmp_path_factory) -> Settings:
    """Settings whose model_dir holds default models (categories, agencies, sentiment) trained once per session."""
    from classifiers.triage import ensure_default_models

    root = tmp_path_factory.mktemp("trained")
    settings = Settings(
        database_url=f"sqlite:///{root / 'qingfeng.db'}",
        model_dir=root / "models",
        reports_dir=root / "reports",
    )
    ensure_default_models(settings)
    return settings
