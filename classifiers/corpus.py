"""Reading the labelled corpus (data/corpus/…/{train,test}.jsonl) into typed records."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Complaint:
    id: str
    channel: str | None
    text: str
    categories: tuple[str, ...]
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class SurveyAnswer:
    id: str
    unit: str | None
    text: str
    sentiment: str
    aspects: tuple[str, ...]
    score: float | None = None


def _read_jsonl(path: Path) -> list[dict]:
    rows = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: not JSON ({exc.msg})") from exc
    return rows


def complaint_paths(corpus_dir: Path, split: str) -> list[Path]:
    return [Path(corpus_dir) / "complaints" / f"{split}.jsonl"]


def survey_paths(corpus_dir: Path, split: str) -> list[Path]:
    return [Path(corpus_dir) / "survey" / f"{split}.jsonl"]


def read_complaints(corpus_dir: Path, split: str) -> list[Complaint]:
    out = []
    for path in complaint_paths(corpus_dir, split):
        for r in _read_jsonl(path):
            out.append(Complaint(str(r["id"]), r.get("channel"), str(r["text"]),
                                 tuple(r.get("categories") or ()), tuple(r.get("agencies") or ())))
    return out


def read_survey(corpus_dir: Path, split: str) -> list[SurveyAnswer]:
    out = []
    for path in survey_paths(corpus_dir, split):
        for r in _read_jsonl(path):
            out.append(SurveyAnswer(str(r["id"]), r.get("unit"), str(r["text"]), str(r["sentiment"]),
                                    tuple(r.get("aspects") or ()), r.get("score")))
    return out


def label_matrix(label_sets: list[tuple[str, ...]], labels: list[str]) -> np.ndarray:
    index = {lab: i for i, lab in enumerate(labels)}
    Y = np.zeros((len(label_sets), len(labels)), dtype=np.int8)
    for row, labs in enumerate(label_sets):
        for lab in labs:
            if lab in index:
                Y[row, index[lab]] = 1
    return Y
