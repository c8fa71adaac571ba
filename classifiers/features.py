"""Text → feature matrix: word TF-IDF, character n-gram TF-IDF and dense cue counts.

Texts are prepared once (normalise → redact → mask sub-unit place names → segment) and the same
:class:`PreparedText` feeds every model. The fitted featuriser is stored as plain arrays (vocabulary as a
unicode array, idf as floats), never as a pickle.
"""

from __future__ import annotations

import threading
from collections import Counter
from itertools import chain, repeat
from dataclasses import dataclass, field
from operator import itemgetter
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
    words = list(map(itemgetter(0), doc.tokens))
    terms = words + list(map(" ".join, zip(words, words[1:])))
    if lexicon is not None:
        terms += cue_words(doc, lexicon)
    return terms


def cue_words(doc: PreparedText, lexicon: CueLexicon) -> list[str]:
    """One pseudo-word per cue match: ``CUE:<group>``, or ``NEGCUE:<group>`` when negated."""
    return [(NEGATED_CUE_PREFIX if m.negated else CUE_PREFIX) + m.span.label for m in cue_matches(doc, lexicon)]


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
            counts.update(cue_words(doc, lexicon))
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
    return _tfidf(rows[keep], ids[keep], np.asarray(counts_flat, dtype=np.float64)[keep], idf, len(count_rows))


def _tfidf(rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, idf: np.ndarray, n_rows: int) -> SparseBlock:
    """Sublinear TF × IDF with L2-normalised rows, from (row, column, count) triples (one per distinct term)."""
    values = (1.0 + np.log(counts.astype(np.float64, copy=False))) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    norms[norms == 0] = 1.0
    return SparseBlock(rows, cols, values / norms[rows], n_rows, len(idf))


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


