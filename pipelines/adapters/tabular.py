"""Rows out of CSV and XLSX exports, with headers mapped onto canonical field names by configuration."""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.decoding import Undecodable, decode_bytes, decode_lines
from pipelines.records import Reason, Rejection, raw_json


class UnreadableFile(ValueError):
    """The file is not a readable workbook/table (corrupt, encrypted, wrong extension)."""


@dataclass(frozen=True)
class TableRow:
    number: int  # 1-based line/row number in the file, header included
    values: dict[str, Any]  # canonical field -> cell value
    raw: dict[str, Any]  # original header -> cell value (as text), the quarantine payload


def file_payload(data: bytes) -> str:
    """A whole file as a quarantine payload (base64, so any bytes survive; the name goes in source_file)."""
    return raw_json({"base64": base64.b64encode(data).decode("ascii"), "kind": "file"})


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def map_header(header: Sequence[Any], columns: Mapping[str, Sequence[str]]) -> dict[str, int]:
    """Canonical field -> column index; the first alias present wins. Headers are compared stripped."""
    positions: dict[str, int] = {}
    cleaned = [_cell_text(h).strip().lstrip("\ufeff") for h in header]
    for field_name, aliases in columns.items():
        for alias in aliases:
            if alias in cleaned:
                positions[field_name] = cleaned.index(alias)
                break
    return positions


def _rows_from_matrix(matrix: Iterator[Sequence[Any]], columns: Mapping[str, Sequence[str]],
                      required: Sequence[str]) -> tuple[list[str], Iterator[TableRow]]:
    """Read the header, check required columns, then stream the rows (blank rows skipped)."""
    header: list[Any] | None = None
    for header_row in matrix:
        if any(_cell_text(c).strip() for c in header_row):
            header = list(header_row)
            break
    if header is None:
        return [], iter(())
    positions = map_header(header, columns)
    missing = [f for f in required if f not in positions]
    if missing:
        names = ["/".join(columns[f]) for f in missing]
        raise MissingColumns(names)
    header_text = [_cell_text(h).strip().lstrip("\ufeff") for h in header]

    def rows() -> Iterator[TableRow]:
        for number, row in enumerate(matrix, 2):
            cells = list(row)
            if not any(_cell_text(c).strip() for c in cells):
                continue
            values = {f: (cells[i] if i < len(cells) else None) for f, i in positions.items()}
            raw = {(header_text[i] if i < len(header_text) and header_text[i] else f"列{i + 1}"): _cell_text(c)
                   for i, c in enumerate(cells)}
            yield TableRow(number, values, raw)

    return header_text, rows()


class MissingColumns(ValueError):
    def __init__(self, names: list[str]) -> None:
        super().__init__("缺少必需列: " + ", ".join(names))
        self.names = names


def read_csv(data: bytes) -> tuple[Iterator[list[str]], list[tuple[int, bytes]], str]:
    """CSV cells, undecodable lines, encoding. Raises ``Undecodable`` when the file cannot be read."""
    bad: list[tuple[int, bytes]] = []
    try:
        decoded = decode_bytes(data)
    except Undecodable:
        decoded, bad = decode_lines(data)
    text = decoded.text
    dialect: Any = csv.excel
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        pass
    return csv.reader(io.StringIO(text, newline=""), dialect), bad, decoded.encoding


def read_xlsx(data: bytes) -> Iterator[tuple[Any, ...]]:
    """Cells of the first worksheet (read-only streaming). Raises ``UnreadableFile``."""
    import zipfile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise UnreadableFile(f"无法打开工作簿: {exc.__class__.__name__}") from exc
    sheet = workbook.worksheets[0]

    def cells() -> Iterator[tuple[Any, ...]]:
        try:
            yield from sheet.iter_rows(values_only=True)
        finally:
            workbook.close()

    return cells()


def table_rows(channel: str, name: str, data: bytes, columns: Mapping[str, Sequence[str]],
               required: Sequence[str]) -> Iterator[TableRow | Rejection]:
    """Stream the rows of a CSV/XLSX export, or a file-level ``Rejection`` (nothing is dropped)."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        if suffix == "xlsx":
            matrix: Iterator[Sequence[Any]] = read_xlsx(data)
            bad_lines: list[tuple[int, bytes]] = []
        elif suffix in ("csv", "txt", "tsv"):
            matrix, bad_lines, _ = read_csv(data)
        else:
            yield Rejection(channel, Reason.unsupported_file, file_payload(data), name,
                            detail=f"不支持的文件类型 .{suffix}")
            return
        _, rows = _rows_from_matrix(matrix, columns, required)
    except Undecodable as exc:
        yield Rejection(channel, Reason.undecodable, file_payload(data), name, detail=str(exc))
        return
    except UnreadableFile as exc:
        yield Rejection(channel, Reason.unreadable_file, file_payload(data), name, detail=str(exc))
        return
    except MissingColumns as exc:
        yield Rejection(channel, Reason.missing_column, file_payload(data), name, detail=str(exc))
        return
    for number, line in bad_lines:
        payload = raw_json({"base64": base64.b64encode(line).decode("ascii"), "kind": "line"})
        yield Rejection(channel, Reason.undecodable, payload, name, detail=f"第{number}行无法解码")
    try:
        yield from rows
    except (csv.Error, UnreadableFile, OSError, ValueError) as exc:  # corrupt part discovered mid-stream
        yield Rejection(channel, Reason.unreadable_file, file_payload(data), name,
                        detail=f"读取中断: {exc.__class__.__name__}")
