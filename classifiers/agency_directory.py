"""The agency directory (data/agencies.yaml) as a dictionary tagger.

Every name, alias, sub-unit (and its aliases), role word and generic unit word becomes an Aho-Corasick
entry. A mention is "in passing" when it is tagged (``@政法委``) or is the place the citizen turned to for
help (an appeal marker before it and a petition verb after it in the same clause: ``我去找了政法委反映``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from classifiers.lexicon import CLAUSE_BREAKS
from classifiers.spans import Span

MENTION_KINDS = ("name", "sub_unit", "role", "generic")
PETITION_VERBS = ("反映", "求助", "投诉", "举报", "申诉", "控告", "信访", "写信", "寄信", "咨询", "问问", "说明情况")
APPEAL_WINDOW = 6
PLACE_NAMED_UNITS = ("派出所", "司法所", "人民法庭")


@dataclass(frozen=True)
class Mention:
    span: Span  # label = agency code, text = the matched surface form
    kind: str  # one of MENTION_KINDS
    sub_unit: str | None
    passing: bool


@dataclass(frozen=True)
class AgencyEntry:
    code: str
    name_zh: str
    handlers: tuple[dict, ...]


class AgencyDirectory:
    def __init__(self, doc: dict) -> None:
        self.district = str(doc.get("district", ""))
        self.entries: dict[str, AgencyEntry] = {}
        self.surface: dict[str, tuple[str, str, str | None]] = {}  # word -> (code, kind, sub_unit)
        for agency in doc.get("agencies", []):
            code = agency["code"]
            self.entries[code] = AgencyEntry(code, agency["name_zh"], tuple(agency.get("handlers", [])))
            self._add(agency["name_zh"], code, "name", None)
            for alias in agency.get("aliases", []):
                self._add(alias, code, "name", None)
            for unit in agency.get("sub_units", []):
                for form in [unit["name"], *unit.get("aliases", [])]:
                    self._add(form, code, "sub_unit", unit["name"])
            for word in agency.get("role_words", []):
                self._add(word, code, "role", None)
            for word in agency.get("generic_unit_words", []):
                self._add(word, code, "generic", None)
        markers = doc.get("passing_markers", {}) or {}
        self.appeal_markers = tuple(sorted(markers.get("appeal", []), key=len, reverse=True))
        self.tag_prefixes = tuple(markers.get("tag_prefix", ["@"]))
        self._automaton = None

    def _add(self, word: str, code: str, kind: str, sub_unit: str | None) -> None:
        word = str(word)
        if word and word not in self.surface:  # first (most specific) definition wins
            self.surface[word] = (code, kind, sub_unit)

    @classmethod
    def from_yaml(cls, path: str | Path) -> AgencyDirectory:
        """Load a directory file, validated against the shared schema (a broken file fails loudly)."""
        from qingfeng.directory import load_agencies

        return cls(load_agencies(Path(path)).model_dump())

    @property
    def codes(self) -> list[str]:
        return sorted(self.entries)

    @property
    def automaton(self):
        if self._automaton is None:
            import ahocorasick

            auto = ahocorasick.Automaton()
            for word, value in self.surface.items():
                auto.add_word(word, (word, *value))
            auto.make_automaton()
            self._automaton = auto
        return self._automaton

    def sub_unit_forms(self) -> list[str]:
        return [w for w, (_, kind, _) in self.surface.items() if kind == "sub_unit"]

    def _clause_before(self, text: str, start: int, width: int) -> str:
        window = text[max(0, start - width):start]
        for i in range(len(window) - 1, -1, -1):
            if window[i] in CLAUSE_BREAKS:
                return window[i + 1:]
        return window

    def _clause_after(self, text: str, end: int, width: int) -> str:
        window = text[end:end + width]
        for i, ch in enumerate(window):
            if ch in CLAUSE_BREAKS:
                return window[:i]
        return window

    def is_passing(self, text: str, start: int, end: int) -> bool:
        before = text[max(0, start - 1):start]
        if before and before in self.tag_prefixes:
            return True
        clause = self._clause_before(text, start, APPEAL_WINDOW)
        if not any(m in clause for m in self.appeal_markers):
            return False
        after = self._clause_after(text, end, APPEAL_WINDOW + 2)
        return any(v in after for v in PETITION_VERBS)

    def mentions(self, text: str) -> list[Mention]:
        """Leftmost-longest, non-overlapping agency mentions in ``text``."""
        if not text:
            return []
        found = []
        for end_idx, (word, code, kind, sub_unit) in self.automaton.iter(text):
            found.append((end_idx - len(word) + 1, end_idx + 1, word, code, kind, sub_unit))
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        out: list[Mention] = []
        last_end = -1
        for start, end, word, code, kind, sub_unit in found:
            if start < last_end:
                continue
            last_end = end
            out.append(Mention(Span(start, end, code, word), kind, sub_unit, self.is_passing(text, start, end)))
        return out

    def handler(self, code: str, serious: bool) -> str | None:
        """Who handles a complaint against ``code``: the 派驻纪检组 for serious matters, else the first one."""
        entry = self.entries.get(code)
        if entry is None or not entry.handlers:
            return None
        if serious:
            for h in entry.handlers:
                if h.get("role") == "派驻纪检组":
                    return str(h["name_zh"])
        return str(entry.handlers[0]["name_zh"])


def mask_sub_unit_names(text: str, mentions: list[Mention] | tuple[Mention, ...]) -> str:
    """Replace the place part of named sub-units with ``某`` (same length), e.g. 红星派出所 → 某某派出所.

    Keeps the category features independent of which station or tribunal is named.
    """
    if not text:
        return text
    chars = list(text)
    generic_tails = ("派出所", "司法所", "人民法庭", "法庭", "所")
    for m in mentions:
        if m.kind != "sub_unit" or not (m.sub_unit or "").endswith(PLACE_NAMED_UNITS):
            continue
        word = m.span.text
        for tail in generic_tails:
            if word.endswith(tail) and len(word) > len(tail):
                for i in range(m.span.start, m.span.end - len(tail)):
                    chars[i] = "某"
                break
    return "".join(chars)
