"""The transformer backend on a tiny BERT built here (BertConfig: hidden 32, 2 layers, 2 heads; a character
vocabulary made from the corpus) — no download. Every test name contains "transformer"."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from classifiers.corpus import label_matrix, read_complaints
from qingfeng.codes import CATEGORY_CODES
from qingfeng.settings import PROJECT_ROOT, Settings

pytestmark = [pytest.mark.transformer, pytest.mark.slow]
LABELS = sorted(CATEGORY_CODES)
CORPUS = PROJECT_ROOT / "data" / "corpus"


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory) -> Path:
    from classifiers.transformer_checkpoint import make_tiny_checkpoint

    texts = [c.text for c in read_complaints(CORPUS, "train")]
    return make_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny-bert", texts, hidden_size=32, layers=2, heads=2)


@pytest.fixture(scope="module")
def tiny_args(tiny_checkpoint):
    from classifiers.transformer_backend import TransformerArgs

    return TransformerArgs(checkpoint=str(tiny_checkpoint), max_length=64, batch_size=16, epochs=4,
                           learning_rate=3e-3, patience=10, dev_fraction=0.2, seed=0, device="cpu")


@pytest.fixture(scope="module")
def fitted(tiny_args):
    from classifiers.transformer_backend import fit_transformer

    train = read_complaints(CORPUS, "train")[:160]
    Y = label_matrix([c.categories for c in train], LABELS)
    return fit_transformer([c.text for c in train], Y, LABELS, tiny_args)


def test_transformer_tiny_checkpoint_is_a_bert_with_a_corpus_vocabulary(tiny_checkpoint):
    config = json.loads((tiny_checkpoint / "config.json").read_text(encoding="utf-8"))
    assert config["hidden_size"] == 32 and config["num_hidden_layers"] == 2 and config["num_attention_heads"] == 2
    vocab = (tiny_checkpoint / "vocab.txt").read_text(encoding="utf-8").split("\n")
    assert vocab[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] and "派" in vocab and "警" in vocab
    assert (tiny_checkpoint / "model.safetensors").is_file()


def test_transformer_training_loss_falls(fitted):
    losses = [epoch["train_loss"] for epoch in fitted.history]
    assert len(losses) == 4
    assert losses[-1] < losses[0]
    assert all(np.isfinite(losses))


def test_transformer_saves_safetensors_with_the_label_map(fitted, tmp_path):
    saved = fitted.save(tmp_path / "saved")
    assert (saved / "model.safetensors").is_file()
    assert not list(saved.glob("*.bin")) and not list(saved.glob("*.pkl"))
    config = json.loads((saved / "config.json").read_text(encoding="utf-8"))
    assert config["id2label"] == {str(i): lab for i, lab in enumerate(LABELS)}
    assert config["label2id"] == {lab: i for i, lab in enumerate(LABELS)}
    assert config["problem_type"] == "multi_label_classification"


def test_transformer_loads_and_predicts_through_the_default_backend_interface(fitted, tiny_args, tmp_path):
    from classifiers.evaluate import category_metrics
    from classifiers.train import load_resources
    from classifiers.transformer_backend import load_model

    settings = Settings(model_dir=tmp_path / "m")
    resources = load_resources(settings)
    test = read_complaints(CORPUS, "test")[:40]
    docs = resources.prepare([c.text for c in test])
    proba = fitted.predict_proba(docs)
    assert proba.shape == (40, len(LABELS)) and ((proba >= 0) & (proba <= 1)).all()
    reloaded = load_model(fitted.save(tmp_path / "saved"), fitted.head.threshold_, tiny_args)
    assert reloaded.labels == fitted.labels == LABELS
    np.testing.assert_allclose(reloaded.predict_proba(docs), proba, atol=1e-5)
    np.testing.assert_allclose(reloaded.head.predict_proba(reloaded.features(docs)), proba, atol=1e-5)
    assert reloaded.head.predict(proba).dtype == bool
    np.testing.assert_allclose(reloaded.predict_proba([c.text for c in test]), proba, atol=1e-5)  # raw texts too
    metrics = category_metrics(reloaded, test, resources)
    assert set(metrics["per_label"]) == set(LABELS) and 0.0 <= metrics["macro_f1"] <= 1.0


def test_transformer_retrain_registers_and_serves_through_the_triager(trained_settings, tiny_checkpoint, tmp_path):
    from classifiers import registry
    from classifiers.triage import load_triager
    from pipelines.promotion import promote_version
    from pipelines.retrain import RetrainOptions, retrain
    from qingfeng.storage.db import connect

    shutil.copytree(trained_settings.model_dir, tmp_path / "models")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}", model_dir=tmp_path / "models",
                        reports_dir=tmp_path / "reports", bootstrap_rounds=100)
    options = RetrainOptions(name="categories", backend="transformer", checkpoint=str(tiny_checkpoint), sample=80,
                             transformer={"epochs": 1, "max_length": 64, "batch_size": 16, "learning_rate": 3e-3})
    summary = retrain(settings, connect(settings.database_url), options)
    version_dir = settings.model_dir / "categories" / summary["version"]
    config = json.loads((version_dir / "config.json").read_text(encoding="utf-8"))
    assert config["backend"] == "transformer" and config["transformer"]["max_length"] == 64
    assert (version_dir / "transformer" / "model.safetensors").is_file()
    assert summary["version"] in registry.list_versions(settings.model_dir, "categories")
    assert (version_dir / "MODEL_CARD.md").read_text(encoding="utf-8").count("transformer") >= 1
    assert promote_version(settings, "categories", summary["version"], force=True).promoted
    triager = load_triager(settings)
    text = "来电人反映：派出所民警态度恶劣，让他来回跑了三趟，还暗示要好处费。"
    result = triager.triage(text)
    assert summary["version"] in result.model_version
    assert set(result.category_scores) == set(LABELS)
    for span in result.evidence:
        assert text[span.start:span.end] == span.text


def test_transformer_backend_needs_a_local_checkpoint(tmp_path):
    from pipelines.retrain import RetrainError, RetrainOptions

    with pytest.raises(RetrainError, match="checkpoint"):
        RetrainOptions(backend="transformer", checkpoint=str(tmp_path / "missing")).check()
    with pytest.raises(RetrainError, match="categories"):
        RetrainOptions(name="agencies", backend="transformer", checkpoint=str(tmp_path)).check()
    pickled = tmp_path / "bin-only"
    pickled.mkdir()
    (pickled / "config.json").write_text("{}", encoding="utf-8")
    (pickled / "pytorch_model.bin").write_bytes(b"not loaded")
    with pytest.raises(RetrainError, match="safetensors"):
        RetrainOptions(backend="transformer", checkpoint=str(pickled)).check()


def test_transformer_pos_weights_and_dev_split_are_deterministic():
    from classifiers.transformer_backend import dev_split, pos_weights

    Y = np.array([[1, 0, 0], [0, 0, 0], [0, 0, 0], [1, 1, 0]])
    np.testing.assert_allclose(pos_weights(Y, cap=10.0), [1.0, 3.0, 1.0])
    np.testing.assert_allclose(pos_weights(np.array([[1]] + [[0]] * 99), cap=10.0), [10.0])
    train, dev = dev_split(20, 0.2, seed=3)
    assert len(dev) == 4 and sorted({*train, *dev}) == list(range(20))
    assert (dev == dev_split(20, 0.2, seed=3)[1]).all()


def test_transformer_dependencies_are_imported_only_when_used():
    code = ("import sys; import classifiers.triage, classifiers.backends, classifiers.transformer_backend, "
            "classifiers.transformer_checkpoint, pipelines.retrain, pipelines.promotion, qingfeng.cli.main; "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
