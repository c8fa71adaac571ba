"""Text → feature matrix: word TF-IDF, character n-gram TF-IDF and dense cue counts.

Texts are prepared once (normalise → redact → mask sub-unit place names → segment) and the same
:class:`PreparedText` feeds every model. The fitted featuriser is stored as plain arrays (vocabulary as a
unicode array, idf as floats), never as a pickle.
"""

from __future__ import annotations

from collections import Counter
from itertools import repeat
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from classifiers.agency_directory import AgencyDirectory, mask_sub_unit_names
from classifiers.lexicon import CueLexicon
from classifiers.normalise import Normalised, normalise
from classifiers.pii import redact
from classifiers.segment import Segmenter

# Dictionary-only segmentation (no HMM for unknown words): as accurate here, since character n-grams cover
# unknown words, and about twice as fast.
SEGMENTER_HMM = False
_SKIP_STRING = " *，,。.!！?？;；:：、…~“”\"'‘’（）()《》[]【】-—_/\\|"  # a token of only these is no word
_DIGITS = str.maketrans("0123456789", "0000000000")


@dataclass(frozen=True)
class PreparedText:
    """One text, ready for featurisation. ``feature_text`` has the length of ``normalised.text``."""

    original: str
    normalised: Normalised
    clean_text: str  # normalised and redacted (PII masked with *), same length
    feature_text: str  # redacted, sub-unit place names masked, digits folded to 0
    tokens: tuple[tuple[str, int, int], ...]  # words of feature_text with offsets
    pii: tuple  # PII spans on the normalised text
    mentions: tuple = ()  # agency mentions on clean_text (classifiers.agency_directory.Mention)
    cache: dict = field(default_factory=dict, compare=False, repr=False)  # term counts, shared by all models


def make_segmenter(user_dict) -> Segmenter:
    """The segmenter every model uses (its own jieba.Tokenizer with the domain user dictionary)."""
    return Segmenter(user_dict, hmm=SEGMENTER_HMM)


def prepare(text: str, segmenter: Segmenter, directory: AgencyDirectory | None = None) -> PreparedText:
    norm = normalise(text)
    red = redact(norm.text)
    feature_text = red.text.translate(_DIGITS)
    mentions = ()
    if directory is not None:
        mentions = tuple(directory.mentions(red.text))
        feature_text = mask_sub_unit_names(feature_text, mentions)
    tokens = tuple([t for t in segmenter.tokens(feature_text) if t[0].strip(_SKIP_STRING)])
    return PreparedText(text, norm, red.text, feature_text, tokens, red.spans, mentions)




CUE_PREFIX, NEGATED_CUE_PREFIX = "CUE:", "NEGCUE:"


def cue_matches(doc: PreparedText, lexicon: CueLexicon) -> list:
    """The lexicon's cue matches in ``doc.clean_text`` (memoised on the doc)."""
    key = ("cues", lexicon.key)
    found = doc.cache.get(key)
    if found is None:
        found = doc.cache[key] = lexicon.find(doc.clean_text)
    return found


def word_terms(doc: PreparedText, lexicon: CueLexicon | None = None) -> list[str]:
    """Word unigrams, adjacent bigrams (joined by a space) and, with a lexicon, one pseudo-word per cue match
    (``CUE:<group>`` or ``NEGCUE:<group>`` when negated), so cues are weighted like any other term."""
    words = [w for w, _, _ in doc.tokens]
    terms = words + [f"{a} {b}" for a, b in zip(words, words[1:])]
    if lexicon is not None:
        terms += [(NEGATED_CUE_PREFIX if m.negated else CUE_PREFIX) + m.span.label for m in cue_matches(doc, lexicon)]
    return terms


def _identity(terms: list[str]) -> list[str]:
    return terms


def word_counts(doc: PreparedText, lexicon: CueLexicon | None = None) -> Counter:
    """Counts of ``word_terms(doc, lexicon)``; the plain word part is counted once per doc for all models."""
    key = ("word", lexicon.key if lexicon is not None else None)
    counts = doc.cache.get(key)
    if counts is None:
        base = doc.cache.get(("word", None))
        if base is None:
            base = doc.cache[("word", None)] = Counter(word_terms(doc))
        counts = base
        if lexicon is not None:
            counts = base.copy()
            counts.update((NEGATED_CUE_PREFIX if m.negated else CUE_PREFIX) + m.span.label
                          for m in cue_matches(doc, lexicon))
        doc.cache[key] = counts
    return counts


class SparseBlock(NamedTuple):
    """Non-zero entries of a block of feature columns, in COO form: ``rows``, ``cols``, ``values``."""

    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    n_rows: int
    n_cols: int


