"""Retraining on corpus + human labels, comparison with PRODUCTION, the gate, promote and roll back."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from classifiers import registry
from pipelines.retrain import RetrainOptions, gather_data, retrain
from qingfeng.settings import Settings
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Label
from tests.model.labelled_store import ITEMS, seed_complaints

pytestmark = pytest.mark.slow
FAST_HEAD = {"head": {"C": 4.0, "folds": 2, "class_weight": "balanced", "random_state": 0}}
MODEL_ONLY_TEXT = "这条文本只有模型标签，绝不能进入训练数据。"


@pytest.fixture(scope="module")
def loop_settings(trained_settings, tmp_path_factory) -> Settings:
    """A private copy of the trained registry (promotions here must not leak) and a labelled database."""
    root = tmp_path_factory.mktemp("loop")
    shutil.copytree(trained_settings.model_dir, root / "models")
    settings = Settings(database_url=f"sqlite:///{root / 'loop.db'}", model_dir=root / "models",
                        reports_dir=root / "reports", bootstrap_rounds=200)
    ids = seed_complaints(settings.database_url)
    start = datetime(2026, 11, 21, 8, 0)
    with session_scope(connect(settings.database_url)) as session:
        for i, (cid, (text, cats, _, _)) in enumerate(zip(ids, ITEMS)):
            session.add(Label(task="categories", complaint_id=cid, channel="hotline", text=text, value=cats,
                              provenance="human_corrected" if i % 2 else "human_confirmed", annotator="测试",
                              created_at=start + timedelta(minutes=i)))
        session.add(Label(task="categories", complaint_id=ids[0], channel="hotline", text=MODEL_ONLY_TEXT,
                          value=["formalism"], provenance="model", created_at=start + timedelta(days=1)))
    return settings


@pytest.fixture(scope="module")
def candidate(loop_settings) -> dict:
    return retrain(loop_settings, connect(loop_settings.database_url),
                   RetrainOptions(name="categories", config_overrides=FAST_HEAD))


def test_training_data_holds_out_the_newest_human_labels_and_never_model_labels(loop_settings):
    data = gather_data(loop_settings, connect(loop_settings.database_url), "categories", 0.2)
    texts = [c.text for c in data.train_records("categories")]
    assert MODEL_ONLY_TEXT not in texts
    assert len(data.human_train) == 5 and len(data.holdout) == 1
    assert data.holdout[0].text == ITEMS[-1][0]  # the newest label
    assert data.holdout[0].text not in texts
    assert ITEMS[0][0] in texts


def test_retrain_registers_a_candidate_with_model_card_and_comparison(loop_settings, candidate):
    version_dir = loop_settings.model_dir / "categories" / candidate["version"]
    assert registry.production_version(loop_settings.model_dir, "categories") != candidate["version"]
    comparison = json.loads((version_dir / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["baseline"] == registry.production_version(loop_settings.model_dir, "categories")
    test_slice = comparison["slices"]["test"]["per_label"]
    assert set(test_slice) == {"low_efficiency", "formalism", "low_competence", "inaction_misconduct",
                               "abuse_for_profit", "perverting_justice", "out_of_scope"}
    assert all(row["low"] <= row["delta"] <= row["high"] for row in test_slice.values())
    assert comparison["slices"]["holdout"]["n"] == 1 and comparison["holdout_label_ids"]
    card = (version_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    for heading in ("## 数据 Data", "## 与生产版本比较", "## 预期用途", "## 局限"):
        assert heading in card
    metrics = json.loads((version_dir / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["n_human_train"] == 5 and metrics["n_holdout"] == 1 and "holdout" in metrics
    assert (version_dir / "drift_reference.json").is_file()


def _cli(settings: Settings, monkeypatch, *args: str):
    from qingfeng.cli.main import app
    from qingfeng.settings import get_settings

    monkeypatch.setenv("QINGFENG_MODEL_DIR", str(settings.model_dir))
    monkeypatch.setenv("QINGFENG_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("QINGFENG_BOOTSTRAP_ROUNDS", "200")
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(app, list(args))
    finally:
        get_settings.cache_clear()


def test_gate_refuses_a_worse_candidate_force_promotes_and_rollback_restores(loop_settings, monkeypatch):
    weak = retrain(loop_settings, connect(loop_settings.database_url),
                   RetrainOptions(name="categories", sample=40, config_overrides=FAST_HEAD))
    assert not weak["comparison"]["gate"]["allowed"]
    before = registry.production_version(loop_settings.model_dir, "categories")
    refused = _cli(loop_settings, monkeypatch, "models", "promote", "categories", weak["version"])
    assert refused.exit_code == 1
    assert "拒绝晋升" in refused.output and "F1" in refused.output
    assert registry.production_version(loop_settings.model_dir, "categories") == before
    forced = _cli(loop_settings, monkeypatch, "models", "promote", "categories", weak["version"], "--force")
    assert forced.exit_code == 0, forced.output
    assert registry.production_version(loop_settings.model_dir, "categories") == weak["version"]
    back = _cli(loop_settings, monkeypatch, "models", "rollback", "categories")
    assert back.exit_code == 0, back.output
    assert registry.production_version(loop_settings.model_dir, "categories") == before


def test_models_list_json_shape(loop_settings, candidate, monkeypatch):
    done = _cli(loop_settings, monkeypatch, "models", "list", "--json")
    assert done.exit_code == 0, done.output
    records = json.loads(done.output)
    assert {"name", "version", "created_at", "metrics", "production"} <= set(records[0])
    by_version = {(r["name"], r["version"]): r for r in records}
    assert by_version[("categories", candidate["version"])]["production"] is False
    assert sum(r["production"] for r in records if r["name"] == "categories") == 1


def test_promotion_reaches_a_running_triager_without_restart(loop_settings, candidate, monkeypatch):
    from classifiers.triage import load_triager
    from pipelines.promotion import promote_version

    triager = load_triager(loop_settings)
    old = triager.model_version
    outcome = promote_version(loop_settings, "categories", candidate["version"], force=True)
    assert outcome.promoted
    assert triager.reload_if_changed()
    assert candidate["version"] in triager.model_version and triager.model_version != old
    assert triager.triage("派出所民警态度很差，让我来回跑了三趟").model_version == triager.model_version
    _cli(loop_settings, monkeypatch, "models", "rollback", "categories")
    assert triager.reload_if_changed() and triager.model_version == old


def test_promote_of_an_unknown_version_fails_cleanly(loop_settings, monkeypatch):
    done = _cli(loop_settings, monkeypatch, "models", "promote", "categories", "no-such-version")
    assert done.exit_code == 2 and "找不到模型版本" in done.output
