"""The nightly flow end to end on the sample night: counts, cases, custody, report, idempotent rerun, no PII."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Complaint, IngestionRun, QuarantineItem, ReporterContact, SourceFile
from tests.flows.conftest import copy_samples

pytestmark = pytest.mark.slow

SAMPLE_DATE = dt.date(2018, 6, 12)
# Every reporter name, phone and ID number planted in data/samples/
PLANTED = ["王秀兰", "刘志强", "陈桂芝", "李明", "张建国", "李建华", "周丽", "孙海", "郑德胜", "王磊", "王振国", "陈淑华",
           "刘春生", "13904671258", "0467-2368514", "15845302217", "13766881234", "13512349876", "18945671023",
           "13836457890", "13104678899", "15004673321", "13945678012", "18646723456", "13304671111", "13704670000",
           "13845679012", "13604675566", "15945600001", "15945678901", "0467-2412345", "13904679876",
           "230302196705121234"]


@pytest.fixture(scope="module")
def sample_run(nightly_env_factory):
    """The sample night, run once through the flow; yields (env, summary, source dir)."""
    from pipelines.nightly import nightly

    env = nightly_env_factory("sample-night")
    source = copy_samples(env.root / "source")
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        summary = nightly(date=SAMPLE_DATE, source_dir=str(source))
    return env, summary, source


def _counts(env):
    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        by_channel = dict(s.execute(select(Complaint.channel, func.count()).group_by(Complaint.channel)).all())
        quarantine = sorted(s.execute(select(QuarantineItem.channel, QuarantineItem.reason,
                                             QuarantineItem.source_id)).all(), key=str)
        return by_channel, [tuple(q) for q in quarantine]


def test_sample_night_is_taken_in_completely(sample_run):
    env, summary, _ = sample_run
    assert summary["stored"] == 30 and summary["already_stored"] == 2  # two exact duplicate rows
    by_channel, quarantine = _counts(env)
    assert by_channel == {"hotline": 12, "report_box": 7, "online": 11}
    assert sorted(quarantine, key=str) == sorted([
        ("hotline", "empty_text", "RX20180612005"), ("hotline", "bad_time", "RX20180612006"),
        ("hotline", "source_id_conflict", "RX20180612004"), ("report_box", "empty_text", "XB20180612-05"),
        ("report_box", "unlogged_letter", "XB20180612-09"), ("online", "malformed_json", None),
        ("online", "empty_text", "WS1806120006"), ("online", "bad_time", "WS1806120008"),
    ], key=str)
    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        cases = dict(s.execute(select(Complaint.source_id, Complaint.case_id)).all())
        run = s.scalars(select(IngestionRun)).one()
        assert run.status == "completed" and run.run_date == "2018-06-12"
        assert cases["RX20180612009"] == cases["WS1806120003"]
        assert len(set(cases.values())) == 29
        assert s.scalar(select(func.count()).select_from(ReporterContact)) >= 20


def test_custody_check_is_recorded(sample_run):
    env, _, _ = sample_run
    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        files = {f.path.rsplit("/", 1)[-1]: f.custody for f in s.scalars(select(SourceFile))}
    log = files["box_log_20180612.xlsx"]
    openings = {o["box"]: o for o in log["openings"]}
    assert openings["JG-03"]["issues"] == []
    assert set(openings["JG-07"]["issues"]) == {"multiple_seals", "missing_letter_file", "too_few_openers"}
    assert openings["JG-07"]["missing_files"] == ["XB20180612-05"]
    assert files["XB20180612-09.txt"]["issues"] == ["orphan_letter_file"]
    assert files["XB20180612-02.docx"]["logged"] is True


def test_report_files_and_artifact(sample_run):
    env, summary, _ = sample_run
    directory = env.settings.reports_dir / "2018-06-12"
    assert summary["report"]["directory"] == str(directory)
    markdown = (directory / "report.md").read_text(encoding="utf-8")
    html = (directory / "report.html").read_text(encoding="utf-8")
    for name in ("categories.png", "agencies.png", "quarantine.png"):
        assert (directory / name).read_bytes().startswith(b"\x89PNG")
    assert "共接收投诉举报 30 件（热线电话 12 件，举报箱 7 件，网上平台 11 件）" in markdown
    assert "RX20180612009" in markdown and "WS1806120003" in markdown  # the linked case
    assert "同一次开箱记录了多个封条号" in markdown and "有信件文件但登记簿无记录" in html
    assert "| 网上平台 | JSON 格式错误 | 1 |" in markdown
    assert "建议移交纪检监察" in markdown
    from prefect.artifacts import Artifact

    artifact = Artifact.get("nightly-report-2018-06-12")
    assert artifact is not None and "共接收投诉举报 30 件" in artifact.data
    assert not [secret for secret in PLANTED if secret in artifact.data]


def test_no_reporter_data_in_stored_text_exports_or_report(sample_run):
    env, _, _ = sample_run
    from pipelines.export import export_rows

    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        texts = [c.text for c in s.scalars(select(Complaint))]
        exported = json.dumps(list(export_rows(s, run_date="2018-06-12")), ensure_ascii=False)
    directory = env.settings.reports_dir / "2018-06-12"
    report = (directory / "report.md").read_text(encoding="utf-8") + (directory / "report.html").read_text("utf-8")
    for secret in PLANTED:
        assert all(secret not in t for t in texts), secret
        assert secret not in exported, secret
        assert secret not in report, secret


def test_rerun_inserts_nothing_and_quarantines_nothing_twice(sample_run):
    from pipelines.nightly import nightly

    env, _, source = sample_run
    before = _counts(env)
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        again = nightly(date=SAMPLE_DATE, source_dir=str(source))
    assert again.get("stored", 0) == 0 and again.get("quarantined", 0) == 0
    assert again["already_stored"] == 32
    assert _counts(env) == before


def _stored_triage(env) -> dict[tuple[str, str], tuple]:
    from qingfeng.storage.tables import TriageResult as TriageRow

    factory = connect(env.settings.database_url)
    with session_scope(factory) as s:
        rows = s.execute(select(Complaint.channel, Complaint.source_id, Complaint.text, TriageRow.categories,
                                TriageRow.agencies, TriageRow.needs_review, TriageRow.evidence)
                         .join(TriageRow, TriageRow.complaint_id == Complaint.id)).all()
    return {(r[0], r[1]): (r[2], tuple(r[3]), tuple(r[4]), r[5], json.dumps(r[6], sort_keys=True)) for r in rows}


def test_triage_pool_one_chunk_ahead_stores_exactly_what_the_in_process_run_stores(sample_run, nightly_env_factory):
    """classify_workers=2 with tiny chunks: worker processes triage chunk k+1 while chunk k is stored."""
    from pipelines.nightly import nightly

    reference, reference_summary, source = sample_run
    env = nightly_env_factory("pool-night", QINGFENG_CLASSIFY_WORKERS="2", QINGFENG_CLASSIFY_CHUNK_SIZE="4")
    with pytest.MonkeyPatch.context() as mp:
        env.apply(mp)
        summary = nightly(date=SAMPLE_DATE, source_dir=str(source))
        rerun = nightly(date=SAMPLE_DATE, source_dir=str(source))
    for key in ("stored", "already_stored", "quarantined", "parsed"):
        assert summary.get(key) == reference_summary.get(key), key
    assert _counts(env) == _counts(reference)
    assert _stored_triage(env) == _stored_triage(reference)
    assert rerun.get("stored", 0) == 0 and rerun["already_stored"] == 32
