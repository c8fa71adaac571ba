"""Evaluation on the test split: pure metric functions plus one evaluator per model.

Metrics: per-label precision / recall / F1, macro and micro F1, out-of-scope F1 ("no category" as the
positive class), per-channel scores, agency micro-F1, sentiment macro-F1. Reports live in
:mod:`classifiers.report`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from classifiers.corpus import Complaint, SurveyAnswer, label_matrix


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


def multilabel_scores(Y_true: np.ndarray, Y_pred: np.ndarray, labels: list[str]) -> dict:
    """Per-label P/R/F1, macro F1 (mean over labels with support) and micro F1."""
    Y_true, Y_pred = Y_true.astype(bool), Y_pred.astype(bool)
    per_label, tps, fps, fns = {}, 0, 0, 0
    for j, lab in enumerate(labels):
        tp = int(np.sum(Y_true[:, j] & Y_pred[:, j]))
        fp = int(np.sum(~Y_true[:, j] & Y_pred[:, j]))
        fn = int(np.sum(Y_true[:, j] & ~Y_pred[:, j]))
        per_label[lab] = prf(tp, fp, fn)
        tps, fps, fns = tps + tp, fps + fp, fns + fn
    supported = [s["f1"] for s in per_label.values() if s["support"]]
    return {"per_label": per_label, "macro_f1": round(float(np.mean(supported)) if supported else 0.0, 4),
            "micro_f1": prf(tps, fps, fns)["f1"]}


def out_of_scope_f1(Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
    true_oos, pred_oos = ~Y_true.any(axis=1), ~Y_pred.any(axis=1)
    return prf(int(np.sum(true_oos & pred_oos)), int(np.sum(~true_oos & pred_oos)), int(np.sum(true_oos & ~pred_oos)))


def multiclass_scores(y_true: list[str], y_pred: list[str], labels: list[str]) -> dict:
    per_label = {}
    for lab in labels:
        tp = sum(t == lab and p == lab for t, p in zip(y_true, y_pred))
        fp = sum(t != lab and p == lab for t, p in zip(y_true, y_pred))
        fn = sum(t == lab and p != lab for t, p in zip(y_true, y_pred))
        per_label[lab] = prf(tp, fp, fn)
    acc = float(np.mean([t == p for t, p in zip(y_true, y_pred)])) if y_true else 0.0
    return {"per_label": per_label, "macro_f1": round(float(np.mean([s["f1"] for s in per_label.values()])), 4),
            "accuracy": round(acc, 4)}


def confusion(y_true: list[str], y_pred: list[str], labels: list[str]) -> list[list[int]]:
    index = {lab: i for i, lab in enumerate(labels)}
    m = np.zeros((len(labels), len(labels)), dtype=int)
    for t, p in zip(y_true, y_pred):
        m[index[t], index[p]] += 1
    return m.tolist()


def cooccurrence(Y_true: np.ndarray, Y_pred: np.ndarray) -> list[list[int]]:
    """Rows: true label (plus a last row "none"), columns: predicted label (plus "none")."""
    k = Y_true.shape[1]
    m = np.zeros((k + 1, k + 1), dtype=int)
    for t_row, p_row in zip(Y_true.astype(bool), Y_pred.astype(bool)):
        t_idx = list(np.flatnonzero(t_row)) or [k]
        p_idx = list(np.flatnonzero(p_row)) or [k]
        for t in t_idx:
            for p in p_idx:
                m[t, p] += 1
    return m.tolist()


def _by_channel(records: list[Complaint], Y_true: np.ndarray, Y_pred: np.ndarray, labels: list[str]) -> dict:
    groups: dict[str, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        groups[rec.channel or "unknown"].append(i)
    out = {}
    for channel, rows in sorted(groups.items()):
        scores = multilabel_scores(Y_true[rows], Y_pred[rows], labels)
        out[channel] = {"n": len(rows), "macro_f1": scores["macro_f1"], "micro_f1": scores["micro_f1"],
                        "oos_f1": out_of_scope_f1(Y_true[rows], Y_pred[rows])["f1"]}
    return out


def category_predictions(model, complaints: list[Complaint], resources) -> tuple[np.ndarray, np.ndarray]:
    docs = resources.prepare([c.text for c in complaints])
    proba = model.predict_proba(docs)
    return proba, model.head.predict(proba)


def category_metrics(model, complaints: list[Complaint], resources) -> dict:
    labels = model.labels
    Y_true = label_matrix([c.categories for c in complaints], labels)
    _, Y_pred = category_predictions(model, complaints, resources)
    scores = multilabel_scores(Y_true, Y_pred, labels)
    return {**scores, "oos": out_of_scope_f1(Y_true, Y_pred), "per_channel": _by_channel(complaints, Y_true, Y_pred, labels),
            "cooccurrence": cooccurrence(Y_true, Y_pred), "labels": labels,
            "thresholds": dict(zip(labels, map(float, model.head.threshold_)))}


def agency_predictions(model, complaints: list[Complaint], resources) -> np.ndarray:
    from classifiers.agency_tagger import AgencyTagger

    tagger = AgencyTagger(model, resources.directory)
    decisions = tagger.decide(resources.prepare([c.text for c in complaints]))
    return label_matrix([tuple(d.agencies) for d in decisions], model.labels)


def agency_metrics(model, complaints: list[Complaint], resources) -> dict:
    labels = model.labels
    Y_true = label_matrix([c.agencies for c in complaints], labels)
    Y_pred = agency_predictions(model, complaints, resources)
    scores = multilabel_scores(Y_true, Y_pred, labels)
    exact = float(np.mean(np.all(Y_true == Y_pred, axis=1))) if len(Y_true) else 0.0
    return {**scores, "exact_match": round(exact, 4), "per_channel": _by_channel(complaints, Y_true, Y_pred, labels),
            "cooccurrence": cooccurrence(Y_true, Y_pred), "labels": labels}


def survey_metrics(survey_model, answers: list[SurveyAnswer], resources) -> dict:
    results = survey_model.predict(resources.prepare([a.text for a in answers]))
    labels = survey_model.sentiment.labels
    y_true = [a.sentiment for a in answers]
    y_pred = [r.sentiment for r in results]
    aspect_labels = survey_model.aspects.labels
    A_true = label_matrix([a.aspects for a in answers], aspect_labels)
    A_pred = label_matrix([tuple(r.aspects) for r in results], aspect_labels)
    aspects = multilabel_scores(A_true, A_pred, aspect_labels)
    return {**multiclass_scores(y_true, y_pred, labels), "labels": labels,
            "confusion": confusion(y_true, y_pred, labels),
            "aspects": {"macro_f1": aspects["macro_f1"], "micro_f1": aspects["micro_f1"],
                        "per_label": aspects["per_label"]}}
