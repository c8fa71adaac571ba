"""A linear text classifier: featuriser + cue lexicon + (optional) extra dense features + head.

The same family serves categories (multi-label), agencies (multi-label, with dictionary features) and
survey sentiment (multi-class) / aspects (multi-label). Evidence = the features with the largest positive
contribution to a label, located in the text as character spans.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from classifiers.features import (
    CUE_PREFIX,
    NEGATED_CUE_PREFIX,
    PreparedText,
    TextFeaturizer,
    cue_feature_names,
    cue_matches,
    cue_matrix,
)
from classifiers.lexicon import CueLexicon
from classifiers.linear import MultiClassHead, MultiLabelHead, top_contributions
from classifiers.spans import Span

ExtraFeatures = Callable[[list[PreparedText]], np.ndarray]


class TextClassifier:
    """``featurizer`` + ``lexicon`` cues (+ ``extra`` columns named ``extra_names``) → ``head``."""

    def __init__(self, featurizer: TextFeaturizer, lexicon: CueLexicon, head: MultiLabelHead | MultiClassHead,
                 labels: list[str], extra: ExtraFeatures | None = None, extra_names: list[str] | None = None) -> None:
        self.featurizer = featurizer
        self.lexicon = lexicon
        self.head = head
        self.labels = list(labels)
        self.extra = extra
        self.extra_names = list(extra_names or [])
        self._names: list[str] | None = None

    # --- features ---------------------------------------------------------------------------------
    def dense(self, docs: list[PreparedText]) -> np.ndarray:
        blocks = [cue_matrix(docs, self.lexicon) * self.featurizer.cue_weight]  # extra columns keep their scale
        if self.extra is not None:
            blocks.append(self.extra(docs))
        return np.hstack(blocks) if blocks else np.zeros((len(docs), 0))

    def features(self, docs: list[PreparedText]) -> sp.csr_matrix:
        return self.featurizer.transform(docs, self.dense(docs), self.lexicon)

    @property
    def feature_names(self) -> list[str]:
        if self._names is None:
            self._names = self.featurizer.feature_names(cue_feature_names(self.lexicon) + self.extra_names)
        return self._names

    # --- fit / predict ----------------------------------------------------------------------------
    def fit(self, docs: list[PreparedText], targets: np.ndarray) -> TextClassifier:
        self.featurizer.fit(docs, self.lexicon)
        self._names = None
        X = self.features(docs)
        X.sort_indices()  # canonical CSR for the solvers
        self.head.fit(X, targets, self.labels)
        return self

    def predict_proba(self, docs: list[PreparedText], X: sp.csr_matrix | None = None) -> np.ndarray:
        return self.head.predict_proba(self.features(docs) if X is None else X)

    # --- evidence ---------------------------------------------------------------------------------
    def evidence(self, doc: PreparedText, x_row: sp.csr_matrix, label: str, k: int = 8, max_spans: int = 3) -> list[Span]:
        """Spans (offsets into ``doc.original``) of the strongest positive features for ``label``."""
        j = self.labels.index(label)
        names = self.feature_names
        cue_hits = None
        found: list[tuple[int, int, float]] = []
        for index, weight in top_contributions(x_row, self.head.coef_[j], k):
            name = names[index]
            if name.startswith(("cue:", f"w:{CUE_PREFIX}", f"w:{NEGATED_CUE_PREFIX}")):
                if cue_hits is None:
                    cue_hits = cue_matches(doc, self.lexicon)
                group = name.split(":")[-2] if name.startswith("cue:") else name.split(":", 2)[2]
                negated = name.startswith(f"w:{NEGATED_CUE_PREFIX}")
                found += [(m.span.start, m.span.end, weight) for m in cue_hits
                          if m.span.label == group and (negated == m.negated or name.startswith("cue:"))]
            elif name.startswith("c:"):
                found += _find_all(doc.feature_text, name[2:], weight)
            elif name.startswith("w:"):
                found += _find_words(doc, name[2:].split(" "), weight)
        return _to_original_spans(doc, _merge(found), label, max_spans)


def _find_all(text: str, term: str, weight: float, limit: int = 3) -> list[tuple[int, int, float]]:
    if not term.strip() or set(term) <= {"0", "*", "某", " "}:
        return []
    out, pos = [], text.find(term)
    while pos >= 0 and len(out) < limit:
        out.append((pos, pos + len(term), weight))
        pos = text.find(term, pos + 1)
    return out


def _words(doc: PreparedText) -> list[str]:
    words = doc.cache.get("words")
    if words is None:
        words = doc.cache["words"] = [w for w, _, _ in doc.tokens]
    return words


def _find_words(doc: PreparedText, words: list[str], weight: float, limit: int = 3) -> list[tuple[int, int, float]]:
    """Spans of a word unigram or bigram (``words``) among the doc's tokens (``list.index`` scans in C)."""
    out = []
    tokens, all_words = doc.tokens, _words(doc)
    n, first = len(words), words[0]
    i = -1
    while len(out) < limit:
        try:
            i = all_words.index(first, i + 1)
        except ValueError:
            break
        if i + n <= len(tokens) and all(all_words[i + k] == words[k] for k in range(1, n)):
            out.append((tokens[i][1], tokens[i + n - 1][2], weight))
    return out


def _merge(found: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """Merge overlapping or touching spans, summing their weights."""
    merged: list[list] = []
    for start, end, weight in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
            merged[-1][2] += weight
        else:
            merged.append([start, end, weight])
    return [(s, e, w) for s, e, w in merged]


def _to_original_spans(doc: PreparedText, found: list[tuple[int, int, float]], label: str, max_spans: int) -> list[Span]:
    spans = []
    pii = doc.pii
    for start, end, _ in sorted(found, key=lambda f: -f[2]):
        if any(p.start < end and start < p.end for p in pii):
            continue  # never show personal data as evidence
        if not doc.clean_text[start:end].strip(" *"):
            continue
        s, e = doc.normalised.original_span(start, end)
        spans.append(Span(s, e, label, doc.original[s:e]))
        if len(spans) >= max_spans:
            break
    return sorted(spans)
