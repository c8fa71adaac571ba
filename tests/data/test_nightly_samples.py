"""The sample night under data/samples/ is what make_samples.py writes, in the formats it claims."""

from __future__ import annotations

import importlib.util
import io

import pytest

from qingfeng.settings import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "data" / "samples"


@pytest.fixture(scope="module")
def make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xlsx_cells(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [tuple(row) for row in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()


def _docx_text(data: bytes) -> list[str]:
    from docx import Document

    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def test_committed_samples_match_the_script(make_samples, tmp_path):
    written = make_samples.build(tmp_path)
    assert written
    for path in written:
        relative = path.relative_to(tmp_path)
        committed = (SAMPLES / relative).read_bytes()
        fresh = path.read_bytes()
        if path.suffix == ".xlsx":
            assert _xlsx_cells(committed) == _xlsx_cells(fresh), relative
        elif path.suffix == ".docx":
            assert _docx_text(committed) == _docx_text(fresh), relative
        else:
            assert committed == fresh, relative


def test_sample_formats_and_sizes(make_samples):
    csv_bytes = (SAMPLES / "hotline" / "hotline_20180612_day.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        csv_bytes.decode("utf-8")  # the call-centre CSV is GBK
    assert csv_bytes.decode("gbk").startswith("工单编号,来电时间")
    hotline = len(make_samples.HOTLINE_DAY) + len(make_samples.HOTLINE_NIGHT)
    assert 14 <= hotline <= 18
    assert 7 <= len(make_samples.BOX_LOG) <= 10
    assert 13 <= len(make_samples.ONLINE) <= 18
    lines = (SAMPLES / "online" / "messages_20180612.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(make_samples.ONLINE)
