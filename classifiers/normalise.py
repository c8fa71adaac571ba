"""Text normalisation with an offset map back to the original text.

NFKC (full width → half width), traditional → simplified (character level, so offsets stay exact),
lower-cased Latin letters, whitespace runs collapsed, runs of repeated punctuation collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

_PUNCT_RUN = set("!?！？。，,.~～…、;；:：-—=+*#＊")


@dataclass(frozen=True)
class Normalised:
    text: str
    offsets: tuple[int, ...]  # offsets[i] = index in the original text of normalised char i

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a [start, end) span of the normalised text back onto the original text."""
        if start >= end:
            pos = self.offsets[start] if start < len(self.offsets) else (self.offsets[-1] + 1 if self.offsets else 0)
            return pos, pos
        return self.offsets[start], self.offsets[end - 1] + 1


@lru_cache(maxsize=1)
def t2s_chars() -> dict[str, str]:
    """One-to-one traditional → simplified character map from OpenCC's TSCharacters dictionary."""
    import opencc  # opencc-python-reimplemented ships the OpenCC dictionaries

    path = Path(opencc.__file__).resolve().parent / "dictionary" / "TSCharacters.txt"
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 1 and len(parts[1]) == 1:
            table[parts[0]] = parts[1]
    return table


def _char_form(ch: str, t2s: dict[str, str]) -> str:
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) != 1:
        folded = ch
    folded = t2s.get(folded, folded)
    return folded.lower() if folded.isascii() else folded


_SPACE = " "


class _FoldTable(dict):
    """``str.translate`` table: code point → its normalised character (``" "`` for space and control
    characters). Filled on first sight of a character (a pure function of it), so translation runs in C."""

    def __missing__(self, code: int) -> str:
        c = _char_form(chr(code), t2s_chars())
        if c.isspace() or unicodedata.category(c) in ("Cc", "Cf"):
            c = _SPACE
        if len(self) < 200_000:
            self[code] = c
        return c


_FOLD = _FoldTable()
_NEEDS_COLLAPSE = re.compile("  |^ | $|([" + re.escape("".join(sorted(_PUNCT_RUN))) + "])\\1")


def normalise(text: str) -> Normalised:
    """Normalise ``text``; every output character remembers where it came from."""
    folded = text.translate(_FOLD)  # one character for one character: offsets unchanged so far
    if not _NEEDS_COLLAPSE.search(folded):
        return Normalised(folded, tuple(range(len(folded))))
    out: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(folded):
        if c == _SPACE:
            if out and out[-1] != " ":
                out.append(" ")
                offsets.append(i)
            continue
        if c in _PUNCT_RUN and out and out[-1] == c:
            continue
        out.append(c)
        offsets.append(i)
    if out and out[-1] == " ":
        out.pop()
        offsets.pop()
    if out and out[0] == " ":
        out.pop(0)
        offsets.pop(0)
    return Normalised("".join(out), tuple(offsets))


def normalise_text(text: str) -> str:
    return normalise(text).text
