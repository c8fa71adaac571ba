"""Review queue: export for analysts, import with validation and provenance, all-or-nothing."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest

from pipelines.review import COLUMNS, audit_selected, export_review, select_review_items
from pipelines.review_import import ReviewImportError, import_review, parse_codes
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import AuditLog, Label
from tests.model.labelled_store import ITEMS, count_labels, labels, seed_complaints


def _read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def test_audit_sample_is_seeded_and_follows_the_rate():
    picked = [i for i in range(10_000) if audit_selected(i, seed=7, rate=0.1)]
    assert picked == [i for i in range(10_000) if audit_selected(i, seed=7, rate=0.1)]
    assert 850 < len(picked) < 1150
    assert picked != [i for i in range(10_000) if audit_selected(i, seed=8, rate=0.1)]
    assert not any(audit_selected(i, 0, 0.0) for i in range(100))
    assert all(audit_selected(i, 0, 1.0) for i in range(100))


def test_export_csv_has_uncertain_items_redacted_and_empty_correction_columns(database_url, tmp_path):
    ids = seed_complaints(database_url)
    out = tmp_path / "review.csv"
    with session_scope(connect(database_url)) as session:
        items = export_review(session, out, on_date=date(2026, 11, 20), audit_rate=0.0)
    rows = _read_csv(out)
    review_ids = [str(ids[i]) for i, item in enumerate(ITEMS) if item[3]]
    assert [r["complaint_id"] for r in rows] == review_ids == [str(i.complaint_id) for i in items]
    assert list(rows[0]) == list(COLUMNS)
    assert "13904671258" not in out.read_text(encoding="utf-8-sig")
    assert "***********" in rows[0]["text"]
    assert rows[0]["predicted_categories"] == "low_efficiency"
    assert rows[0]["category_scores"].startswith("low_efficiency=0.80")
    assert all(r[c] == "" for r in rows for c in ("confirm", "corrected_categories", "corrected_agencies", "annotator", "note"))
    with session_scope(connect(database_url)) as session:
        assert session.query(AuditLog).filter_by(action="review_export").count() == 1


def test_export_adds_a_seeded_audit_sample_and_honours_the_window(database_url, tmp_path):
    seed_complaints(database_url)
    with session_scope(connect(database_url)) as session:
        everything = select_review_items(session, audit_rate=1.0)
        none_that_day = select_review_items(session, start=datetime(2026, 11, 21), audit_rate=1.0)
    assert len(everything) == len(ITEMS)
    assert [i.reason for i in everything] == ["needs_review"] * 3 + ["audit"] * 3
    assert none_that_day == []


def test_export_xlsx_round_trips_through_import(database_url, tmp_path):
    from openpyxl import load_workbook

    ids = seed_complaints(database_url)
    out = tmp_path / "review.xlsx"
    with session_scope(connect(database_url)) as session:
        export_review(session, out, audit_rate=0.0)
    wb = load_workbook(out)
    sheet = wb["待复核"]
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS) and "说明" in wb.sheetnames
    col = {name: i + 1 for i, name in enumerate(header)}
    sheet.cell(2, col["confirm"], "是")
    sheet.cell(3, col["corrected_categories"], "以权谋利、弄权勒卡, perverting_justice")
    wb.save(out)
    summary = import_review(connect(database_url), out, annotator="李分析员")
    assert summary.skipped_rows == [4]
    stored = labels(database_url)
    assert {(lab.complaint_id, lab.task, lab.provenance) for lab in stored} == {
        (ids[0], "categories", "human_confirmed"), (ids[0], "agencies", "human_confirmed"),
        (ids[1], "categories", "human_corrected"), (ids[1], "agencies", "human_confirmed")}
    corrected = next(lab for lab in stored if lab.provenance == "human_corrected")
    assert corrected.value == ["abuse_for_profit", "perverting_justice"]
    assert corrected.annotator == "李分析员" and corrected.created_at is not None
    assert corrected.model_version.startswith("categories:test-v1")


def test_import_stores_provenance_and_is_idempotent(database_url, tmp_path):
    ids = seed_complaints(database_url)
    path = tmp_path / "filled.csv"
    with session_scope(connect(database_url)) as session:
        export_review(session, path, audit_rate=1.0)
    rows = _read_csv(path)
    by_id = {int(r["complaint_id"]): r for r in rows}
    by_id[ids[0]].update(corrected_categories="low_efficiency", annotator="王")  # same as predicted
    by_id[ids[2]].update(corrected_categories="无", corrected_agencies="公安分局", note="咨询，电话13904671258")
    by_id[ids[5]].update(confirm="是")
    _write_csv(path, rows)
    first = import_review(connect(database_url), path, annotator="张")
    assert first.n_corrected == 0 and first.n_confirmed == 6
    assert count_labels(database_url) == 6
    assert {lab.annotator for lab in labels(database_url)} == {"王", "张"}
    again = import_review(connect(database_url), path, annotator="张")
    assert again.unchanged == 6 and count_labels(database_url) == 6
    with session_scope(connect(database_url)) as session:
        notes = [a.detail["notes"] for a in session.query(AuditLog).filter_by(action="review_import")]
    assert "13904671258" not in str(notes)


def test_import_reports_every_problem_with_row_numbers_and_writes_nothing(database_url, tmp_path):
    ids = seed_complaints(database_url)
    path = tmp_path / "bad.csv"
    base = {c: "" for c in COLUMNS}
    _write_csv(path, [
        {**base, "complaint_id": str(ids[0]), "confirm": "是", "annotator": "甲"},  # valid
        {**base, "complaint_id": str(ids[1]), "corrected_categories": "corruption", "annotator": "甲"},
        {**base, "complaint_id": "99999", "confirm": "是", "annotator": "甲"},
        {**base, "complaint_id": "abc", "confirm": "是", "annotator": "甲"},
        {**base, "complaint_id": str(ids[0]), "confirm": "是", "annotator": "甲"},
        {**base, "complaint_id": str(ids[3]), "confirm": "也许", "annotator": "甲"},
        {**base, "complaint_id": str(ids[4]), "corrected_agencies": "court"},
        {**base, "complaint_id": str(ids[5]), "confirm": "是", "corrected_categories": "formalism", "annotator": "甲"},
    ])
    with pytest.raises(ReviewImportError) as caught:
        import_review(connect(database_url), path)
    errors = caught.value.errors
    joined = "\n".join(errors)
    assert "第 3 行" in joined and "corruption" in joined
    assert "第 4 行" in joined and "99999" in joined
    assert "第 5 行" in joined and "abc" in joined
    assert "第 6 行" in joined and "重复" in joined
    assert "第 7 行" in joined and "也许" in joined
    assert "第 8 行" in joined and "标注人" in joined
    assert "第 9 行" in joined and "确认" in joined
    assert count_labels(database_url) == 0


def test_import_refuses_a_foreign_file_and_wrong_extension(database_url, tmp_path):
    foreign = tmp_path / "other.csv"
    foreign.write_text("id,text\n1,你好\n", encoding="utf-8")
    with pytest.raises(ReviewImportError, match="缺少必需列"):
        import_review(connect(database_url), foreign)
    with pytest.raises(ReviewImportError, match="不支持的文件类型"):
        import_review(connect(database_url), tmp_path / "x.txt")


def test_codes_parse_from_codes_chinese_names_and_none():
    assert parse_codes("", "categories") == (None, [])
    assert parse_codes("无", "categories") == ([], [])
    assert parse_codes("效率不高、服务质量不优", "categories") == (["low_efficiency"], [])
    assert parse_codes("Formalism，low_efficiency", "categories") == (["formalism", "low_efficiency"], [])
    assert parse_codes("court、区司法局", "agencies") == (["court", "justice_bureau"], [])
    assert parse_codes("court, police", "agencies") == (["court"], ["police"])


def test_review_cli_export_then_import(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from qingfeng.cli.main import app
    from qingfeng.settings import get_settings

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    ids = seed_complaints(url)
    monkeypatch.setenv("QINGFENG_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        out = tmp_path / "q.csv"
        done = runner.invoke(app, ["review", "export", "--date", "2026-11-20", "-o", str(out), "--audit-rate", "0"])
        assert done.exit_code == 0, done.output
        assert "已导出 3 件" in done.output
        rows = _read_csv(out)
        rows[0]["corrected_agencies"] = "nowhere"
        _write_csv(out, rows)
        bad = runner.invoke(app, ["review", "import", str(out), "--annotator", "赵"])
        assert bad.exit_code == 1 and "第 2 行" in bad.output and "nowhere" in bad.output
        rows[0]["corrected_agencies"] = ""
        rows[0]["confirm"] = "是"
        _write_csv(out, rows)
        good = runner.invoke(app, ["review", "import", str(out), "--annotator", "赵"])
        assert good.exit_code == 0, good.output
        assert {lab.complaint_id for lab in labels(url)} == {ids[0]}
    finally:
        get_settings.cache_clear()


def test_model_labels_are_never_read_as_training_data(database_url):
    from pipelines.labels import read_human_examples

    ids = seed_complaints(database_url)
    with session_scope(connect(database_url)) as session:
        session.add_all([
            Label(task="categories", complaint_id=ids[0], text="模型打的", value=["formalism"], provenance="model"),
            Label(task="categories", complaint_id=ids[1], text="人工更正", value=["abuse_for_profit"],
                  provenance="human_corrected", annotator="甲"),
            Label(task="categories", complaint_id=ids[2], text="人工确认", value=[], provenance="human_confirmed",
                  annotator="乙"),
        ])
    with session_scope(connect(database_url)) as session:
        examples = read_human_examples(session, "categories")
    assert [e.complaint_id for e in examples] == [ids[1], ids[2]]
    assert all(e.provenance.startswith("human_") for e in examples)
