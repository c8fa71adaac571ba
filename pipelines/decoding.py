"""Decode export bytes without guessing wrongly in silence.

Order: byte-order mark → strict UTF-8 → strict GB18030 (a superset of GBK/GB2312) accepted only when the
result reads as Chinese text → charset-normalizer's best guess under the same check. Anything else is
``Undecodable``. When a whole file fails, ``decode_lines`` keeps the lines that decode and hands back
the others, so one broken line does not sink a night's export.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections import Counter
from dataclasses import dataclass

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class Undecodable(ValueError):
    """The bytes are in no encoding we can read with confidence."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def _bad_char(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    cat = unicodedata.category(ch)
    return cat in ("Cc", "Co", "Cs", "Cn")


def plausible_text(text: str) -> bool:
    """True when ``text`` looks like real (Chinese or plain) text rather than mis-decoded bytes.

    Mis-decoding Latin-1, UTF-16 or random bytes as GB18030 yields control characters, unassigned code
    points and rare CJK characters outside GB2312; real Chinese text lies almost entirely inside GB2312.
    """
    if not text:
        return True
    counts = Counter(text)  # each distinct character is judged once (a whole export has a few thousand)
    if sum(n for c, n in counts.items() if _bad_char(c)) > max(1, len(text) // 1000):
        return False
    cjk = {c: n for c, n in counts.items() if "\u3400" <= c <= "\u9fff" or "\U00020000" <= c <= "\U0002ffff"}
    if not cjk:
        return True
    return sum(n for c, n in cjk.items() if _in_gb2312(c)) / sum(cjk.values()) >= 0.6


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def decode_bytes(data: bytes) -> Decoded:
    """Decode a whole file; raises ``Undecodable``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data.decode(encoding), encoding)
            except UnicodeDecodeError as exc:
                raise Undecodable(f"带 BOM 但不是有效的 {encoding}") from exc
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if plausible_text(text):
            return Decoded(text, "gb18030")
    except UnicodeDecodeError:
        pass
    return _charset_normalizer_guess(data)


def _charset_normalizer_guess(data: bytes) -> Decoded:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding not in ("utf_8", "gb18030"):
        text = str(best)
        if plausible_text(text) and _is_cjk_or_ascii_heavy(text):
            return Decoded(text, best.encoding)
    raise Undecodable("无法确定文字编码 (不是 UTF-8 / GBK / GB18030)")


def _is_cjk_or_ascii_heavy(text: str) -> bool:
    letters = [c for c in text if not c.isspace()]
    if not letters:
        return True
    good = sum(c.isascii() or "\u3000" <= c <= "\u9fff" or "\uff00" <= c <= "\uffef" for c in letters)
    return good / len(letters) >= 0.95


def decode_lines(data: bytes) -> tuple[Decoded, list[tuple[int, bytes]]]:
    """Decode line by line with the encoding most lines agree on.

    Returns the decoded good lines (joined) and the undecodable lines as ``(line_number, bytes)``.
    Raises ``Undecodable`` when fewer than half the non-empty lines decode.
    """
    lines = data.splitlines(keepends=True)
    if lines and lines[0].startswith(codecs.BOM_UTF8):
        lines[0] = lines[0][len(codecs.BOM_UTF8):]
    best: tuple[int, str, list[str], list[tuple[int, bytes]]] | None = None
    for encoding in ("utf-8", "gb18030"):
        good: list[str] = []
        bad: list[tuple[int, bytes]] = []
        for number, line in enumerate(lines, 1):
            try:
                text = line.decode(encoding)
            except UnicodeDecodeError:
                bad.append((number, line))
                continue
            if encoding == "gb18030" and not plausible_text(text):
                bad.append((number, line))
                continue
            good.append(text)
        if best is None or len(bad) < len(best[3]):
            best = (len(good), encoding, good, bad)
    assert best is not None
    nonempty = sum(1 for line in lines if line.strip())
    if nonempty == 0 or best[0] * 2 < nonempty:
        raise Undecodable("多数行无法解码")
    return Decoded("".join(best[2]), best[1]), best[3]
