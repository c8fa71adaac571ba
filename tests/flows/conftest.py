"""Flow tests run against ONE temporary Prefect server for the whole session (prefect_test_harness)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qingfeng.settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "data" / "samples"


@pytest.fixture(scope="session")
def prefect_api_url() -> Iterator[str]:
    """Start the harness once; yields its API URL (subprocesses get it as PREFECT_API_URL)."""
    from prefect.settings import PREFECT_API_URL
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield PREFECT_API_URL.value()


@dataclass(frozen=True)
class NightlyEnv:
    root: Path
    settings: Settings
    env: dict[str, str]  # QINGFENG_* (and PREFECT_API_URL) for a subprocess

    def apply(self, mp: pytest.MonkeyPatch) -> None:
        for key, value in self.env.items():
            mp.setenv(key, value)
        from qingfeng.settings import get_settings

        get_settings.cache_clear()


def make_env(root: Path, trained: Settings, api_url: str, **extra: str) -> NightlyEnv:
    root.mkdir(parents=True, exist_ok=True)
    settings = Settings(database_url=f"sqlite:///{root / 'qingfeng.db'}", model_dir=trained.model_dir,
                        reports_dir=root / "reports")
    env = {"QINGFENG_DATABASE_URL": settings.database_url, "QINGFENG_MODEL_DIR": str(trained.model_dir),
           "QINGFENG_REPORTS_DIR": str(root / "reports"), "PREFECT_API_URL": api_url, **extra}
    return NightlyEnv(root, settings, env)


def copy_samples(target: Path) -> Path:
    """A copy of data/samples/ (hotline, report_box, online) that a test may change."""
    for channel in ("hotline", "report_box", "online"):
        shutil.copytree(SAMPLES / channel, target / channel)
    return target


@pytest.fixture(scope="session")
def nightly_env_factory(tmp_path_factory, trained_settings, prefect_api_url):
    def build(name: str, **extra: str) -> NightlyEnv:
        return make_env(tmp_path_factory.mktemp(name), trained_settings, prefect_api_url, **extra)

    return build


def subprocess_env(nightly: NightlyEnv, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
    env.update(nightly.env)
    env.update(extra)
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return env
