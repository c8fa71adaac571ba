"""Drift of the nightly predictions against the training data: pure functions (one loader at the end).

Two distributions are compared each night with the population stability index (PSI):

* **categories** — how often each category is predicted, with ``out_of_scope`` as its own bin (an item
  with no category). The reference is the label distribution of the training data.
* **confidence** — how sure the model is, binned on [0, 1]. An item's confidence is its top category score
  when it has a category, and ``1 - top score`` when it is out of scope (how sure the model is that no
  category applies). The reference is the model's own confidence on held-out data at training time, when
  the model version recorded it; otherwise only the mean confidence is reported.

PSI = Σ (a_i − e_i) · ln(a_i / e_i) over bins, with additive (Laplace) smoothing of the counts so an
empty bin never divides by zero. Rules of thumb: < 0.1 stable, 0.1–0.2 moderate shift, > 0.2 large shift.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qingfeng.codes import CATEGORY_CODES, CATEGORY_ZH

OUT_OF_SCOPE = "out_of_scope"
CATEGORY_BINS: tuple[str, ...] = (*CATEGORY_CODES, OUT_OF_SCOPE)
CONFIDENCE_BINS = 10
DEFAULT_SMOOTHING = 0.5


def category_counts(label_sets: Iterable[Sequence[str]], bins: Sequence[str] = CATEGORY_BINS) -> dict[str, int]:
    """Counts per category over items (multi-label: an item counts once per category; none → out_of_scope)."""
    counts = {b: 0 for b in bins}
    for labels in label_sets:
        if not labels:
            counts[OUT_OF_SCOPE] += 1
        for label in labels:
            if label in counts:
                counts[label] += 1
    return counts


def item_confidence(categories: Sequence[str], scores: Mapping[str, float]) -> float:
    """How sure the model is about one item's decision (see the module docstring)."""
    top = max((float(v) for v in scores.values()), default=0.0)
    return top if categories else 1.0 - top


def confidence_counts(confidences: Iterable[float], n_bins: int = CONFIDENCE_BINS) -> list[int]:
    """Histogram of confidences on [0, 1] in ``n_bins`` equal bins (1.0 falls in the last bin)."""
    counts = [0] * n_bins
    for c in confidences:
        c = min(max(float(c), 0.0), 1.0)
        counts[min(int(c * n_bins), n_bins - 1)] += 1
    return counts


def smoothed_shares(counts: Sequence[float], smoothing: float = DEFAULT_SMOOTHING) -> list[float]:
    total = float(sum(counts)) + smoothing * len(counts)
    if total <= 0:
        raise ValueError("PSI needs at least one observation or a positive smoothing")
    return [(c + smoothing) / total for c in counts]


def psi(expected: Sequence[float], actual: Sequence[float], smoothing: float = DEFAULT_SMOOTHING) -> float:
    """Population stability index between two count vectors over the same bins (smoothed)."""
    if len(expected) != len(actual):
        raise ValueError(f"bins differ: {len(expected)} reference vs {len(actual)} observed")
    e = smoothed_shares(expected, smoothing)
    a = smoothed_shares(actual, smoothing)
    return float(sum((ai - ei) * math.log(ai / ei) for ai, ei in zip(a, e)))


@dataclass(frozen=True)
class DriftReference:
    """What the model saw when it was trained: label counts and (optionally) a confidence histogram."""

    category_counts: dict[str, int]
    confidence_counts: list[int] | None = None
    mean_confidence: float | None = None
    source: str = ""

    def as_dict(self) -> dict:
        return {"category_counts": dict(self.category_counts), "confidence_counts": self.confidence_counts,
                "mean_confidence": self.mean_confidence, "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping) -> DriftReference:
        return cls(category_counts={k: int(v) for k, v in data["category_counts"].items()},
                   confidence_counts=list(data["confidence_counts"]) if data.get("confidence_counts") else None,
                   mean_confidence=data.get("mean_confidence"), source=str(data.get("source", "")))


def build_reference(train_label_sets: Iterable[Sequence[str]], heldout_predictions: Sequence[tuple[Sequence[str], Mapping[str, float]]] = (),
                    source: str = "") -> DriftReference:
    """A reference from the training labels and the model's predictions on held-out texts."""
    confidences = [item_confidence(cats, scores) for cats, scores in heldout_predictions]
    return DriftReference(
        category_counts=category_counts(train_label_sets),
        confidence_counts=confidence_counts(confidences) if confidences else None,
        mean_confidence=sum(confidences) / len(confidences) if confidences else None,
        source=source,
    )


@dataclass(frozen=True)
class DriftResult:
    n_items: int
    category_psi: float | None
    confidence_psi: float | None
    mean_confidence: float | None
    reference_mean_confidence: float | None
    category_shares: dict[str, float]
    reference_shares: dict[str, float]
    threshold: float
    warnings: list[str] = field(default_factory=list)

    @property
    def drifted(self) -> bool:
        return bool(self.warnings)

    def as_dict(self) -> dict:
        r = lambda v: None if v is None else round(float(v), 4)  # noqa: E731
        return {"n_items": self.n_items, "category_psi": r(self.category_psi), "confidence_psi": r(self.confidence_psi),
                "mean_confidence": r(self.mean_confidence), "reference_mean_confidence": r(self.reference_mean_confidence),
                "category_shares": {k: r(v) for k, v in self.category_shares.items()},
                "reference_shares": {k: r(v) for k, v in self.reference_shares.items()},
                "threshold": self.threshold, "drifted": self.drifted, "warnings": list(self.warnings)}


def _shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: (v / total if total else 0.0) for k, v in counts.items()}


