"""Word segmentation with a per-instance ``jieba.Tokenizer`` and the domain user dictionary.

Never touches jieba's process-wide default tokenizer. The dictionary loads lazily on first use.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path


class Segmenter:
    """Segments text into ``(word, start, end)`` tokens with character offsets."""

    def __init__(self, user_dict: str | Path | None = None, *, hmm: bool = True) -> None:
        self.user_dict = Path(user_dict) if user_dict else None
        self.hmm = hmm
        self._tokenizer = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        return {"user_dict": self.user_dict, "hmm": self.hmm}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["user_dict"], hmm=state["hmm"])

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            with self._lock:
                if self._tokenizer is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    if self.user_dict is not None:
                        tok.load_userdict(str(self.user_dict))
                    self._tokenizer = tok
        return self._tokenizer

    def tokens(self, text: str) -> list[tuple[str, int, int]]:
        """``(word, start, end)`` for every non-space word (what ``Tokenizer.tokenize`` gives, one layer less)."""
        out = []
        start = 0
        for word in self.tokenizer.cut(text, HMM=self.hmm):
            end = start + len(word)
            if not word.isspace():
                out.append((word, start, end))
            start = end
        return out

    def words(self, text: str) -> list[str]:
        return [w for w in self.tokenizer.cut(text, HMM=self.hmm) if not w.isspace()]


def read_user_dict(path: str | Path) -> list[tuple[str, int | None, str | None]]:
    """Parse a jieba user dictionary (``词语 [词频] [词性]``); raises ``ValueError`` on a bad line."""
    entries = []
    for lineno, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 3:
            raise ValueError(f"{path}:{lineno}: expected '词语 [词频] [词性]', got {raw!r}")
        freq = None
        if len(parts) >= 2:
            if not parts[1].isdigit():
                raise ValueError(f"{path}:{lineno}: frequency must be an integer, got {parts[1]!r}")
            freq = int(parts[1])
        entries.append((parts[0], freq, parts[2] if len(parts) == 3 else None))
    return entries
