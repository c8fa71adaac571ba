"""Linear heads over a sparse feature matrix, stored as plain arrays.

* :class:`MultiLabelHead` — one-vs-rest logistic regression, Platt-calibrated on out-of-fold decision
  values, with per-label thresholds tuned on the same out-of-fold probabilities (smoothed towards 0.5).
* :class:`MultiClassHead` — multinomial logistic regression (softmax probabilities).

Both expose ``contributions(X_row)`` (feature value × weight) for evidence.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

THRESHOLD_RANGE = (0.25, 0.65)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def tune_threshold(y: np.ndarray, p: np.ndarray, grid: np.ndarray | None = None) -> float:
    """A threshold in THRESHOLD_RANGE with near-best F1: the middle of the ≥ 98 %-of-best plateau."""
    grid = np.round(np.arange(THRESHOLD_RANGE[0], THRESHOLD_RANGE[1] + 1e-9, 0.025), 3) if grid is None else grid
    if y.sum() == 0:
        return 0.5
    f1 = []
    for t in grid:
        pred = p >= t
        tp = float(np.sum(pred & (y == 1)))
        denom = float(pred.sum() + y.sum())
        f1.append(2 * tp / denom if denom else 0.0)
    f1 = np.asarray(f1)
    good = grid[f1 >= 0.98 * f1.max()]
    return float((good.min() + good.max()) / 2)


def _platt(decision: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a·d + b) on out-of-fold decision values (Platt's targets to avoid overconfidence)."""
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():
        return 1.0, 0.0
    lr = LogisticRegression(C=1e4, solver="lbfgs")
    lr.fit(decision.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


class _LinearScorer:
    """``coef_`` (labels × features) with a cached C-contiguous transpose: ``X @ coef_.T`` on a non-contiguous
    view makes scipy copy the whole matrix on every call."""

    coef_: np.ndarray

    @property
    def coef_t(self) -> np.ndarray:
        cached = getattr(self, "_coef_t", None)
        if cached is None or cached[0] is not self.coef_:
            cached = self._coef_t = (self.coef_, np.ascontiguousarray(self.coef_.T))
        return cached[1]


class MultiLabelHead(_LinearScorer):
    def __init__(self, *, estimator: str = "svc", C: float = 0.3, folds: int = 5,
                 class_weight: str | None = "balanced", random_state: int = 0) -> None:
        self.estimator = estimator
        self.C = C
        self.folds = folds
        self.class_weight = class_weight
        self.random_state = random_state

    def config(self) -> dict:
        return {"estimator": self.estimator, "C": self.C, "folds": self.folds, "class_weight": self.class_weight,
                "random_state": self.random_state}

    def _model(self):
        """A linear scorer: ``svc`` (LinearSVC, hinge), ``lr`` (logistic) or ``ridge`` (least squares)."""
        if self.estimator == "svc":
            from sklearn.svm import LinearSVC

            return LinearSVC(C=self.C, class_weight=self.class_weight, max_iter=5000)
        if self.estimator == "ridge":
            from sklearn.linear_model import RidgeClassifier

            return RidgeClassifier(alpha=1.0 / self.C, class_weight=self.class_weight)
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear", max_iter=2000)

    def fit(self, X: sp.csr_matrix, Y: np.ndarray, labels: list[str]) -> MultiLabelHead:
        from sklearn.model_selection import StratifiedKFold

        n_labels = Y.shape[1]
        self.labels_ = list(labels)
        self.coef_ = np.zeros((n_labels, X.shape[1]), dtype=np.float64)
        self.intercept_ = np.zeros(n_labels)
        self.platt_ = np.tile([1.0, 0.0], (n_labels, 1))
        self.threshold_ = np.full(n_labels, 0.5)
        self.oof_proba_ = np.zeros(Y.shape, dtype=np.float64)
        for j in range(n_labels):
            y = Y[:, j].astype(int)
            if y.min() == y.max():
                self.intercept_[j] = 10.0 if y[0] else -10.0
                self.oof_proba_[:, j] = float(y[0])
                continue
            folds = max(2, min(self.folds, int(y.sum()), int(len(y) - y.sum())))
            decision = np.zeros(len(y))
            for train, held in StratifiedKFold(folds, shuffle=True, random_state=self.random_state).split(X, y):
                decision[held] = self._model().fit(X[train], y[train]).decision_function(X[held])
            a, b = _platt(decision, y)
            self.platt_[j] = (a, b)
            self.oof_proba_[:, j] = _sigmoid(a * decision + b)
            self.threshold_[j] = tune_threshold(y, self.oof_proba_[:, j])
            full = self._model().fit(X, y)
            self.coef_[j] = np.ravel(full.coef_)[: X.shape[1]]
            self.intercept_[j] = float(np.ravel(full.intercept_)[0])
        return self

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef_t) + self.intercept_

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        return _sigmoid(self.platt_[:, 0] * self.decision(X) + self.platt_[:, 1])

    def predict(self, proba: np.ndarray) -> np.ndarray:
        return proba >= self.threshold_

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}coef": self.coef_.astype(np.float32), f"{prefix}intercept": self.intercept_,
                f"{prefix}platt": self.platt_, f"{prefix}threshold": self.threshold_}

    @classmethod
    def from_arrays(cls, config: dict, labels: list[str], arrays: dict[str, np.ndarray], prefix: str) -> MultiLabelHead:
        self = cls(**config)
        self.labels_ = list(labels)
        self.coef_ = np.asarray(arrays[f"{prefix}coef"], dtype=np.float64)
        self.intercept_ = np.asarray(arrays[f"{prefix}intercept"], dtype=np.float64)
        self.platt_ = np.asarray(arrays[f"{prefix}platt"], dtype=np.float64)
        self.threshold_ = np.asarray(arrays[f"{prefix}threshold"], dtype=np.float64)
        return self


