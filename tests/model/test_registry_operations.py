"""Registry additions for the retraining loop: files that travel with a version, rollback from HISTORY."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers import registry
from pipelines.promotion import PromotionError, list_models, promote_version, rollback_version


def _save(model_dir, version: str, **extra) -> str:
    return registry.save_version(model_dir, "categories", {"w": np.arange(3.0)}, ["b", "a"], {"name": "categories"},
                                 {"macro_f1": 0.5}, "0" * 64, version=version, extra=extra or None)


def test_extra_files_and_directories_travel_with_the_version(tmp_path):
    source = tmp_path / "net"
    source.mkdir()
    (source / "model.safetensors").write_bytes(b"weights")
    _save(tmp_path / "models", "v1", **{"MODEL_CARD.md": "# 说明", "transformer": source})
    version_dir = tmp_path / "models" / "categories" / "v1"
    assert (version_dir / "MODEL_CARD.md").read_text(encoding="utf-8") == "# 说明"
    assert (version_dir / "transformer" / "model.safetensors").read_bytes() == b"weights"
    with pytest.raises(registry.RegistryError):
        _save(tmp_path / "models", "v2", **{"../escape.txt": "x"})
    assert not (tmp_path / "models" / "categories" / "escape.txt").exists()


def test_rollback_walks_back_through_history(tmp_path):
    model_dir = tmp_path / "models"
    for v in ("v1", "v2", "v3"):
        _save(model_dir, v)
        registry.set_production(model_dir, "categories", v)
    assert registry.history(model_dir, "categories") == ["v1", "v2"]
    assert registry.rollback(model_dir, "categories") == ("v3", "v2")
    assert registry.production_version(model_dir, "categories") == "v2"
    assert registry.rollback(model_dir, "categories") == ("v2", "v1")
    with pytest.raises(registry.RegistryError, match="没有可回滚"):
        registry.rollback(model_dir, "categories")
    assert registry.production_version(model_dir, "categories") == "v1"


def test_forced_promotion_and_rollback_keep_the_record_straight(settings):
    model_dir = settings.model_dir
    _save(model_dir, "v1")
    _save(model_dir, "v2")
    assert promote_version(settings, "categories", "v1").promoted  # nothing to compare with: no gate
    outcome = promote_version(settings, "categories", "v2", force=True)
    assert outcome.promoted and outcome.forced and outcome.previous == "v1" and outcome.gate is None
    assert not promote_version(settings, "categories", "v2").promoted  # already PRODUCTION
    records = {r["version"]: r for r in list_models(model_dir)}
    assert records["v2"]["production"] and not records["v1"]["production"]
    assert records["v1"]["metrics"] == {"macro_f1": 0.5} and records["v1"]["created_at"]
    assert rollback_version(settings, "categories") == ("v2", "v1")
    with pytest.raises(PromotionError, match="找不到模型版本"):
        promote_version(settings, "categories", "v9")
    with pytest.raises(PromotionError):
        rollback_version(settings, "categories")
