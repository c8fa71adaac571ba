"""Interval estimates used by unit scoring (pure functions, no I/O).

- ``wilson_interval``: the Wilson score interval of a proportion (good at small n and at 0 % / 100 %).
- ``bootstrap_mean_interval``: percentile bootstrap of a mean, seeded, so a rerun gives the same interval.
- ``difference_lower_bound``: the lower confidence bound of ``a - b`` for two independent estimates given
  with their own (possibly asymmetric) intervals, by the MOVER method (Newcombe 1998; Zou & Donner 2008):
  ``(a - b) - sqrt((a - a_low)^2 + (b_high - b)^2)``. With Wilson intervals on both sides this is
  Newcombe's hybrid score interval for a difference of proportions.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from statistics import NormalDist


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 1.959964 for 0.95."""
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for ``successes`` out of ``n`` (``n`` > 0)."""
    if n <= 0:
        raise ValueError("wilson_interval needs n > 0")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be in 0..{n}, got {successes}")
    z = z_value(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def stable_seed(seed: int, key: str) -> int:
    """A per-unit seed that does not depend on the order in which units are scored."""
    return (seed * 1_000_003 + zlib.crc32(key.encode("utf-8"))) % (2**32)


def bootstrap_mean_interval(values: Sequence[float], *, samples: int, confidence: float,
                            seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean of ``values`` (resampled with replacement)."""
    import numpy as np

    if len(values) == 0:
        raise ValueError("bootstrap_mean_interval needs at least one value")
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), size=(samples, len(data)))].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def difference_lower_bound(a: float, a_low: float, b: float, b_high: float, scale: float = 1.0) -> float:
    """Lower confidence bound of ``a - b`` (MOVER): positive means ``a`` is credibly above ``b``.
    ``scale`` rescales the given half-widths to another confidence level (ratio of normal quantiles)."""
    return (a - b) - scale * math.sqrt((a - a_low) ** 2 + (b_high - b) ** 2)


def intervals_overlap(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