class MultiClassHead(_LinearScorer):
    def __init__(self, *, C: float = 4.0, class_weight: str | None = "balanced") -> None:
        self.C = C
        self.class_weight = class_weight

    def config(self) -> dict:
        return {"C": self.C, "class_weight": self.class_weight}

    def fit(self, X: sp.csr_matrix, y: np.ndarray, labels: list[str]) -> MultiClassHead:
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)
        model.fit(X, y)
        self.labels_ = list(labels)
        coef = np.zeros((len(labels), X.shape[1]))
        intercept = np.full(len(labels), -30.0)
        for row, cls_index in enumerate(model.classes_):
            coef[int(cls_index)] = model.coef_[row] if len(model.classes_) > 2 else (model.coef_[0] if row else -model.coef_[0]) / 2
            intercept[int(cls_index)] = model.intercept_[row] if len(model.classes_) > 2 else (model.intercept_[0] if row else -model.intercept_[0]) / 2
        self.coef_, self.intercept_ = coef, intercept
        return self

    def decision(self, X: sp.csr_matrix) -> np.ndarray:
        return np.asarray(X @ self.coef_t) + self.intercept_

    def predict_proba(self, X: sp.csr_matrix) -> np.ndarray:
        z = self.decision(X)
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}coef": self.coef_.astype(np.float32), f"{prefix}intercept": self.intercept_}

    @classmethod
    def from_arrays(cls, config: dict, labels: list[str], arrays: dict[str, np.ndarray], prefix: str) -> MultiClassHead:
        self = cls(**config)
        self.labels_ = list(labels)
        self.coef_ = np.asarray(arrays[f"{prefix}coef"], dtype=np.float64)
        self.intercept_ = np.asarray(arrays[f"{prefix}intercept"], dtype=np.float64)
        return self


class SparseRow(NamedTuple):
    """One row of a CSR matrix: its column ``indices`` and ``data`` (all :func:`top_contributions` needs)."""

    indices: np.ndarray
    data: np.ndarray


def csr_rows(X: sp.csr_matrix) -> list[SparseRow]:
    """The rows of ``X`` as views, far cheaper than ``X[i]`` one by one."""
    return [SparseRow(X.indices[a:b], X.data[a:b]) for a, b in zip(X.indptr[:-1].tolist(), X.indptr[1:].tolist())]


def top_contributions(x_row: sp.csr_matrix | SparseRow, weights: np.ndarray, k: int) -> list[tuple[int, float]]:
    """The ``k`` features of one row with the largest positive value × weight, as (index, contribution)."""
    idx = x_row.indices
    if not len(idx):
        return []
    contrib = x_row.data * weights[idx]
    order = np.argsort(-contrib)[:k]
    return [(int(idx[o]), float(contrib[o])) for o in order if contrib[o] > 0]
