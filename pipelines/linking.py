"""Case linking: each new complaint joins the case of a confirmed near-duplicate, or opens a new case.

Candidates come from the banded SimHash index (``complaints.band0..band3``) within the dedupe window,
plus the earlier complaints of the same batch; a candidate is confirmed by Hamming distance and shingle
Jaccard (``pipelines.dedupe.best_match``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pipelines.dedupe import (
    BANDS,
    Candidate,
    DedupeConfig,
    Fingerprint,
    bands,
    best_match,
    near,
    shingle_sets,
    to_unsigned,
)
from pipelines.sql import batched
from qingfeng.storage.tables import Complaint

_BAND_COLUMNS = (Complaint.band0, Complaint.band1, Complaint.band2, Complaint.band3)


class CaseLinker:
    """Links one batch. ``link`` returns, per item, an existing case id (int) or a new-case slot (str)."""

    def __init__(self, session: Session, config: DedupeConfig) -> None:
        self.session = session
        self.config = config

    def _stored_candidates(self, fingerprints: Sequence[tuple[int, int]],
                           received: Sequence[datetime]) -> list[tuple[Candidate, datetime]]:
        wanted = [set() for _ in range(BANDS)]
        for simhash, count in fingerprints:
            if count >= self.config.min_shingles:
                for k, value in enumerate(bands(simhash)):
                    wanted[k].add(value)
        if not wanted[0]:
            return []
        window = timedelta(days=self.config.window_days)
        query = (select(Complaint.id, Complaint.case_id, Complaint.simhash, Complaint.received_at)
                 .where(or_(*(col.in_(sorted(values)) for col, values in zip(_BAND_COLUMNS, wanted))))
                 .where(Complaint.received_at >= min(received) - window)
                 .where(Complaint.received_at <= max(received) + window)
                 .where(Complaint.simhash.is_not(None)))
        return [(Candidate(cid, case_id, to_unsigned(h)), at) for cid, case_id, h, at in self.session.execute(query)
                if case_id is not None]

    def _with_codes(self, candidates: list[Candidate]) -> dict[int, Candidate]:
        """Shingle sets of the stored candidates that passed the Hamming test (one query)."""
        if not candidates:
            return {}
        ids = sorted({c.complaint_id for c in candidates if c.complaint_id is not None})
        texts: dict[int, str] = {}
        for part in batched(ids, 500):
            texts.update(tuple(r) for r in self.session.execute(
                select(Complaint.id, Complaint.text).where(Complaint.id.in_(part))))
        found = list(texts)
        codes = dict(zip(found, shingle_sets([texts[cid] for cid in found], self.config)))
        return {c.complaint_id: Candidate(c.complaint_id, c.case_id, c.simhash, codes[c.complaint_id])
                for c in candidates if c.complaint_id in texts}

    def link(self, texts: Sequence[str], received: Sequence[datetime], fingerprints: Sequence[tuple[int, int]],
             code_sets: Sequence[frozenset[int]] | None = None) -> list[int | str]:
        """``code_sets``: the texts' shingle sets when the caller has them (``dedupe.batch_fingerprints``)."""
        cfg = self.config
        window = timedelta(days=cfg.window_days)
        stored = self._stored_candidates(fingerprints, received) if texts else []
        stored_index: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]
        for n, (cand, _) in enumerate(stored):
            for k, value in enumerate(bands(cand.simhash)):
                stored_index[k].setdefault(value, []).append(n)

        def band_hits(index: list[dict[int, list[int]]], simhash: int) -> set[int]:
            return {n for k, value in enumerate(bands(simhash)) for n in index[k].get(value, ())}

        hits: list[list[Candidate]] = []
        for (simhash, count), at in zip(fingerprints, received):
            if count < cfg.min_shingles:
                hits.append([])
                continue
            hits.append([stored[n][0] for n in sorted(band_hits(stored_index, simhash))
                         if abs(stored[n][1] - at) <= window and near(simhash, stored[n][0].simhash, cfg)])
        coded = self._with_codes([c for found in hits for c in found])

        codes = list(code_sets) if code_sets is not None else shingle_sets(texts, cfg)

        links: list[int | str] = []
        batch_index: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]
        for i, ((simhash, count), at) in enumerate(zip(fingerprints, received)):
            options = [coded[c.complaint_id] for c in hits[i] if c.complaint_id in coded]
            if count >= cfg.min_shingles:
                options += [Candidate(None, links[j], fingerprints[j][0], codes[j])
                            for j in sorted(band_hits(batch_index, simhash))
                            if abs(received[j] - at) <= window and near(simhash, fingerprints[j][0], cfg)]
            match = best_match(Fingerprint(simhash, codes[i]), options, cfg) if options else None
            links.append(match.case_id if match is not None else f"new-{i:06d}")
            if count >= cfg.min_shingles:
                for k, value in enumerate(bands(simhash)):
                    batch_index[k].setdefault(value, []).append(i)
        return links
