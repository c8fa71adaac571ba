"""Report box: the clerk's transcription log per box opening, with optional letter files.

A log row (信件编号, 箱号, 开箱时间, 开箱人, 封条号, 署名, 信件内容) is one letter. When a file
``<信件编号>.txt`` or ``<信件编号>.docx`` sits next to the log, its content is the letter text. Every row
also feeds the custody ledger of its opening (see ``pipelines.adapters.custody``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import PurePath

from pipelines.adapters.custody import CustodyLedger, letter_custody
from pipelines.adapters.tabular import TableRow, file_payload, table_rows
from pipelines.channels import ReportBoxConfig
from pipelines.decoding import Undecodable, decode_bytes
from pipelines.records import (
    CanonicalComplaint,
    Reason,
    Rejection,
    SourceRow,
    ValidationContext,
    raw_json,
    validate_row,
)

CHANNEL = "report_box"


def letter_id_of(file_name: str) -> str:
    return PurePath(file_name).stem.strip()


def is_letter_file(file_name: str, config: ReportBoxConfig) -> bool:
    return PurePath(file_name).suffix.lower().lstrip(".") in config.letter_extensions


def read_letter(name: str, data: bytes) -> str | Rejection:
    """The text of one letter file (.txt in any supported encoding, or .docx)."""
    suffix = PurePath(name).suffix.lower()
    if suffix == ".docx":
        from docx import Document

        try:
            document = Document(io.BytesIO(data))
        except Exception as exc:  # python-docx raises several unrelated types on a corrupt file
            return Rejection(CHANNEL, Reason.unreadable_file, file_payload(data), name,
                             letter_id_of(name), f"无法打开 docx: {exc.__class__.__name__}")
        return "\n".join(p.text for p in document.paragraphs).strip()
    try:
        return decode_bytes(data).text.strip()
    except Undecodable as exc:
        return Rejection(CHANNEL, Reason.undecodable, file_payload(data), name, letter_id_of(name), str(exc))


class ReportBoxLog:
    """One log file of a report-box directory. Iterate for complaints; then read ``custody``."""

    def __init__(self, name: str, data: bytes, letters: Mapping[str, tuple[str, bytes]],
                 config: ReportBoxConfig, ctx: ValidationContext) -> None:
        self.name = name
        self.data = data
        self.letters = letters  # letter id -> (file name, bytes)
        self.config = config
        self.ctx = ctx
        self.ledger = CustodyLedger(name, config.min_openers)
        self.logged_ids: list[str] = []

    def _expects_file(self, log_text: str) -> bool:
        text = log_text.strip()
        return self.config.expect_letter_files or not text or text in self.config.letter_file_placeholders

    def _row(self, row: TableRow) -> Iterator[CanonicalComplaint | Rejection]:
        v = row.values
        letter_id = "" if v.get("source_id") is None else str(v["source_id"]).strip()
        log_text = "" if v.get("text") is None else str(v["text"])
        letter = self.letters.get(letter_id) if letter_id else None
        text = log_text
        content: str | Rejection | None = read_letter(*letter) if letter is not None else None
        if isinstance(content, Rejection):
            yield content
        elif content:
            text = content
        if text.strip() in self.config.letter_file_placeholders:
            text = ""
        if letter_id:
            self.logged_ids.append(letter_id)
        self.ledger.add(letter_id=letter_id, box=v.get("box"), opened_at=v.get("opened_at"), seal=v.get("seal"),
                        openers=v.get("opened_by"), file_expected=self._expects_file(log_text),
                        file_present=letter is not None)
        signed = "" if v.get("reporter_name") is None else str(v["reporter_name"]).strip()
        anonymous = not signed or signed in self.config.anonymous_markers
        extra = {"box": _cell(v.get("box")), "seal": _cell(v.get("seal")), "anonymous": anonymous}
        if letter is not None:
            extra["letter_file"] = letter[0]
        values = {"source_id": v.get("source_id"), "received_at": v.get("opened_at"), "text": text,
                  "reporter_name": None if anonymous else signed}
        raw = dict(row.raw)
        if isinstance(content, str):
            raw["letter_text"] = content
        yield validate_row(SourceRow(CHANNEL, values, raw_json(raw), self.name, f"第{row.number}行", extra),
                           self.ctx)

    def __iter__(self) -> Iterator[CanonicalComplaint | Rejection]:
        for item in table_rows(CHANNEL, self.name, self.data, self.config.columns, self.config.required):
            if isinstance(item, Rejection):
                yield item
            else:
                yield from self._row(item)

    @property
    def custody(self) -> dict:
        return self.ledger.result()


def unlogged_letters(letters: Mapping[str, tuple[str, bytes]], logged_ids: set[str]) -> Iterator[tuple[str, dict, Rejection]]:
    """Letter files no log registers: custody JSON and a quarantine entry each (the letter is kept)."""
    for letter_id, (name, data) in sorted(letters.items()):
        custody = letter_custody(letter_id, logged_ids)
        if custody["logged"]:
            continue
        content = read_letter(name, data)
        raw = raw_json({"letter_id": letter_id, "letter_text": content}) if isinstance(content, str) \
            else content.raw
        yield name, custody, Rejection(CHANNEL, Reason.unlogged_letter, raw, name, letter_id,
                                       "登记簿中没有这封信的记录")


def read_report_box(name: str, data: bytes, letters: Mapping[str, tuple[str, bytes]], config: ReportBoxConfig,
                    ctx: ValidationContext) -> ReportBoxLog:
    """Canonical complaints of one report-box log (iterate the result; custody afterwards)."""
    return ReportBoxLog(name, data, letters, config, ctx)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or None