def _bin_zh(code: str) -> str:
    return "不属受理范围" if code == OUT_OF_SCOPE else CATEGORY_ZH.get(code, code)


def compute_drift(predictions: Sequence[tuple[Sequence[str], Mapping[str, float]]], reference: DriftReference, *,
                  threshold: float = 0.2, min_items: int = 20, smoothing: float = DEFAULT_SMOOTHING) -> DriftResult:
    """Compare one night's (categories, category_scores) predictions with ``reference``.

    Fewer than ``min_items`` predictions give shares and the mean confidence but no PSI and no warning:
    a handful of items says nothing about a distribution.
    """
    bins = tuple(reference.category_counts)
    counts = category_counts((cats for cats, _ in predictions), bins)
    confidences = [item_confidence(cats, scores) for cats, scores in predictions]
    mean_conf = sum(confidences) / len(confidences) if confidences else None
    cat_psi = conf_psi = None
    warnings: list[str] = []
    if len(predictions) >= min_items:
        cat_psi = psi([reference.category_counts[b] for b in bins], [counts[b] for b in bins], smoothing)
        if reference.confidence_counts:
            conf_psi = psi(reference.confidence_counts, confidence_counts(confidences, len(reference.confidence_counts)),
                           smoothing)
        shares, ref_shares = _shares(counts), _shares(reference.category_counts)
        if cat_psi > threshold:
            moved = sorted(bins, key=lambda b: -abs(shares[b] - ref_shares[b]))[:2]
            detail = "；".join(f"{_bin_zh(b)} {ref_shares[b]:.0%}→{shares[b]:.0%}" for b in moved)
            warnings.append(f"预测类别分布与训练数据差异较大（PSI={cat_psi:.2f}，阈值 {threshold:.2f}）：{detail}。"
                            "建议抽检并考虑重新训练。")
        if conf_psi is not None and conf_psi > threshold:
            ref_mean = reference.mean_confidence
            was = f"{ref_mean:.2f}" if ref_mean is not None else "未知"
            warnings.append(f"模型置信度分布发生漂移（PSI={conf_psi:.2f}，阈值 {threshold:.2f}）：平均置信度 {was}→{mean_conf:.2f}。")
    return DriftResult(
        n_items=len(predictions), category_psi=cat_psi, confidence_psi=conf_psi, mean_confidence=mean_conf,
        reference_mean_confidence=reference.mean_confidence, category_shares=_shares(counts),
        reference_shares=_shares(reference.category_counts), threshold=threshold, warnings=warnings,
    )


def drift_lines_zh(result: DriftResult) -> list[str]:
    """Lines for the daily report's summary (Chinese): one status line, then one line per warning."""
    if result.n_items == 0:
        return ["模型漂移监测：当日无分类结果。"]
    conf = f"平均置信度 {result.mean_confidence:.2f}"
    if result.reference_mean_confidence is not None:
        conf += f"（训练时 {result.reference_mean_confidence:.2f}）"
    if result.category_psi is None:
        return [f"模型漂移监测（{result.n_items} 件）：样本不足，未计算 PSI；{conf}。"]
    line = f"模型漂移监测（{result.n_items} 件）：类别分布 PSI {result.category_psi:.3f}（阈值 {result.threshold:.2f}）"
    if result.confidence_psi is not None:
        line += f"，置信度分布 PSI {result.confidence_psi:.3f}"
    line += f"，{conf}；" + ("发现漂移，见下。" if result.warnings else "分布稳定。")
    return [line, *(f"⚠ {w}" for w in result.warnings)]


def load_drift_reference(settings) -> DriftReference | None:
    """I/O edge: the reference of the PRODUCTION categories model — its ``drift_reference.json`` when the
    version has one (written by ``qingfeng retrain``), otherwise the label counts of the training corpus
    (no confidence reference). None when there is no PRODUCTION categories model."""
    import json
    from pathlib import Path

    from classifiers import registry
    from classifiers.corpus import read_complaints

    model_dir = Path(settings.model_dir)
    version = registry.production_version(model_dir, "categories")
    if version is None:
        return None
    stored = model_dir / "categories" / version / "drift_reference.json"
    if stored.is_file():
        return DriftReference.from_dict(json.loads(stored.read_text(encoding="utf-8")))
    labels = [c.categories for c in read_complaints(Path(settings.corpus_dir), "train")]
    return DriftReference(category_counts=category_counts(labels), source="training corpus labels")
