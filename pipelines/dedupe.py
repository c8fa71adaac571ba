"""Near-duplicate detection: 64-bit SimHash over character shingles, 4×16-bit bands, Jaccard confirm.

All pure. The key text is the normalised *redacted* text with masks, spaces and punctuation removed, so
the same grievance typed by a call-centre agent and posted online lands on nearby fingerprints. Any two
fingerprints within Hamming distance 3 share at least one exact band (pigeonhole), and farther pairs
often still do; a candidate is confirmed when its Hamming distance and shingle Jaccard both pass.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from classifiers.normalise import t2s_chars

BANDS = 4
BAND_BITS = 16
_MASK64 = (1 << 64) - 1


# How a call-centre agent or a letter frames a grievance, and the person it is told in: dropped, so the
# caller's own online post and the agent's record of the call fingerprint alike.
FRAMING = re.compile(
    "来电人|市民来电|群众来电|来电称|来电|反映称|反映|联系人|联系电话|电话|诉求|要求|请求|希望|"
    "尊敬的领导|领导您好|此致敬礼|此致|敬礼|[他她我]们?"
)


@dataclass(frozen=True)
class DedupeConfig:
    shingle: int = 2
    max_hamming: int = 12
    min_jaccard: float = 0.5
    min_shingles: int = 8  # shorter texts ("测试", "111") never link
    window_days: int = 90


_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str]:
    """Traditional → simplified and full width → half width, as one ``str.translate`` table."""
    table = {ord(t): s for t, s in t2s_chars().items()}
    for code in range(0xFF01, 0xFF5F):
        table[code] = unicodedata.normalize("NFKC", chr(code))
    table[0x3000] = " "
    return table


def key_text(redacted_text: str) -> str:
    """Folded text without framing, masks, whitespace or punctuation (the fingerprinted form).

    The same folding as ``classifiers.normalise`` (NFKC width, traditional → simplified, lower case),
    done with one translation table because offsets are not needed here.
    """
    folded = _NOT_WORD.sub("", redacted_text.translate(_fold_table()).lower())
    return FRAMING.sub("", folded)


def _codes_with_segments(keys: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """All k-character shingles of all keys as exact 63-bit integers, with the index of their key.

    Keys are joined by NUL; a shingle spanning a NUL is dropped. Code points are < 2**21, so k <= 3
    characters pack exactly into one integer.
    """
    joined = "\0".join(keys)
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(cps) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    code = np.zeros(n, dtype=np.uint64)
    spans_nul = np.zeros(n, dtype=bool)
    for i in range(k):
        window = cps[i: n + i]
        code = (code << np.uint64(21)) | window
        spans_nul |= window == 0
    segment = np.concatenate(([0], np.cumsum(cps == 0)))[:n]
    keep = ~spans_nul
    return code[keep], segment[keep]


def shingle_codes(key: str, k: int = 2) -> np.ndarray:
    """Unique k-character shingles of one key."""
    return np.unique(_codes_with_segments([key], k)[0])


def shingle_set(redacted_text: str, config: DedupeConfig = DedupeConfig()) -> frozenset[int]:
    return frozenset(shingle_codes(key_text(redacted_text), config.shingle).tolist())


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: a well-spread 64-bit hash of each integer."""
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


_WEIGHTS = [1 << i for i in range(64)]


