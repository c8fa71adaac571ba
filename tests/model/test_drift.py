"""Drift: PSI with smoothing, category and confidence distributions, the report warning."""

from __future__ import annotations

import math

import pytest

from pipelines.drift import (
    OUT_OF_SCOPE,
    DriftReference,
    build_reference,
    category_counts,
    compute_drift,
    confidence_counts,
    drift_lines_zh,
    item_confidence,
    psi,
)


def test_psi_is_zero_for_the_same_distribution_and_matches_a_hand_computed_case():
    assert psi([10, 20, 30], [1, 2, 3], smoothing=0.0) == pytest.approx(0.0)
    # shares e = (0.5, 0.5), a = (0.9, 0.1): (0.4)·ln(1.8) + (−0.4)·ln(0.2)
    expected = 0.4 * math.log(0.9 / 0.5) + (-0.4) * math.log(0.1 / 0.5)
    assert psi([50, 50], [90, 10], smoothing=0.0) == pytest.approx(expected)


def test_psi_smoothing_keeps_empty_bins_finite():
    value = psi([10, 0], [0, 10], smoothing=0.5)
    assert math.isfinite(value) and value > 2.0
    with pytest.raises(ValueError):
        psi([1, 2], [1, 2, 3])


def test_category_counts_treat_no_category_as_out_of_scope():
    counts = category_counts([["formalism"], [], ["formalism", "low_efficiency"], ["unknown_code"]])
    assert counts["formalism"] == 2 and counts["low_efficiency"] == 1 and counts[OUT_OF_SCOPE] == 1
    assert sum(counts.values()) == 4


def test_confidence_of_a_decision_and_its_histogram():
    assert item_confidence(["formalism"], {"formalism": 0.9, "low_efficiency": 0.2}) == pytest.approx(0.9)
    assert item_confidence([], {"formalism": 0.1}) == pytest.approx(0.9)
    assert confidence_counts([0.0, 0.05, 0.95, 1.0], n_bins=10) == [2, 0, 0, 0, 0, 0, 0, 0, 0, 2]


def _reference() -> DriftReference:
    labels = [["low_efficiency"]] * 30 + [["formalism"]] * 30 + [[]] * 40
    held_out = [(["low_efficiency"], {"low_efficiency": 0.9})] * 50
    return build_reference(labels, held_out, source="test")


def test_a_stable_night_gives_no_warning_and_a_shifted_night_warns_in_chinese():
    ref = _reference()
    stable = [(["low_efficiency"], {"low_efficiency": 0.9})] * 30 + [(["formalism"], {"formalism": 0.9})] * 30 \
        + [([], {"formalism": 0.1})] * 40
    result = compute_drift(stable, ref, threshold=0.2)
    assert result.category_psi < 0.05 and not result.drifted
    shifted = [(["abuse_for_profit"], {"abuse_for_profit": 0.55})] * 80 + [([], {"formalism": 0.45})] * 20
    result = compute_drift(shifted, ref, threshold=0.2)
    assert result.category_psi > 0.2 and result.confidence_psi > 0.2 and result.drifted
    assert "以权谋利" in result.warnings[0] and "PSI" in result.warnings[0]
    lines = drift_lines_zh(result)
    assert "发现漂移" in lines[0] and lines[1].startswith("⚠")
    assert "分布稳定" in drift_lines_zh(compute_drift(stable, ref))[0]


def test_too_few_items_give_no_psi_and_no_warning():
    result = compute_drift([(["abuse_for_profit"], {"abuse_for_profit": 0.9})] * 5, _reference(), min_items=20)
    assert result.category_psi is None and not result.drifted and result.mean_confidence == pytest.approx(0.9)


def test_a_reference_without_confidences_checks_categories_only():
    ref = DriftReference(category_counts=category_counts([["formalism"]] * 10 + [[]] * 10))
    night = [(["formalism"], {"formalism": 0.6})] * 10 + [([], {"formalism": 0.4})] * 10
    result = compute_drift(night, ref)
    assert result.confidence_psi is None and result.category_psi == pytest.approx(0.0)
    assert DriftReference.from_dict(ref.as_dict()) == ref


def test_reference_comes_from_the_production_version_or_else_from_the_corpus(settings):
    import json

    from pipelines.drift import load_drift_reference

    assert load_drift_reference(settings) is None
    pointer = settings.model_dir / "categories" / "PRODUCTION"
    (settings.model_dir / "categories" / "v1").mkdir(parents=True)
    pointer.write_text("v1\n", encoding="utf-8")
    from_corpus = load_drift_reference(settings)
    assert from_corpus.confidence_counts is None and sum(from_corpus.category_counts.values()) > 100
    stored = _reference()
    (settings.model_dir / "categories" / "v1" / "drift_reference.json").write_text(json.dumps(stored.as_dict()))
    assert load_drift_reference(settings) == stored


def test_daily_report_carries_the_drift_check(database_url):
    from pipelines.report import compute
    from pipelines.report_render import render_markdown
    from qingfeng.storage.db import connect, session_scope
    from tests.model.labelled_store import seed_complaints

    seed_complaints(database_url)
    with session_scope(connect(database_url)) as session:
        plain = compute(session, "2026-11-20")
        checked = compute(session, "2026-11-20", drift_reference=_reference(), drift_threshold=0.2)
    assert plain.drift is None and "模型漂移监测" not in render_markdown(plain)
    assert checked.drift.n_items == 6
    assert "模型漂移监测（6 件）" in render_markdown(checked)
