"""The ``retrain`` Prefect flow end to end, and the nightly flow picking up a new PRODUCTION each run."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import pytest

from qingfeng.settings import Settings
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Label

pytestmark = pytest.mark.slow
FAST_HEAD = {"head": {"C": 4.0, "folds": 2, "class_weight": "balanced", "random_state": 0}}


@pytest.fixture
def retrain_env(tmp_path, trained_settings, prefect_api_url, monkeypatch) -> Settings:
    from qingfeng.settings import get_settings
    from tests.model.labelled_store import ITEMS, seed_complaints

    shutil.copytree(trained_settings.model_dir, tmp_path / "models")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", model_dir=tmp_path / "models",
                        reports_dir=tmp_path / "reports", bootstrap_rounds=200)
    ids = seed_complaints(settings.database_url)
    with session_scope(connect(settings.database_url)) as session:
        for i, (cid, (text, cats, _, _)) in enumerate(zip(ids, ITEMS)):
            session.add(Label(task="categories", complaint_id=cid, text=text, value=cats, annotator="测试",
                              provenance="human_confirmed", created_at=datetime(2026, 11, 21) + timedelta(minutes=i)))
    for key, value in {"QINGFENG_DATABASE_URL": settings.database_url, "QINGFENG_MODEL_DIR": str(settings.model_dir),
                       "QINGFENG_REPORTS_DIR": str(settings.reports_dir), "QINGFENG_BOOTSTRAP_ROUNDS": "200"}.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_retrain_flow_registers_compares_and_promotes_only_through_the_gate(retrain_env):
    from classifiers import registry
    from pipelines.retrain_flow import retrain

    before = registry.production_version(retrain_env.model_dir, "categories")
    summary = retrain(name="categories", config_overrides=FAST_HEAD, promote_when_better=True)
    version = summary["version"]
    version_dir = retrain_env.model_dir / "categories" / version
    comparison = json.loads((version_dir / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["baseline"] == before
    assert summary["data"]["n_human_train"] == 5 and summary["data"]["n_holdout"] == 1
    assert summary["promoted"] == comparison["gate"]["allowed"]
    expected = version if comparison["gate"]["allowed"] else before
    assert registry.production_version(retrain_env.model_dir, "categories") == expected
    assert (version_dir / "MODEL_CARD.md").is_file()


def test_nightly_flow_loads_the_current_production_each_run(retrain_env):
    from classifiers import registry
    from pipelines.nightly import load_models
    from pipelines.promotion import promote_version, rollback_version

    model_dir = retrain_env.model_dir
    first = load_models.fn(retrain_env)
    current = registry.load_version(model_dir, "categories", registry.production_version(model_dir, "categories"))
    second_version = registry.save_version(model_dir, "categories", current.arrays, current.labels, current.config,
                                           current.metrics, "f" * 64, version="20991231T000000-copy")
    assert promote_version(retrain_env, "categories", second_version, force=True).promoted
    second = load_models.fn(retrain_env)
    assert second_version in second.model_version and second.model_version != first.model_version
    rollback_version(retrain_env, "categories")
    assert load_models.fn(retrain_env).model_version == first.model_version
