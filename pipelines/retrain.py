"""Retraining a candidate on the corpus + human labels, evaluating it against PRODUCTION, registering it.

One verb per step (the Prefect flow in ``pipelines.retrain_flow`` runs the same steps as tasks; the CLI
calls :func:`retrain`):

    gather_data → fit_candidate → evaluate_and_compare → register_candidate → (promote, gated)

Evaluation slices: the fixed test split (data/corpus) and the newest human labels, held out of training.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from classifiers import compare, evaluate, model_specs, registry
from classifiers.corpus import Complaint, label_matrix, read_complaints
from pipelines.drift import build_reference
from pipelines.labels import HumanExample, drop_overlap, labels_digest, read_human_examples, split_recent

RETRAINABLE = ("categories", "agencies")


class RetrainError(ValueError):
    pass


@dataclass
class RetrainOptions:
    name: str = "categories"
    backend: str = "sklearn"  # sklearn | transformer (categories only)
    checkpoint: str | None = None  # transformer: a local checkpoint directory
    transformer: dict = field(default_factory=dict)  # TransformerArgs overrides
    config_overrides: dict = field(default_factory=dict)  # linear recipe overrides, e.g. {"head": {...}}
    holdout_fraction: float | None = None  # default: settings.retrain_holdout_fraction
    rounds: int | None = None  # default: settings.bootstrap_rounds
    seed: int = 0
    sample: int | None = None  # keep only the first n corpus training records (smoke runs)
    promote: bool = False  # promote when the gate passes

    def check(self) -> None:
        if self.name not in RETRAINABLE:
            raise RetrainError(f"只能重新训练 {', '.join(RETRAINABLE)}，不支持 {self.name!r}")
        if self.backend not in ("sklearn", "transformer"):
            raise RetrainError(f"未知后端 {self.backend!r}（sklearn | transformer）")
        if self.backend == "transformer":
            if self.name != "categories":
                raise RetrainError("transformer 后端目前只用于 categories 模型")
            if not self.checkpoint or not (Path(self.checkpoint) / "config.json").is_file():
                raise RetrainError(f"transformer 后端需要本地模型目录（含 config.json）：--checkpoint {self.checkpoint or ''}")
            if not list(Path(self.checkpoint).glob("*.safetensors")):
                raise RetrainError(f"模型目录 {self.checkpoint} 中没有 safetensors 权重；pickle 格式（.bin）不会被加载，"
                                   "请先转换为 safetensors（见 README）")


@dataclass
class TrainingData:
    corpus_train: list[Complaint]
    human_train: list[HumanExample]
    holdout: list[HumanExample]
    test: list[Complaint]
    dropped_overlap: int
    corpus_sha256: str
    data_hash: str
    holdout_fraction: float

    def train_records(self, task: str) -> list[Complaint]:
        return self.corpus_train + to_complaints(self.human_train, task)

    def summary(self) -> dict:
        return {"n_corpus_train": len(self.corpus_train), "n_human_train": len(self.human_train),
                "n_holdout": len(self.holdout), "n_test": len(self.test),
                "n_human_dropped_test_overlap": self.dropped_overlap, "holdout_fraction": self.holdout_fraction,
                "corpus_sha256": self.corpus_sha256, "data_sha256": self.data_hash,
                "holdout_label_ids": [e.label_id for e in self.holdout]}


def to_complaints(examples: list[HumanExample], task: str) -> list[Complaint]:
    """Human examples as corpus records (the other task's labels left empty: each task trains alone)."""
    return [Complaint(f"label-{e.label_id}", e.channel, e.text, e.labels if task == "categories" else (),
                      e.labels if task == "agencies" else ()) for e in examples]


def gather_data(settings, factory, name: str, fraction: float, sample: int | None = None) -> TrainingData:
    from classifiers.train import training_data_hash
    from qingfeng.storage.db import session_scope

    corpus = Path(settings.corpus_dir)
    corpus_train = read_complaints(corpus, "train")[:sample]
    test = read_complaints(corpus, "test")
    with session_scope(factory) as session:
        examples = read_human_examples(session, name)
    train, holdout = split_recent(examples, fraction)
    train, dropped = drop_overlap(train, [c.text for c in test])
    corpus_hash = training_data_hash(settings, name)
    digest = hashlib.sha256(f"{corpus_hash}:{sample}:{labels_digest(train)}".encode()).hexdigest()
    return TrainingData(corpus_train, train, holdout, test, dropped, corpus_hash, digest, fraction)


def fit_candidate(settings, resources, data: TrainingData, options: RetrainOptions):
    """(fitted model, its config) on the corpus train split + the human training labels."""
    from classifiers import train

    records = data.train_records(options.name)
    config = model_specs.resolve_config(options.name, resources.cue_doc, options.config_overrides or None)
    if options.backend == "transformer":
        from classifiers.lexicon import CueLexicon
        from classifiers.transformer_backend import TransformerArgs, fit_transformer

        args = TransformerArgs(**{**options.transformer, "checkpoint": str(options.checkpoint), "seed": options.seed})
        lexicon = CueLexicon(config["cue_groups"], config["negation_words"], config["negation_window"])
        Y = label_matrix([c.categories for c in records], config["labels"])
        return fit_transformer([c.text for c in records], Y, config["labels"], args, lexicon), config
    docs = resources.prepare([c.text for c in records])
    if options.name == "categories":
        return train.fit_categories(docs, records, config), config
    return train.fit_agencies(docs, records, config, resources.directory), config


def predict_matrix(name: str, model, records: list[Complaint], resources) -> np.ndarray:
    if not records:
        return np.zeros((0, len(model.labels)), dtype=bool)
    if name == "categories":
        return np.asarray(evaluate.category_predictions(model, records, resources)[1], dtype=bool)
    return np.asarray(evaluate.agency_predictions(model, records, resources), dtype=bool)


def true_matrix(name: str, records: list[Complaint], labels: list[str]) -> np.ndarray:
    return label_matrix([c.categories if name == "categories" else c.agencies for c in records], labels).astype(bool)


def slice_metrics(Y_true: np.ndarray, Y_pred: np.ndarray, labels: list[str], multilabel_oos: bool) -> dict:
    scores = evaluate.multilabel_scores(Y_true, Y_pred, labels)
    return {**scores, "oos": evaluate.out_of_scope_f1(Y_true, Y_pred)} if multilabel_oos else scores


def production_model(settings, name: str, resources):
    """(PRODUCTION version, model) or (None, None)."""
    from classifiers.backends import load_model

    version = registry.production_version(Path(settings.model_dir), name)
    if version is None:
        return None, None
    return version, load_model(Path(settings.model_dir), name, version, resources.directory)


def compare_on_slices(name: str, candidate, baseline, slices: dict[str, list[Complaint]], resources, *,
                      rounds: int, seed: int) -> tuple[dict, dict]:
    """(comparison per slice, candidate metrics per slice); empty slices are left out."""
    labels = candidate.labels
    oos = name == "categories"
    comparisons, metrics = {}, {}
    for slice_name, records in slices.items():
        if not records:
            continue
        Y_true = true_matrix(name, records, labels)
        Y_cand = predict_matrix(name, candidate, records, resources)
        Y_base = None if baseline is None else predict_matrix(name, baseline, records, resources)
        comparisons[slice_name] = compare.compare_slice(Y_true, Y_cand, Y_base, labels, multilabel_oos=oos,
                                                        rounds=rounds, seed=seed)
        metrics[slice_name] = slice_metrics(Y_true, Y_cand, labels, oos)
    return comparisons, metrics


def evaluate_and_compare(settings, resources, name: str, candidate, data: TrainingData, *, rounds: int,
                         seed: int) -> tuple[dict, dict]:
    """(metrics for metrics.json, comparison for comparison.json)."""
    from classifiers.model_card import LABEL_ZH

    fn = evaluate.category_metrics if name == "categories" else evaluate.agency_metrics
    metrics = fn(candidate, data.test, resources)
    baseline_version, baseline = production_model(settings, name, resources)
    slices = {"test": data.test, "holdout": to_complaints(data.holdout, name)}
    comparisons, per_slice = compare_on_slices(name, candidate, baseline, slices, resources, rounds=rounds, seed=seed)
    if "holdout" in per_slice:
        metrics["holdout"] = per_slice["holdout"]
    max_drop = float(settings.promotion_max_drop)
    gate = compare.promotion_gate(comparisons, max_drop, label_names=LABEL_ZH)
    comparison = {"name": name, "baseline": baseline_version, "slices": comparisons, "gate": gate.as_dict(),
                  "max_drop": max_drop, "min_support": compare.MIN_GATE_SUPPORT, "rounds": rounds, "seed": seed,
                  "holdout_label_ids": [e.label_id for e in data.holdout]}
    return metrics, comparison


def drift_reference(name: str, model, data: TrainingData, resources) -> dict | None:
    """Training label counts and the candidate's confidence on the test split (categories only)."""
    if name != "categories":
        return None
    proba, pred = evaluate.category_predictions(model, data.test, resources)
    predictions = [([lab for lab, keep in zip(model.labels, row) if keep], dict(zip(model.labels, map(float, p))))
                   for row, p in zip(pred, proba)]
    records = data.train_records(name)
    return build_reference([c.categories for c in records], predictions, source="training labels + test split").as_dict()


def register_candidate(settings, name: str, model, config: dict, metrics: dict, comparison: dict,
                       data: TrainingData, backend: str, reference: dict | None) -> str:
    """Save the version with its MODEL_CARD.md, comparison.json (and drift_reference.json)."""
    from classifiers.model_card import render_model_card

    metrics = {**metrics, **{k: v for k, v in data.summary().items() if k != "holdout_label_ids"}, "backend": backend}
    version_hint = registry.new_version_name(data.data_hash)
    card = render_model_card(name=name, version=version_hint, backend=backend, data=data.summary(), metrics=metrics,
                             comparison=comparison)
    extra: dict[str, str | Path] = {"MODEL_CARD.md": card,
                                    "comparison.json": json.dumps(comparison, ensure_ascii=False, indent=2)}
    if reference is not None:
        extra["drift_reference.json"] = json.dumps(reference, ensure_ascii=False, indent=2)
    model_dir = Path(settings.model_dir)
    if backend == "transformer":
        from classifiers.backends import save_transformer_version

        with tempfile.TemporaryDirectory() as scratch:
            return save_transformer_version(model_dir, model, config, metrics, data.data_hash, scratch=Path(scratch),
                                            extra=extra, version=version_hint)
    arrays = model_specs.to_artifact(model)
    return registry.save_version(model_dir, name, arrays, config["labels"], {**config, "backend": "sklearn"}, metrics,
                                 data.data_hash, version=version_hint, extra=extra)


def retrain(settings, factory, options: RetrainOptions) -> dict:
    """The whole retraining of one model; returns a summary (version, metrics, comparison, promotion)."""
    from classifiers.train import load_resources
    from pipelines.promotion import promote_version

    options.check()
    started = time.perf_counter()
    fraction = settings.retrain_holdout_fraction if options.holdout_fraction is None else options.holdout_fraction
    rounds = options.rounds or settings.bootstrap_rounds
    resources = load_resources(settings)
    data = gather_data(settings, factory, options.name, fraction, options.sample)
    model, config = fit_candidate(settings, resources, data, options)
    metrics, comparison = evaluate_and_compare(settings, resources, options.name, model, data, rounds=rounds,
                                               seed=options.seed)
    metrics["train_seconds"] = round(time.perf_counter() - started, 2)
    reference = drift_reference(options.name, model, data, resources)
    version = register_candidate(settings, options.name, model, config, metrics, comparison, data, options.backend,
                                 reference)
    summary = {"name": options.name, "version": version, "backend": options.backend, "metrics": metrics,
               "comparison": comparison, "data": data.summary(), "options": asdict(options), "promoted": False}
    if options.promote:
        outcome = promote_version(settings, options.name, version, force=False, actor="retrain", factory=factory)
        summary["promoted"] = outcome.promoted
        summary["gate"] = outcome.gate.as_dict() if outcome.gate else None
    return summary


def summary_zh(summary: dict, model_dir: Path) -> str:
    """The retraining summary for the terminal and the Prefect artifact (Chinese)."""
    data, gate = summary["data"], summary["comparison"]["gate"]
    lines = [f"候选版本 {summary['name']}/{summary['version']}（{summary['backend']}）已写入模型库。",
             f"训练数据：语料 {data['n_corpus_train']} 条 + 人工标注 {data['n_human_train']} 条；"
             f"留出集 {data['n_holdout']} 条；测试集 {data['n_test']} 条。",
             f"测试集 macro-F1 {summary['metrics']['macro_f1']:.3f}。"]
    baseline = summary["comparison"]["baseline"]
    if baseline is None:
        lines.append("尚无生产版本可比较。")
    else:
        lines.append(f"与生产版本 {baseline} 比较：门槛{'通过' if gate['allowed'] else '不通过'}。")
        lines += [f"  - {r}" for r in gate["reasons"]]
    lines.append(f"模型说明：{model_dir / summary['name'] / summary['version'] / 'MODEL_CARD.md'}")
    if summary.get("promoted"):
        lines.append("已晋升为生产版本。")
    elif gate["allowed"]:
        lines.append(f"晋升：qingfeng models promote {summary['name']} {summary['version']}")
    return "\n".join(lines)