def char_ngram_hits(texts: list[str], codes: np.ndarray, ngram: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(text index, position in ``codes``) of every character n-gram of ``texts`` found in the sorted
    ``codes``, vectorised over the whole batch: the texts are joined by U+0000, n-grams across a joint (or
    holding a U+0000, which ``normalise`` never leaves) are dropped, codes are looked up by binary search."""
    joined = "\x00".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)) + 1
    doc_of = np.repeat(np.arange(len(texts)), lengths)[:len(points)]  # the text of each position (joint: its left)
    length = len(points)
    if not len(codes):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    zero = points == 0
    gram_parts, row_parts = [], []
    for n in range(ngram[0], ngram[1] + 1):
        if length < n:
            continue
        m = length - n + 1
        grams = points[:m].copy()
        bad = zero[:m].copy()
        for k in range(1, n):
            grams <<= np.uint64(_CODE_BITS)
            grams |= points[k:k + m]
            bad |= zero[k:k + m]
        keep = ~bad
        gram_parts.append(grams[keep])
        row_parts.append(doc_of[:m][keep])
    if not gram_parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    grams, rows = np.concatenate(gram_parts), np.concatenate(row_parts)
    at = np.searchsorted(codes, grams)  # all n at once: one binary search pass for the batch
    np.minimum(at, len(codes) - 1, out=at)
    found = codes[at] == grams
    return rows[found], at[found]


def _count_pairs(rows: np.ndarray, ids: np.ndarray, n_ids: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (row, id) pairs, sorted by row, with their counts."""
    keys, counts = np.unique(rows * n_ids + ids, return_counts=True)
    return keys // n_ids, keys % n_ids, counts


def char_tfidf_block(texts: list[str], index: CharNgramIndex, idf: np.ndarray) -> SparseBlock:
    """:func:`tfidf_block` over the character n-grams of ``texts`` (see :func:`char_ngram_hits`).
    Same numbers as sklearn's ``TfidfVectorizer(analyzer="char")`` (a test compares them), without a
    Python-level string per n-gram."""
    rows, at = char_ngram_hits(texts, index.codes, index.ngram)
    rows, cols, counts = _count_pairs(rows, index.columns[at], len(idf))
    return _tfidf(rows, cols, counts, idf, len(texts))


class SharedVocabulary:
    """The vocabularies of several fitted featurisers joined, so that a batch's words and character n-grams
    are looked up once for all of them (the triager's categories and agencies models read the same texts).

    The last batch's terms are kept as (rows, union ids, counts), per thread, while the next featuriser reads
    the same batch; each featuriser maps union ids to its own columns with one array index. The numbers are
    those of each featuriser alone (a test compares them). Attaching sets ``featurizer.shared_``; refitting a
    featuriser detaches it.
    """

    def __init__(self, featurizers: list[TextFeaturizer]) -> None:
        self._memo = threading.local()
        words: dict[str, int] = {}
        for f in featurizers:
            if f.word_ is not None:
                for term in f.word_.vocabulary_:
                    words.setdefault(term, len(words))
        self.word_ids = words
        self.char_codes = np.unique(np.concatenate([f.char_index.codes for f in featurizers]))
        self.ngram = (min(f.char_ngram[0] for f in featurizers), max(f.char_ngram[1] for f in featurizers))
        for f in featurizers:
            word_cols = np.full(len(words), -1, dtype=np.int64)
            if f.word_ is not None:
                vocab = f.word_.vocabulary_
                ids = np.fromiter(map(words.__getitem__, vocab), dtype=np.int64, count=len(vocab))
                word_cols[ids] = np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab))
            char_cols = np.full(len(self.char_codes), -1, dtype=np.int64)
            char_cols[np.searchsorted(self.char_codes, f.char_index.codes)] = f.char_index.columns
            f.shared_ = SharedColumns(self, word_cols, char_cols)

    def _batch_memo(self, docs: list[PreparedText]) -> dict:
        """This thread's memo for ``docs``: the same list of docs (by identity) as the last call, or a new one.
        It holds the docs themselves, so no id can be reused while it lives."""
        entry = getattr(self._memo, "entry", None)
        if entry is None or len(entry[0]) != len(docs) or any(a is not b for a, b in zip(entry[0], docs)):
            entry = self._memo.entry = (tuple(docs), {})
        return entry[1]

    def word_terms(self, docs: list[PreparedText]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, union ids, counts) of the batch's words and bigrams, without cue pseudo-words."""
        memo = self._batch_memo(docs)
        if "words" not in memo:
            counts = [word_counts(d) for d in docs]
            terms = list(chain.from_iterable(counts))  # chained in C, no Python frame per term
            ids = np.fromiter(map(self.word_ids.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
            values = np.fromiter(chain.from_iterable([c.values() for c in counts]), dtype=np.float64,
                                 count=len(terms))
            rows = np.repeat(np.arange(len(docs)), [len(c) for c in counts])
            keep = ids >= 0
            memo["words"] = (rows[keep], ids[keep], values[keep])
        return memo["words"]

    def char_terms(self, docs: list[PreparedText]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, union ids, counts) of the batch's character n-grams."""
        memo = self._batch_memo(docs)
        if "chars" not in memo:
            rows, at = char_ngram_hits([d.feature_text for d in docs], self.char_codes, self.ngram)
            memo["chars"] = _count_pairs(rows, at, len(self.char_codes))
        return memo["chars"]


class SharedColumns(NamedTuple):
    """One featuriser's view of a :class:`SharedVocabulary`: union id → its column (−1 = not its term)."""

    vocabulary: SharedVocabulary
    word_cols: np.ndarray
    char_cols: np.ndarray


def _shared_block(terms: tuple[np.ndarray, np.ndarray, np.ndarray], cols_of: np.ndarray, idf: np.ndarray,
                  n_rows: int, extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> SparseBlock:
    """TF-IDF rows from a batch's (rows, union ids, counts) mapped through ``cols_of``; ``extra`` adds
    (rows, columns, counts) already in this featuriser's space (the cue pseudo-words)."""
    rows, ids, counts = terms
    cols = cols_of[ids]
    keep = cols >= 0
    rows, cols, counts = rows[keep], cols[keep], counts[keep]
    if extra is not None and len(extra[0]):
        rows, cols, counts = (np.concatenate([a, b]) for a, b in zip((rows, cols, counts), extra))
    return _tfidf(rows, cols, counts, idf, n_rows)


def _cue_terms(docs: list[PreparedText], vocabulary: dict[str, int], lexicon: CueLexicon
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rows, columns, counts) of the cue pseudo-words of ``word_terms`` in this featuriser's vocabulary."""
    rows, cols, counts = [], [], []
    for i, d in enumerate(docs):
        for term, n in Counter(cue_words(d, lexicon)).items():
            col = vocabulary.get(term)
            if col is not None:
                rows.append(i)
                cols.append(col)
                counts.append(n)
    return np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64), np.asarray(counts, dtype=np.float64)


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
        self.shared_: SharedColumns | None = None

    def config(self) -> dict:
        return {"char_ngram": list(self.char_ngram), "word_min_df": self.word_min_df,
                "char_min_df": self.char_min_df, "max_features": self.max_features,
                "cue_weight": self.cue_weight, "use_words": self.use_words, "cue_tokens": self.cue_tokens}

    def fit(self, docs: list[PreparedText], lexicon: CueLexicon | None = None) -> TextFeaturizer:
        """``lexicon`` adds cue pseudo-words (used only when ``cue_tokens`` is on)."""
        lexicon = lexicon if self.cue_tokens else None
        self.shared_ = None
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
        shared = self.shared_
        if shared is not None:
            if self.word_ is not None:
                cues = _cue_terms(docs, self.word_.vocabulary_, lexicon) if lexicon is not None else None
                blocks.append(_shared_block(shared.vocabulary.word_terms(docs), shared.word_cols, self.word_.idf_,
                                            len(docs), cues))
            blocks.append(_shared_block(shared.vocabulary.char_terms(docs), shared.char_cols, self.char_.idf_, len(docs)))
        else:
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
