"""Model registry layout and pointers; evaluation metrics on hand-computed cases."""

from __future__ import annotations

import json
import re
import zipfile

import numpy as np
import pytest

from classifiers import registry
from classifiers.evaluate import multiclass_scores, multilabel_scores, out_of_scope_f1, prf


def _save(model_dir, name="categories", **kw):
    arrays = {"head_coef": np.arange(6, dtype=np.float32).reshape(2, 3), "word_vocab": np.asarray(["派出所", "法院"])}
    return registry.save_version(model_dir, name, arrays, ["b", "a"], {"name": name}, {"macro_f1": 0.9},
                                 "ab" * 32, **kw)


def test_save_and_load_a_version_with_the_fixed_layout(tmp_path):
    version = _save(tmp_path)
    assert re.fullmatch(r"\d{8}T\d{6}-abababab", version)
    root = tmp_path / "categories" / version
    assert sorted(p.name for p in root.iterdir()) == ["config.json", "labels.json", "manifest.json",
                                                     "metrics.json", "weights.npz"]
    labels = json.loads((root / "labels.json").read_text(encoding="utf-8"))
    assert labels["label2id"] == {"a": 0, "b": 1}  # sorted label map
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training_data_sha256"] == "ab" * 32 and "scikit-learn" in manifest["libraries"]
    assert {"created", "git_commit"} <= set(manifest)
    loaded = registry.load_version(tmp_path, "categories", version)
    assert loaded.labels == ["a", "b"] and str(loaded.arrays["word_vocab"][0]) == "派出所"
    with zipfile.ZipFile(root / "weights.npz") as zf:  # plain arrays: nothing that needs pickle
        for member in zf.namelist():
            header = zf.read(member)[:200]
            assert b"'O'" not in header and b"|O" not in header


def test_a_version_is_never_overwritten(tmp_path):
    version = _save(tmp_path)
    with pytest.raises(registry.RegistryError):
        _save(tmp_path, version=version)


def test_promotion_is_by_pointer_with_history(tmp_path):
    first = _save(tmp_path, version="20260101T000000-aaaaaaaa")
    second = _save(tmp_path, version="20260102T000000-bbbbbbbb")
    assert registry.production_version(tmp_path, "categories") is None
    assert registry.set_production(tmp_path, "categories", first) is None
    assert registry.set_production(tmp_path, "categories", second) == first
    assert registry.production_version(tmp_path, "categories") == second
    assert registry.history(tmp_path, "categories") == [first]
    assert registry.list_versions(tmp_path, "categories") == [first, second]
    with pytest.raises(registry.RegistryError):
        registry.set_production(tmp_path, "categories", "20990101T000000-cccccccc")


def test_pointer_state_changes_on_promotion(tmp_path):
    first = _save(tmp_path, version="20260101T000000-aaaaaaaa")
    before = registry.pointer_state(tmp_path, ("categories",))
    registry.set_production(tmp_path, "categories", first)
    assert registry.pointer_state(tmp_path, ("categories",)) != before


def test_prf_and_multilabel_scores_by_hand():
    assert prf(2, 1, 1) == {"precision": 0.6667, "recall": 0.6667, "f1": 0.6667, "support": 3}
    Y_true = np.array([[1, 0], [1, 1], [0, 0], [0, 1]])
    Y_pred = np.array([[1, 0], [1, 0], [0, 1], [0, 0]])
    scores = multilabel_scores(Y_true, Y_pred, ["a", "b"])
    assert scores["per_label"]["a"]["f1"] == 1.0
    assert scores["per_label"]["b"]["f1"] == 0.0  # tp 0, fp 1, fn 2
    assert scores["macro_f1"] == 0.5
    assert scores["micro_f1"] == prf(2, 1, 2)["f1"]


def test_out_of_scope_f1_treats_no_category_as_positive():
    Y_true = np.array([[0, 0], [0, 0], [1, 0]])
    Y_pred = np.array([[0, 0], [1, 0], [0, 0]])
    oos = out_of_scope_f1(Y_true, Y_pred)
    assert (oos["precision"], oos["recall"]) == (0.5, 0.5)


def test_multiclass_scores():
    s = multiclass_scores(["pos", "neg", "neg"], ["pos", "neg", "pos"], ["neg", "pos"])
    assert s["accuracy"] == round(2 / 3, 4)
    assert s["per_label"]["pos"] == prf(1, 1, 0)
