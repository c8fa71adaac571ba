"""Interval formulas against hand-computed values."""

from __future__ import annotations

import math

import pytest

from pipelines.scoring.stats import (
    bootstrap_mean_interval,
    difference_lower_bound,
    intervals_overlap,
    stable_seed,
    wilson_interval,
    z_value,
)


def test_z_value_of_95_percent():
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_wilson_8_of_10_matches_hand_computation():
    # z = 1.959964; centre = (0.8 + z²/20) / (1 + z²/10) = 0.716749;
    # half = z * sqrt(0.8*0.2/10 + z²/400) / (1 + z²/10) = 0.226586
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.490163, abs=1e-5)
    assert high == pytest.approx(0.943318, abs=1e-5)


@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (0, 10, 0.0, 0.277533),   # all dissatisfied: the upper bound is z²/(n+z²)
    (10, 10, 0.722467, 1.0),  # all satisfied: the interval is not degenerate
    (15, 30, 0.331541, 0.668459),  # centre 0.5; half = z*sqrt(0.25/30 + z²/3600)/(1 + z²/30) = 0.168459
])
def test_wilson_edges_and_symmetry(k, n, low, high):
    got = wilson_interval(k, n)
    assert got == pytest.approx((low, high), abs=1e-5)


def test_wilson_rejects_impossible_counts():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = [1, 1, 1, 0, -1, 1, 0, 1, -1, 1]
    a = bootstrap_mean_interval(values, samples=2000, confidence=0.95, seed=7)
    b = bootstrap_mean_interval(values, samples=2000, confidence=0.95, seed=7)
    assert a == b
    mean = sum(values) / len(values)
    assert a[0] < mean < a[1]
    assert -1 <= a[0] and a[1] <= 1


def test_bootstrap_of_a_constant_is_that_constant():
    assert bootstrap_mean_interval([1, 1, 1], samples=500, confidence=0.95, seed=1) == (1.0, 1.0)


def test_per_unit_seeds_do_not_depend_on_order_but_differ_between_units():
    assert stable_seed(5, "court") == stable_seed(5, "court")
    assert stable_seed(5, "court") != stable_seed(5, "procuratorate")


def test_difference_lower_bound_by_hand():
    # U = 0.9 [0.7, 0.97], L = 0.4 [0.2, 0.6]: 0.5 - sqrt(0.2² + 0.2²) = 0.5 - 0.282843
    assert difference_lower_bound(0.9, 0.7, 0.4, 0.6) == pytest.approx(0.5 - math.sqrt(0.08))
    # rescaled to the one-sided 5 % level
    assert difference_lower_bound(0.9, 0.7, 0.4, 0.6, scale=0.5) == pytest.approx(0.5 - 0.5 * math.sqrt(0.08))


def test_intervals_overlap():
    assert intervals_overlap((0.1, 0.5), (0.4, 0.9))
    assert not intervals_overlap((0.1, 0.3), (0.4, 0.9))
