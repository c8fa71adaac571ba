"""Character-offset spans: the evidence format for lexicon matches, agency mentions and redacted PII."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Span:
    """``text[start:end]`` carries ``label``; offsets are into the text the caller handed in."""

    start: int
    end: int
    label: str
    text: str

    def as_dict(self) -> dict:
        # by hand: dataclasses.asdict deep-copies recursively, and this runs for every evidence span served
        return {"start": self.start, "end": self.end, "label": self.label, "text": self.text}


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def merge_overlapping(spans: list[Span]) -> list[Span]:
    """Keep the earliest-starting, then longest span of each overlapping group."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if kept and overlaps(kept[-1], span):
            continue
        kept.append(span)
    return kept