def tfidf_block(count_rows: list[Counter], vocabulary: dict[str, int], idf: np.ndarray) -> SparseBlock:
    """Sublinear TF × IDF, L2-normalised rows: the same numbers as sklearn's TfidfVectorizer.transform.

    Pure numpy (no scipy matrix per call): one text costs a few microseconds of overhead, not milliseconds.
    """
    terms: list[str] = []
    counts_flat: list[int] = []
    lengths = []
    for counts in count_rows:
        terms.extend(counts.keys())
        counts_flat.extend(counts.values())
        lengths.append(len(counts))
    ids = np.fromiter(map(vocabulary.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
    rows = np.repeat(np.arange(len(count_rows)), lengths)
    keep = ids >= 0
    ids, rows = ids[keep], rows[keep]
    values = (1.0 + np.log(np.asarray(counts_flat, dtype=np.float64)[keep])) * idf[ids]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=len(count_rows)))
    norms[norms == 0] = 1.0
    return SparseBlock(rows, ids, values / norms[rows], len(count_rows), len(idf))


_CODE_BITS = 21  # every Unicode code point fits in 21 bits; an n-gram of up to 3 fits in one uint64


def ngram_code(term: str) -> int:
    """One integer per character n-gram (n ≤ 3): the code points packed 21 bits apart. Different n never
    collide (a longer n-gram's code is ≥ 2^21 because no n-gram here starts with U+0000)."""
    code = 0
    for ch in term:
        code = (code << _CODE_BITS) | ord(ch)
    return code


class CharNgramIndex:
    """A fitted character vocabulary as sorted n-gram codes → column, for :func:`char_tfidf_block`."""

    def __init__(self, vocabulary: dict[str, int], ngram: tuple[int, int]) -> None:
        terms = [t for t in vocabulary if ngram[0] <= len(t) <= ngram[1] and "\x00" not in t]
        codes = np.fromiter((ngram_code(t) for t in terms), dtype=np.uint64, count=len(terms))
        order = np.argsort(codes)
        self.codes = codes[order]
        self.columns = np.fromiter((vocabulary[terms[i]] for i in order), dtype=np.int64, count=len(terms))
        self.ngram = ngram


def char_tfidf_block(texts: list[str], index: CharNgramIndex, idf: np.ndarray) -> SparseBlock:
    """:func:`tfidf_block` over the character n-grams of ``texts``, vectorised over the whole batch: the
    texts are joined by U+0000, n-grams across a joint (or holding a U+0000, which ``normalise`` never
    leaves) are dropped, codes are looked up by binary search.
    Same numbers as sklearn's ``TfidfVectorizer(analyzer="char")`` (a test compares them), without a
    Python-level string per n-gram."""
    n_rows = len(texts)
    joined = "\x00".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_rows) + 1
    doc_of = np.repeat(np.arange(n_rows), lengths)[:len(points)]  # the text of each position (joint: its left)
    length = len(points)
    rows_parts, cols_parts = [], []
    for n in range(index.ngram[0], index.ngram[1] + 1):
        if length < n:
            continue
        m = length - n + 1
        codes = points[:m].copy()
        bad = points[:m] == 0
        for k in range(1, n):
            codes = (codes << np.uint64(_CODE_BITS)) | points[k:k + m]
            bad |= points[k:k + m] == 0
        keep = ~bad
        codes, rows = codes[keep], doc_of[:m][keep]
        at = np.searchsorted(index.codes, codes)
        at[at == len(index.codes)] = 0
        found = index.codes[at] == codes if len(index.codes) else np.zeros(len(codes), dtype=bool)
        rows_parts.append(rows[found])
        cols_parts.append(index.columns[at[found]])
    if not rows_parts:
        return SparseBlock(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), n_rows, len(idf))
    n_cols = len(idf)
    keys, counts = np.unique(np.concatenate(rows_parts) * n_cols + np.concatenate(cols_parts), return_counts=True)
    rows, cols = keys // n_cols, keys % n_cols
    values = (1.0 + np.log(counts.astype(np.float64))) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    norms[norms == 0] = 1.0
    return SparseBlock(rows, cols, values / norms[rows], n_rows, n_cols)


def dense_block(dense: np.ndarray) -> SparseBlock:
    rows, cols = np.nonzero(dense)
    return SparseBlock(rows, cols, dense[rows, cols].astype(np.float64), dense.shape[0], dense.shape[1])


def hstack_blocks(blocks: list[SparseBlock], *, sort_indices: bool = False) -> sp.csr_matrix:
    """Blocks side by side as one float32 CSR matrix.

    Each block's rows are already in order, so a stable sort on the row alone interleaves them. Column
    indices within a row are then grouped by block, not sorted (``sort_indices`` sorts them: for training).
    """
    n_rows = blocks[0].n_rows
    offsets = np.cumsum([0] + [b.n_cols for b in blocks])
    rows = np.concatenate([b.rows for b in blocks])
    cols = np.concatenate([b.cols + off for b, off in zip(blocks, offsets)])
    values = np.concatenate([b.values for b in blocks]).astype(np.float32)
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    X = sp.csr_matrix((values[order], cols[order].astype(np.int32), indptr.astype(np.int32)),
                      shape=(n_rows, int(offsets[-1])))
    if sort_indices:
        X.sort_indices()
    return X


