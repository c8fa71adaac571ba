"""Cue lexicon: everyday expressions per group, matched with one Aho-Corasick automaton.

A cue found with a negation word shortly before it in the same clause is reported as negated
(``不太满意`` → ``满意`` negated; ``没什么不满意`` → ``不满意`` negated). Matching is leftmost-longest and
non-overlapping, on normalised text, and every match is a :class:`~classifiers.spans.Span`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifiers.spans import Span

CLAUSE_BREAKS = frozenset("，,。.!！?？;；:：\n、…~“”\"'‘’（）()")
QUOTE_PAIRS = {"“": "”", "‘": "’", '"': '"', "'": "'", "「": "」", "『": "』"}


@dataclass(frozen=True)
class CueMatch:
    span: Span  # label = group name
    negated: bool
    quoted: bool


class CueLexicon:
    """Groups of cue words (``group -> [cue, ...]``) plus the negation words and window."""

    def __init__(self, groups: dict[str, list[str]], negation_words: list[str], negation_window: int = 4) -> None:
        self.groups = {g: sorted(set(words)) for g, words in sorted(groups.items())}
        self.negation_words = tuple(sorted(set(negation_words), key=len, reverse=True))
        self.negation_window = negation_window
        self._automaton = None
        self.key = hash((tuple(self.groups), tuple(len(w) for w in self.groups.values()), self.negation_words))

    @property
    def group_names(self) -> list[str]:
        return list(self.groups)

    @property
    def automaton(self):
        if self._automaton is None:
            import ahocorasick

            auto = ahocorasick.Automaton()
            index: dict[str, list[str]] = {}
            for group, words in self.groups.items():
                for word in words:
                    index.setdefault(word, []).append(group)
            for word, groups in index.items():
                auto.add_word(word, (word, tuple(groups)))
            auto.make_automaton()
            self._automaton = auto
        return self._automaton

    def _is_negated(self, text: str, start: int) -> bool:
        lo = max(0, start - self.negation_window)
        window = text[lo:start]
        for i in range(len(window) - 1, -1, -1):
            if window[i] in CLAUSE_BREAKS:
                window = window[i + 1:]
                break
        return any(w in window for w in self.negation_words)

    @staticmethod
    def _is_quoted(text: str, start: int, end: int) -> bool:
        if start == 0 or end >= len(text):
            return False
        opener = text[start - 1]
        return opener in QUOTE_PAIRS and text[end] == QUOTE_PAIRS[opener]

    def find(self, text: str) -> list[CueMatch]:
        """Leftmost-longest, non-overlapping cue matches; one match per group a cue belongs to."""
        if not text or not self.groups:
            return []
        found = []
        for end_idx, (word, groups) in self.automaton.iter(text):
            start = end_idx - len(word) + 1
            found.append((start, end_idx + 1, word, groups))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        matches: list[CueMatch] = []
        last_end = -1
        for start, end, word, groups in found:
            if start < last_end:
                continue
            last_end = end
            negated = self._is_negated(text, start)
            quoted = self._is_quoted(text, start, end)
            matches.extend(CueMatch(Span(start, end, g, word), negated, quoted) for g in groups)
        return matches

    def counts(self, text: str) -> dict[str, tuple[int, int, int]]:
        """Per group: (plain matches, negated matches, quoted matches)."""
        out = {g: [0, 0, 0] for g in self.groups}
        for m in self.find(text):
            row = out[m.span.label]
            row[1 if m.negated else 0] += 1
            row[2] += int(m.quoted)
        return {g: (a, b, c) for g, (a, b, c) in out.items()}


def read_cue_file(path: str | Path) -> dict:
    """The parsed cue YAML (raises ``ValueError`` when a section has the wrong shape)."""
    import yaml

    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    for section in ("categories", "agencies", "sentiment"):
        value = doc.get(section, {})
        if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
            raise ValueError(f"{path}: section {section!r} must map group names to word lists")
    if not isinstance(doc.get("out_of_scope", []), list):
        raise ValueError(f"{path}: 'out_of_scope' must be a word list")
    return doc


def lexicon_from_cues(doc: dict, sections: tuple[str, ...]) -> CueLexicon:
    """A lexicon over some sections of a cue document (``out_of_scope`` becomes one group)."""
    groups: dict[str, list[str]] = {}
    for section in sections:
        value = doc.get(section) or {}
        if isinstance(value, list):
            groups[section] = [str(w) for w in value]
        else:
            for group, words in value.items():
                groups[f"{section}.{group}"] = [str(w) for w in words]
    return CueLexicon(groups, [str(w) for w in doc.get("negation_words", [])], int(doc.get("negation_window", 4)))
