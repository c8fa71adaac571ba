"""Candidate vs PRODUCTION: per-label F1 deltas, bootstrap intervals, the promotion gate."""

from __future__ import annotations

import numpy as np
import pytest

from classifiers.compare import (
    bootstrap_deltas,
    compare_slice,
    f1_per_label,
    promotion_gate,
    with_out_of_scope,
)
from classifiers.evaluate import prf


def _random(n: int, k: int, seed: int, p: float = 0.3) -> np.ndarray:
    return np.random.default_rng(seed).random((n, k)) < p


def test_f1_per_label_agrees_with_the_evaluation_metric():
    Y, P = _random(200, 4, 1), _random(200, 4, 2)
    f1 = f1_per_label(Y, P)
    for j in range(4):
        tp = int(np.sum(Y[:, j] & P[:, j]))
        fp = int(np.sum(~Y[:, j] & P[:, j]))
        fn = int(np.sum(Y[:, j] & ~P[:, j]))
        assert f1[j] == pytest.approx(prf(tp, fp, fn)["f1"], abs=1e-4)


def test_out_of_scope_column_marks_rows_without_labels():
    Y, labels = with_out_of_scope(np.array([[1, 0], [0, 0], [0, 1]]), ["a", "b"])
    assert labels == ["a", "b", "out_of_scope"] and Y[:, 2].tolist() == [False, True, False]


def test_bootstrap_is_seeded_and_identical_models_have_zero_delta():
    Y, P = _random(150, 3, 3), _random(150, 3, 4)
    same = bootstrap_deltas(Y, P, P, ["a", "b", "c"], rounds=200, seed=0)
    assert all(row["delta"] == 0 and row["low"] == 0 and row["high"] == 0 for row in same.values())
    Q = _random(150, 3, 5)
    first = bootstrap_deltas(Y, P, Q, ["a", "b", "c"], rounds=300, seed=11)
    assert first == bootstrap_deltas(Y, P, Q, ["a", "b", "c"], rounds=300, seed=11)
    assert first != bootstrap_deltas(Y, P, Q, ["a", "b", "c"], rounds=300, seed=12)
    for row in first.values():
        assert row["low"] <= row["delta"] <= row["high"]


def test_a_perfect_candidate_against_a_poor_baseline_has_an_interval_above_zero():
    Y = _random(300, 2, 6)
    poor = Y ^ _random(300, 2, 7, p=0.4)
    result = bootstrap_deltas(Y, Y, poor, ["a", "b"], rounds=500, seed=0)
    assert all(row["candidate_f1"] == 1.0 and row["low"] > 0 for row in result.values())


def test_gate_refuses_a_drop_beyond_the_limit_and_names_the_label():
    Y = _random(300, 2, 8)
    worse = Y.copy()
    worse[:60, 0] = ~worse[:60, 0]  # label "a" gets much worse, "b" is unchanged
    slices = {"test": compare_slice(Y, worse, Y, ["formalism", "court"], multilabel_oos=False, rounds=200, seed=0)}
    decision = promotion_gate(slices, 0.02, label_names={"formalism": "形式主义"})
    assert not decision.allowed and len(decision.reasons) == 1 and "形式主义" in decision.reasons[0]
    assert promotion_gate(slices, 0.9).allowed


def test_gate_reports_but_does_not_gate_labels_with_tiny_support():
    Y = np.zeros((40, 1), dtype=bool)
    Y[:3, 0] = True
    cand = Y.copy()
    cand[:3, 0] = False
    slices = {"holdout": compare_slice(Y, cand, Y, ["formalism"], multilabel_oos=False, rounds=100, seed=0)}
    decision = promotion_gate(slices, 0.02, min_support=5)
    assert decision.allowed and decision.notes


def test_without_a_baseline_only_candidate_scores_are_given_and_nothing_is_gated():
    Y = _random(50, 2, 9)
    result = compare_slice(Y, Y, None, ["a", "b"], multilabel_oos=True, rounds=100, seed=0)
    assert set(result["per_label"]) == {"a", "b", "out_of_scope"}
    assert "delta" not in result["per_label"]["a"]
    assert promotion_gate({"test": result}, 0.0).allowed
