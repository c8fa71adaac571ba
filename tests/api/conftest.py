"""API fixtures: an app per test on its own SQLite database, keys for each role, and the session's
trained triager handed in through a dependency override (so the lifespan loads no model itself)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from qingfeng.settings import Settings
from qingfeng.storage.db import connect, session_scope
from serving.app import create_app
from serving.deps import current_triager
from serving.security import Role, create_key

ROLES = ("intake", "analyst", "admin")


@pytest.fixture(scope="session")
def triager(trained_settings: Settings):
    from classifiers.triage import load_triager

    return load_triager(trained_settings)


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    """A fresh database and an EMPTY model directory: models come from the override, not the lifespan."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", model_dir=tmp_path / "no-models",
                    reports_dir=tmp_path / "reports")


def make_keys(settings: Settings) -> dict[str, str]:
    with session_scope(connect(settings.database_url)) as session:
        return {role: create_key(session, name=f"{role}-desk", role=Role(role)) for role in ROLES}


@pytest.fixture
def keys(api_settings: Settings) -> dict[str, str]:
    return make_keys(api_settings)


@pytest.fixture
def make_client(api_settings: Settings, triager) -> Iterator[Callable[..., TestClient]]:
    """``make_client(settings=None, triager=<trained>)`` → a started TestClient (closed after the test)."""
    opened: list[TestClient] = []

    def build(settings: Settings | None = None, triager_override=triager, **app_kwargs) -> TestClient:
        app = create_app(settings or api_settings, **app_kwargs)
        if triager_override is not None:
            app.dependency_overrides[current_triager] = lambda: triager_override
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        opened.append(client)
        return client

    yield build
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client, keys) -> TestClient:
    return make_client()


def auth(key: str) -> dict[str, str]:
    return {"X-API-Key": key}
