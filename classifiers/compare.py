"""Candidate vs PRODUCTION on the same items: per-label F1 deltas with seeded bootstrap intervals, and the
promotion gate. Pure functions over 0/1 label matrices.

The gate refuses a candidate when, on any evaluation slice, the F1 of any label (``out_of_scope`` — "no
category" — counts as a label) is lower than PRODUCTION's by more than ``max_drop``. Labels with fewer
than ``min_support`` true items in a slice are reported but not gated there: a handful of items makes F1
jump by more than any sensible threshold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

OUT_OF_SCOPE = "out_of_scope"
MIN_GATE_SUPPORT = 5


def with_out_of_scope(Y: np.ndarray, labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Append a column that is 1 where a row has no label (for multi-label category tasks)."""
    Y = np.asarray(Y, dtype=bool)
    return np.column_stack([Y, ~Y.any(axis=1)]), [*labels, OUT_OF_SCOPE]


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    denom = 2 * tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(denom, dtype=np.float64), where=denom > 0)


def f1_per_label(Y_true: np.ndarray, Y_pred: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """F1 per label; ``weights`` (rounds × items, resample counts) gives one row per bootstrap round."""
    T, P = np.asarray(Y_true, dtype=np.float64), np.asarray(Y_pred, dtype=np.float64)
    W = np.ones((1, len(T))) if weights is None else np.asarray(weights, dtype=np.float64)
    tp, fp, fn = W @ (T * P), W @ ((1 - T) * P), W @ (T * (1 - P))
    f1 = _f1(tp, fp, fn)
    return f1[0] if weights is None else f1


def bootstrap_deltas(Y_true: np.ndarray, Y_candidate: np.ndarray, Y_baseline: np.ndarray, labels: list[str], *,
                     rounds: int = 1000, seed: int = 0, level: float = 0.95) -> dict[str, dict]:
    """Per label: candidate and baseline F1, delta = candidate − baseline, and a percentile bootstrap
    interval of the delta (items resampled with replacement; both models scored on the same resample)."""
    n = len(Y_true)
    cand, base = f1_per_label(Y_true, Y_candidate), f1_per_label(Y_true, Y_baseline)
    support = np.asarray(Y_true, dtype=bool).sum(axis=0)
    if n:
        W = np.random.default_rng(seed).multinomial(n, np.full(n, 1.0 / n), size=rounds)
        deltas = f1_per_label(Y_true, Y_candidate, W) - f1_per_label(Y_true, Y_baseline, W)
        alpha = (1 - level) / 2
        low, high = np.quantile(deltas, alpha, axis=0), np.quantile(deltas, 1 - alpha, axis=0)
    else:
        low = high = np.zeros(len(labels))
    return {lab: {"candidate_f1": round(float(cand[j]), 4), "baseline_f1": round(float(base[j]), 4),
                  "delta": round(float(cand[j] - base[j]), 4), "low": round(float(low[j]), 4),
                  "high": round(float(high[j]), 4), "support": int(support[j])}
            for j, lab in enumerate(labels)}


def compare_slice(Y_true: np.ndarray, Y_candidate: np.ndarray, Y_baseline: np.ndarray | None, labels: list[str], *,
                  multilabel_oos: bool, rounds: int, seed: int) -> dict:
    """Comparison on one slice of items (``Y_baseline`` None: no PRODUCTION yet, candidate F1 only)."""
    if multilabel_oos:
        Y_true, full = with_out_of_scope(Y_true, labels)
        Y_candidate, _ = with_out_of_scope(Y_candidate, labels)
        Y_baseline = None if Y_baseline is None else with_out_of_scope(Y_baseline, labels)[0]
    else:
        full = list(labels)
    if Y_baseline is None:
        cand = f1_per_label(Y_true, Y_candidate)
        support = np.asarray(Y_true, dtype=bool).sum(axis=0)
        per_label = {lab: {"candidate_f1": round(float(cand[j]), 4), "support": int(support[j])}
                     for j, lab in enumerate(full)}
    else:
        per_label = bootstrap_deltas(Y_true, Y_candidate, Y_baseline, full, rounds=rounds, seed=seed)
    return {"n": int(len(Y_true)), "per_label": per_label}


@dataclass(frozen=True)
class GateDecision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)  # why refused (Chinese), empty when allowed
    notes: list[str] = field(default_factory=list)  # what was not gated and why

    def as_dict(self) -> dict:
        return {"allowed": self.allowed, "reasons": list(self.reasons), "notes": list(self.notes)}


SLICE_ZH = {"test": "固定测试集", "holdout": "近期人工标注留出集"}


def promotion_gate(slices: Mapping[str, dict], max_drop: float, *, min_support: int = MIN_GATE_SUPPORT,
                   label_names: Mapping[str, str] | None = None) -> GateDecision:
    """Refuse when any gated label's F1 drops by more than ``max_drop`` on any slice."""
    names = dict(label_names or {})
    reasons, notes = [], []
    for slice_name, result in slices.items():
        where = SLICE_ZH.get(slice_name, slice_name)
        for label, row in result["per_label"].items():
            if "delta" not in row:
                continue
            shown = names.get(label, label)
            if row["support"] < min_support:
                if row["delta"] < -max_drop:
                    notes.append(f"{where}中“{shown}”仅 {row['support']} 条，F1 下降 {-row['delta']:.3f} 未计入门槛")
                continue
            if row["delta"] < -max_drop:
                reasons.append(f"{where}上“{shown}”的 F1 由 {row['baseline_f1']:.3f} 降至 {row['candidate_f1']:.3f}"
                               f"（下降 {-row['delta']:.3f}，允许 {max_drop:.3f}；95% 区间 [{row['low']:+.3f}, {row['high']:+.3f}]）")
    return GateDecision(not reasons, reasons, notes)
