"""Case linking: each new complaint joins the case of a confirmed near-duplicate, or opens a new case.

Candidates come from the banded SimHash index (``complaints.band0..band3``) within the dedupe window,
plus the earlier complaints of the same batch; a candidate is confirmed by Hamming distance and shingle
Jaccard (``pipelines.dedupe.best_match``). The shingle sets of stored candidates are kept in a
:class:`ShingleMemory` by content hash, so a run that links many chunks reads and shingles each stored text
at most once (the nightly flow keeps one for the run; without one, each ``link`` call starts empty).
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import UnaryExpression
from sqlalchemy.sql.operators import custom_op

from pipelines.dedupe import (
    BANDS,
    Candidate,
    DedupeConfig,
    Fingerprint,
    bands,
    best_match,
    near,
    pack_codes,
    shingle_sets,
    to_unsigned,
)
from pipelines.sql import batched
from qingfeng.storage.tables import Complaint

_BAND_COLUMNS = (Complaint.band0, Complaint.band1, Complaint.band2, Complaint.band3)


class _Stored(NamedTuple):
    """A stored complaint found by its bands (a candidate until the Hamming and Jaccard tests)."""

    complaint_id: int
    case_id: int
    simhash: int  # unsigned
    received_at: datetime
    content_hash: str


def _not_indexed(session: Session, column):
    """``column`` as a term SQLite will not answer from its index (unary ``+``, SQLite's own idiom).

    Without statistics SQLite's planner prefers the ``received_at`` range (the whole window: every row of
    the last 90 days, read for each batch) over the band indexes (a few rows per band value); PostgreSQL
    plans from its statistics and gets the plain column.
    """
    if session.get_bind().dialect.name != "sqlite":
        return column
    return UnaryExpression(column, operator=custom_op("+"), type_=column.type)


class ShingleMemory:
    """Shingle sets of stored texts by content hash (``Complaint.content_hash``), least recently used first
    out beyond ``max_items``; packed (``dedupe.pack_codes``, ~1 KB a text), so memory stays flat.

    Keyed by the hash of the masked text, an entry stays true whatever happens to the row (a rolled-back
    chunk, an id reused): the shingle set is a function of the text and the shingle size alone.
    """

    def __init__(self, shingle: int, max_items: int = 100_000) -> None:
        self.shingle = shingle
        self.max_items = max_items
        self._sets: OrderedDict[str, array] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sets)

    def get(self, content_hash: str) -> array | None:
        codes = self._sets.get(content_hash)
        if codes is not None:
            self._sets.move_to_end(content_hash)
        return codes

    def add(self, content_hashes: Iterable[str], code_sets: Iterable[Iterable[int]]) -> None:
        for digest, codes in zip(content_hashes, code_sets):
            self._sets[digest] = pack_codes(codes)
            self._sets.move_to_end(digest)
        while len(self._sets) > self.max_items:
            self._sets.popitem(last=False)


class CaseLinker:
    """Links one batch. ``link`` returns, per item, an existing case id (int) or a new-case slot (str)."""

    def __init__(self, session: Session, config: DedupeConfig, memory: ShingleMemory | None = None) -> None:
        self.session = session
        self.config = config
        if memory is not None and memory.shingle != config.shingle:
            raise ValueError("the shingle memory was filled with another shingle size")
        self.memory = memory if memory is not None else ShingleMemory(config.shingle)

    def _stored_candidates(self, fingerprints: Sequence[tuple[int, int]],
                           received: Sequence[datetime]) -> list[_Stored]:
        """Stored complaints of the window sharing a band with any of the batch, by complaint id (so a tie
        in ``best_match`` goes to the oldest, whichever order the database returns rows in)."""
        wanted = [set() for _ in range(BANDS)]
        for simhash, count in fingerprints:
            if count >= self.config.min_shingles:
                for k, value in enumerate(bands(simhash)):
                    wanted[k].add(value)
        if not wanted[0]:
            return []
        window = timedelta(days=self.config.window_days)
        received_at = _not_indexed(self.session, Complaint.received_at)
        query = (select(Complaint.id, Complaint.case_id, Complaint.simhash, Complaint.received_at,
                        Complaint.content_hash)
                 .where(or_(*(col.in_(sorted(values)) for col, values in zip(_BAND_COLUMNS, wanted))))
                 .where(received_at >= min(received) - window)
                 .where(received_at <= max(received) + window)
                 .where(Complaint.simhash.is_not(None)))
        rows = [_Stored(cid, case_id, to_unsigned(h), at, digest)
                for cid, case_id, h, at, digest in self.session.execute(query) if case_id is not None]
        rows.sort(key=attrgetter("complaint_id"))
        return rows

    def _with_codes(self, hits: list[_Stored]) -> dict[int, Candidate]:
        """Candidates with shingle sets for the stored complaints that passed the Hamming test: from the
        memory by content hash; the texts it lacks are read and shingled (and remembered)."""
        codes = {h.complaint_id: self.memory.get(h.content_hash) for h in hits}
        missing = sorted(cid for cid, found in codes.items() if found is None)
        texts: dict[int, str] = {}
        for part in batched(missing, 500):
            texts.update(tuple(r) for r in self.session.execute(
                select(Complaint.id, Complaint.text).where(Complaint.id.in_(part))))
        read = [cid for cid in missing if cid in texts]
        fresh = shingle_sets([texts[cid] for cid in read], self.config)
        digests = {h.complaint_id: h.content_hash for h in hits}
        self.memory.add([digests[cid] for cid in read], fresh)
        codes.update(zip(read, fresh))
        return {h.complaint_id: Candidate(h.complaint_id, h.case_id, h.simhash, codes[h.complaint_id])
                for h in hits if codes.get(h.complaint_id) is not None}

    def link(self, texts: Sequence[str], received: Sequence[datetime], fingerprints: Sequence[tuple[int, int]],
             code_sets: Sequence[frozenset[int]] | None = None) -> list[int | str]:
        """``code_sets``: the texts' shingle sets when the caller has them (``dedupe.batch_fingerprints``)."""
        cfg = self.config
        window = timedelta(days=cfg.window_days)
        stored = self._stored_candidates(fingerprints, received) if texts else []
        stored_index: list[dict[int, list[int]]] = [{} for _ in range(BANDS)]
        for n, row in enumerate(stored):
            for k, value in enumerate(bands(row.simhash)):
                stored_index[k].setdefault(value, []).append(n)

        def band_hits(index: list[dict[int, list[int]]], simhash: int) -> set[int]:
            return {n for k, value in enumerate(bands(simhash)) for n in index[k].get(value, ())}

        hits: list[list[_Stored]] = []
        for (simhash, count), at in zip(fingerprints, received):
            if count < cfg.min_shingles:
                hits.append([])
                continue
            hits.append([stored[n] for n in sorted(band_hits(stored_index, simhash))
                         if abs(stored[n].received_at - at) <= window and near(simhash, stored[n].simhash, cfg)])
        coded = self._with_codes([h for found in hits for h in found])

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