def _unique_shingles(redacted_texts: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct shingle codes of each text, sorted by (text index, code), with their text index."""
    keys = [key_text(t) for t in redacted_texts]
    codes, segment = _codes_with_segments(keys, k)
    order = np.lexsort((codes, segment))
    codes, segment = codes[order], segment[order]
    first = np.ones(len(codes), dtype=bool)
    first[1:] = (codes[1:] != codes[:-1]) | (segment[1:] != segment[:-1])
    return codes[first], segment[first]


def _simhash_rows(codes: np.ndarray, segment: np.ndarray, n: int) -> list[tuple[int, int]]:
    counts = np.bincount(segment, minlength=n)
    bits = np.unpackbits(_mix64(codes).view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    ones = np.zeros((n, 64), dtype=np.int64)
    np.add.at(ones, segment, bits) if len(codes) < 64 else _add_rows(ones, segment, bits, counts)
    signs = (ones * 2 > counts[:, None]).astype(np.uint8)
    packed = np.packbits(signs, axis=1, bitorder="little").view("<u8").ravel().tolist()
    return list(zip(packed, counts.tolist()))


def _code_sets(codes: np.ndarray, segment: np.ndarray, n: int) -> list[frozenset[int]]:
    bounds = np.searchsorted(segment, np.arange(n + 1)).tolist()
    flat = codes.tolist()
    return [frozenset(flat[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def simhashes(redacted_texts: Sequence[str], config: DedupeConfig = DedupeConfig()) -> list[tuple[int, int]]:
    """``(simhash, shingle count)`` of each text, computed for the whole batch at once.

    SimHash over the *set* of shingles (each counted once), so it agrees with the Jaccard confirm.
    """
    codes, segment = _unique_shingles(redacted_texts, config.shingle)
    return _simhash_rows(codes, segment, len(redacted_texts))


def shingle_sets(redacted_texts: Sequence[str], config: DedupeConfig = DedupeConfig()) -> list[frozenset[int]]:
    """``shingle_set`` of each text, computed for the whole batch at once."""
    codes, segment = _unique_shingles(redacted_texts, config.shingle)
    return _code_sets(codes, segment, len(redacted_texts))


def batch_fingerprints(redacted_texts: Sequence[str], config: DedupeConfig = DedupeConfig()
                       ) -> tuple[list[tuple[int, int]], list[frozenset[int]]]:
    """``simhashes`` and ``shingle_sets`` of a batch from one pass over the texts."""
    codes, segment = _unique_shingles(redacted_texts, config.shingle)
    n = len(redacted_texts)
    return _simhash_rows(codes, segment, n), _code_sets(codes, segment, n)


def _add_rows(out: np.ndarray, segment: np.ndarray, bits: np.ndarray, counts: np.ndarray) -> None:
    """Per-segment column sums of ``bits`` (rows sorted by segment) into ``out``."""
    nonempty = np.flatnonzero(counts)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))[nonempty]
    out[nonempty] = np.add.reduceat(bits, starts, axis=0, dtype=np.int32)


def simhash_codes(codes: np.ndarray) -> int:
    """SimHash (unsigned 64-bit) of a set of shingle codes; 0 for an empty set."""
    if codes.size == 0:
        return 0
    bits = np.unpackbits(_mix64(codes).view(np.uint8).reshape(-1, 8), axis=1, bitorder="little")
    positive = np.flatnonzero(bits.sum(axis=0, dtype=np.int64) * 2 > len(codes)).tolist()
    return sum(_WEIGHTS[i] for i in positive)


@dataclass(frozen=True)
class Fingerprint:
    simhash: int  # unsigned 64-bit
    codes: frozenset[int]

    @property
    def bands(self) -> tuple[int, ...]:
        return bands(self.simhash)


def fingerprint(redacted_text: str, config: DedupeConfig = DedupeConfig()) -> Fingerprint:
    codes = shingle_codes(key_text(redacted_text), config.shingle)
    return Fingerprint(simhash_codes(codes), frozenset(codes.tolist()))


def bands(h: int) -> tuple[int, ...]:
    """The ``BANDS`` (4) ``BAND_BITS`` (16) bit bands of a fingerprint, low bits first (``complaints.band0..3``)."""
    return h & 0xFFFF, (h >> 16) & 0xFFFF, (h >> 32) & 0xFFFF, (h >> 48) & 0xFFFF  # spelt out: a hot path


def to_signed(h: int) -> int:
    """Store an unsigned 64-bit fingerprint in a signed BIGINT column."""
    return h - (1 << 64) if h >= 1 << 63 else h


def to_unsigned(h: int) -> int:
    return h & _MASK64


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & _MASK64).bit_count()


def pack_codes(codes: Iterable[int]) -> array:
    """A shingle set packed to keep: its codes sorted, 8 bytes each (a frozenset takes ~70 per code)."""
    return array("Q", sorted(codes))


def jaccard(a: Iterable[int], b: Iterable[int]) -> float:
    """Jaccard similarity of two shingle sets (sets, ``pack_codes`` arrays, or any iterables of codes)."""
    sa = a if isinstance(a, (set, frozenset)) else set(a)
    sb = b if isinstance(b, (set, frozenset, array)) else set(b)  # a packed array holds each code once
    if not sa and not sb:
        return 1.0
    common = len(sa.intersection(sb))
    return common / (len(sa) + len(sb) - common)


@dataclass(frozen=True)
class Candidate:
    complaint_id: int | None
    case_id: int | str  # a stored case id, or the slot of a case opened earlier in the same batch
    simhash: int
    codes: frozenset[int] | array | None = None  # only for candidates that pass the Hamming test


def near(a: int, b: int, config: DedupeConfig) -> bool:
    return hamming(a, b) <= config.max_hamming


def best_match(fp: Fingerprint, candidates: Sequence[Candidate], config: DedupeConfig) -> Candidate | None:
    """The confirmed candidate with the highest Jaccard similarity, or None."""
    if len(fp.codes) < config.min_shingles:
        return None
    best: tuple[float, Candidate] | None = None
    for cand in candidates:
        if cand.codes is None or not near(fp.simhash, cand.simhash, config):
            continue
        score = jaccard(fp.codes, cand.codes)
        if score >= config.min_jaccard and (best is None or score > best[0]):
            best = (score, cand)
    return best[1] if best else None