def _vectorizer(kind: str, ngram: tuple[int, int], min_df: int, max_features: int | None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    common = dict(sublinear_tf=True, min_df=min_df, max_features=max_features, dtype=np.float32)
    if kind == "word":
        return TfidfVectorizer(analyzer=_identity, lowercase=False, **common)
    return TfidfVectorizer(analyzer="char", ngram_range=ngram, lowercase=False, **common)


def cue_feature_names(lexicon: CueLexicon) -> list[str]:
    return [f"cue:{g}:{part}" for g in lexicon.group_names for part in ("plain", "negated", "quoted")]


def cue_matrix(docs: list[PreparedText], lexicon: CueLexicon) -> np.ndarray:
    """Per cue group: log1p of (plain matches, negated matches, quoted matches)."""
    column = {g: 3 * j for j, g in enumerate(lexicon.group_names)}
    out = np.zeros((len(docs), 3 * len(column)), dtype=np.float32)
    for i, doc in enumerate(docs):
        for m in cue_matches(doc, lexicon):
            j = column[m.span.label]
            out[i, j + (1 if m.negated else 0)] += 1
            if m.quoted:
                out[i, j + 2] += 1
    return np.log1p(out)


class TextFeaturizer:
    """Word + char TF-IDF, cue counts, and optional caller-supplied dense columns."""

    def __init__(self, *, char_ngram: tuple[int, int] = (1, 3), word_min_df: int = 2, char_min_df: int = 2,
                 max_features: int | None = 60000, cue_weight: float = 1.0, use_words: bool = True,
                 cue_tokens: bool = False) -> None:
        self.char_ngram = tuple(char_ngram)
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df
        self.max_features = max_features
        self.cue_weight = cue_weight
        self.use_words = use_words
        self.cue_tokens = cue_tokens

    def config(self) -> dict:
        return {"char_ngram": list(self.char_ngram), "word_min_df": self.word_min_df,
                "char_min_df": self.char_min_df, "max_features": self.max_features,
                "cue_weight": self.cue_weight, "use_words": self.use_words, "cue_tokens": self.cue_tokens}

    def fit(self, docs: list[PreparedText], lexicon: CueLexicon | None = None) -> TextFeaturizer:
        """``lexicon`` adds cue pseudo-words (used only when ``cue_tokens`` is on)."""
        lexicon = lexicon if self.cue_tokens else None
        self.char_ = _vectorizer("char", self.char_ngram, self.char_min_df, self.max_features)
        self.char_.fit([d.feature_text for d in docs])
        self.word_ = None
        if self.use_words:
            self.word_ = _vectorizer("word", (1, 1), self.word_min_df, self.max_features)
            self.word_.fit([word_terms(d, lexicon) for d in docs])
        return self

    @property
    def char_index(self) -> CharNgramIndex:
        index = getattr(self, "_char_index", None)
        if index is None or index[0] is not self.char_.vocabulary_:
            index = self._char_index = (self.char_.vocabulary_, CharNgramIndex(self.char_.vocabulary_, self.char_ngram))
        return index[1]

    @property
    def n_text_features(self) -> int:
        n = len(self.char_.vocabulary_)
        return n + (len(self.word_.vocabulary_) if self.word_ is not None else 0)

    def feature_names(self, dense_names: list[str]) -> list[str]:
        names = []
        if self.word_ is not None:
            names += [f"w:{t}" for t in self.word_.get_feature_names_out()]
        names += [f"c:{t}" for t in self.char_.get_feature_names_out()]
        return names + dense_names

    def transform(self, docs: list[PreparedText], dense: np.ndarray | None = None,
                  lexicon: CueLexicon | None = None) -> sp.csr_matrix:
        lexicon = lexicon if self.cue_tokens else None
        blocks = []
        if self.word_ is not None:
            blocks.append(tfidf_block([word_counts(d, lexicon) for d in docs], self.word_.vocabulary_,
                                      self.word_.idf_))
        blocks.append(char_tfidf_block([d.feature_text for d in docs], self.char_index, self.char_.idf_))
        if dense is not None and dense.shape[1]:
            blocks.append(dense_block(dense))
        return hstack_blocks(blocks)

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        arrays = {}
        for name, vec in (("word", self.word_), ("char", self.char_)):
            if vec is None:
                continue
            terms = vec.get_feature_names_out()
            arrays[f"{prefix}{name}_vocab"] = np.asarray(terms, dtype=str)
            arrays[f"{prefix}{name}_idf"] = np.asarray(vec.idf_, dtype=np.float64)
        return arrays

    @classmethod
    def from_arrays(cls, config: dict, arrays: dict[str, np.ndarray], prefix: str = "") -> TextFeaturizer:
        self = cls(**{**config, "char_ngram": tuple(config["char_ngram"])})
        self.word_ = None
        for name in ("word", "char"):
            if f"{prefix}{name}_vocab" not in arrays:
                continue
            vec = _vectorizer(name, self.char_ngram, 1, None)
            terms = [str(t) for t in arrays[f"{prefix}{name}_vocab"]]
            vec.vocabulary_ = {t: i for i, t in enumerate(terms)}
            vec.idf_ = arrays[f"{prefix}{name}_idf"]
            setattr(self, f"{name}_", vec)
        return self
