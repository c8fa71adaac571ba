"""Human labels as training and evaluation data.

Only labels with a human provenance (``human_confirmed``, ``human_corrected``) are ever read here: the
model's own labels (``provenance = model``) never become training data. For each item the newest human
label of a task wins. The newest ``fraction`` of those items is held out of training and used to compare
a candidate with PRODUCTION on recent data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingfeng.codes import Provenance
from qingfeng.storage.tables import Label

HUMAN_PROVENANCES: tuple[str, ...] = (Provenance.human_confirmed.value, Provenance.human_corrected.value)
TASKS = ("categories", "agencies")


@dataclass(frozen=True)
class HumanExample:
    label_id: int
    complaint_id: int
    channel: str | None
    text: str  # redacted
    labels: tuple[str, ...]
    provenance: str
    annotator: str | None
    created_at: datetime


def read_human_examples(session: Session, task: str) -> list[HumanExample]:
    """The newest human label per complaint for ``task``, oldest first."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; expected one of {TASKS}")
    rows = session.scalars(select(Label).where(Label.task == task, Label.complaint_id.is_not(None),
                                               Label.provenance.in_(HUMAN_PROVENANCES))
                           .order_by(Label.created_at, Label.id)).all()
    newest: dict[int, Label] = {}
    for row in rows:
        newest[row.complaint_id] = row  # later rows overwrite earlier ones
    return sorted((_example(r) for r in newest.values()), key=lambda e: (e.created_at, e.label_id))


def _example(row: Label) -> HumanExample:
    value = row.value if isinstance(row.value, list) else []
    return HumanExample(row.id, row.complaint_id, row.channel, row.text, tuple(sorted(str(v) for v in value)),
                        row.provenance, row.annotator, row.created_at)


def read_examples_by_id(session: Session, label_ids: Iterable[int]) -> list[HumanExample]:
    ids = list(label_ids)
    if not ids:
        return []
    rows = session.scalars(select(Label).where(Label.id.in_(ids), Label.provenance.in_(HUMAN_PROVENANCES))).all()
    return sorted((_example(r) for r in rows), key=lambda e: (e.created_at, e.label_id))


def split_recent(examples: Sequence[HumanExample], fraction: float) -> tuple[list[HumanExample], list[HumanExample]]:
    """(train, holdout): the newest ``round(fraction · n)`` examples are held out."""
    ordered = sorted(examples, key=lambda e: (e.created_at, e.label_id))
    n_holdout = min(len(ordered), int(math.floor(fraction * len(ordered) + 0.5))) if fraction > 0 else 0
    cut = len(ordered) - n_holdout
    return ordered[:cut], ordered[cut:]


def _fingerprint(text: str) -> str:
    return "".join(text.split())


def drop_overlap(examples: Sequence[HumanExample], texts: Iterable[str]) -> tuple[list[HumanExample], int]:
    """Leave out examples whose text (whitespace ignored) equals one of ``texts`` (the fixed test split)."""
    seen = {_fingerprint(t) for t in texts}
    kept = [e for e in examples if _fingerprint(e.text) not in seen]
    return kept, len(examples) - len(kept)


def labels_digest(examples: Sequence[HumanExample]) -> str:
    """A stable hash of the human examples used (for the version's data hash)."""
    import hashlib

    digest = hashlib.sha256()
    for e in sorted(examples, key=lambda e: e.label_id):
        digest.update(f"{e.label_id}\t{','.join(e.labels)}\n".encode())
    return digest.hexdigest()
