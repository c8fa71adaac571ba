"""Reading survey exports from disk: CSV (UTF-8 or GB18030), XLSX (first sheet) and JSON Lines."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipelines.survey.parse import ParseContext, ParseOutcome, parse_jsonl, parse_table
from pipelines.survey.peer import parse_peer
from pipelines.survey.unit_names import UnitNames

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class SurveyFileError(ValueError):
    """A survey file that cannot be read at all (rows are never dropped silently: this stops the run)."""


def decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SurveyFileError(f"无法识别文件编码（应为 UTF-8 或 GBK）(undecodable file): {path}")


def read_csv_rows(path: Path) -> list[list[str]]:
    text = decode(path.read_bytes(), path)
    header = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in header and "," not in header else ","  # comma-separated, or a tab export
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_xlsx_rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SurveyFileError(f"无法读取 Excel 文件 (unreadable xlsx) {path}: {exc}") from exc
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def read_table_rows(path: Path) -> list[list[object]]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx_rows(path)
    raise SurveyFileError(f"不支持的文件类型 (unsupported file type) {path.suffix}: 支持 CSV、XLSX、JSONL")


def read_survey(path: Path, ctx: ParseContext) -> ParseOutcome:
    """Parse one export; the kind is decided by the file suffix."""
    if not path.is_file():
        raise SurveyFileError(f"找不到问卷文件 (survey file not found): {path}")
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return parse_jsonl(decode(path.read_bytes(), path).splitlines(), ctx)
    rows = read_table_rows(path)
    start = next((i for i, r in enumerate(rows) if any(str(c or "").strip() for c in r)), None)
    if start is None:
        raise SurveyFileError(f"问卷文件为空 (empty survey file): {path}")
    return parse_table(rows[start], rows[start + 1:], ctx, first_row=start + 2)


def read_peer(path: Path, names: UnitNames, scale: tuple[float, float]):
    """A 上下互评 file ``unit,score`` (CSV or XLSX)."""
    if not path.is_file():
        raise SurveyFileError(f"找不到互评文件 (peer file not found): {path}")
    return parse_peer(read_table_rows(path), names, scale, source_file=str(path))


def read_volume(path: Path, names: UnitNames) -> dict[str, float]:
    """Case volume per unit ``unit,cases`` (CSV or XLSX); any bad row stops the run (it feeds a divisor)."""
    volume, rejections = parse_peer(read_table_rows(path), names, (1.0, float("inf")), source_file=str(path))
    if rejections:
        raise SurveyFileError("办案量文件有无效行 (bad case-volume rows): " + "；".join(r.detail for r in rejections))
    return volume
