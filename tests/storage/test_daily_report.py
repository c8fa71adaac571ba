"""Daily report numbers are a pure function of stored data: hand-built rows, hand-computed numbers."""

from __future__ import annotations

from datetime import datetime

from pipelines.report import NO_AGENCY, compute
from pipelines.report_render import render_html, render_markdown
from qingfeng.storage.db import connect, session_scope
from qingfeng.storage.tables import Case, Complaint, IngestionRun, QuarantineItem, SourceFile, TriageResult

D = "2018-06-12"


def _seed(session) -> dict[str, int]:
    run_d, run_next = IngestionRun(flow="nightly", run_date=D), IngestionRun(flow="nightly", run_date="2018-06-13")
    case1, case2 = Case(), Case()
    session.add_all([run_d, run_next, case1, case2])
    session.flush()
    ids = {}

    def complaint(key, channel, run, when, case=None, text="来电人***反映派出所窗口态度差"):
        c = Complaint(channel=channel, source_id=key, received_at=when, text=text, content_hash=key.ljust(64, "0"),
                      run_id=run.id if run else None, case_id=case.id if case else None)
        session.add(c)
        session.flush()
        ids[key] = c.id
        return c

    def triage(c, categories, agencies, review=False, version="m1"):
        session.add(TriageResult(complaint_id=c.id, model_version=version, categories=categories,
                                 agencies=agencies, needs_review=review, handler="纪检组"))

    triage(complaint("c1", "hotline", run_d, datetime(2018, 6, 12, 8), case1), ["low_efficiency"], ["public_security"])
    triage(complaint("c2", "online", run_d, datetime(2018, 6, 11, 23), case1, "网上反映法官收钱"),
           ["abuse_for_profit"], ["court", "public_security"], review=True)
    triage(complaint("c3", "report_box", run_d, datetime(2018, 6, 12, 9), case2), [], ["public_security"])
    triage(complaint("c4", "online", None, datetime(2018, 6, 12, 10)), ["perverting_justice"], [])
    triage(complaint("c5", "hotline", run_next, datetime(2018, 6, 13, 8), case1), ["low_efficiency"], [])
    triage(complaint("c6", "online", None, datetime(2018, 6, 11, 10)), ["formalism"], ["court"])
    c7 = complaint("c7", "hotline", run_d, datetime(2018, 6, 12, 11))
    triage(c7, ["formalism"], ["procuratorate"])
    session.flush()
    triage(c7, ["low_competence"], ["procuratorate"], review=True, version="m2")  # the newer triage counts
    for channel, reason, day in (("hotline", "empty_text", D), ("online", "malformed_json", D),
                                 ("online", "bad_time", "2018-06-13")):
        session.add(QuarantineItem(channel=channel, reason=reason, run_date=day, raw_payload="{}",
                                   payload_hash=(channel + reason).ljust(64, "0")))
    session.add(SourceFile(channel="report_box", path="/x/log.xlsx", sha256="a" * 64, run_date=D, custody={
        "kind": "report_box_log", "log": "log.xlsx", "ok": False, "issues": ["seal_missing"],
        "openings": [{"box": "JG-1", "opened_at": "2018-06-12 09:00", "seals": [], "letters_logged": 2,
                      "files_expected": 0, "files_present": 0, "missing_files": [], "openers": 2,
                      "issues": ["seal_missing"]}]}))
    return ids


def test_report_numbers_by_hand(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        ids = _seed(s)
    with session_scope(factory) as s:
        r = compute(s, D)
    assert r.total == 5
    assert dict(r.by_channel) == {"hotline": 2, "online": 2, "report_box": 1}
    assert +r.matrix == {
        ("low_efficiency", "public_security", "hotline"): 1,
        ("abuse_for_profit", "court", "online"): 1,
        ("abuse_for_profit", "public_security", "online"): 1,
        ("perverting_justice", NO_AGENCY, "online"): 1,
        ("low_competence", "procuratorate", "hotline"): 1,
    }
    assert +r.out_of_scope == {"report_box": 1}
    assert dict(r.by_category_channel) == {  # a complaint counts once per category, whatever its agencies
        ("low_efficiency", "hotline"): 1, ("abuse_for_profit", "online"): 1, ("perverting_justice", "online"): 1,
        ("low_competence", "hotline"): 1}
    assert dict(r.by_agency) == {"public_security": 3, "court": 1, "procuratorate": 1}
    assert r.serious_total == 2 and {i.source_id for i in r.serious} == {"c2", "c4"}
    assert r.review_total == 2 and {i.source_id for i in r.review} == {"c2", "c7"}
    assert [i.source_id for i in r.out_of_scope_items] == ["c3"]
    assert [(g.case_id, [m[2] for m in g.members]) for g in r.cases] == [
        (r.cases[0].case_id, ["c2", "c1", "c5"])]
    assert dict(r.quarantine) == {("hotline", "empty_text"): 1, ("online", "malformed_json"): 1}
    assert r.model_versions == ["m1", "m2"]
    assert r.custody[0]["issues"] == ["seal_missing"]
    assert ids["c6"] not in {i.complaint_id for i in r.serious + r.review}

    markdown, html = render_markdown(r, ["categories.png"]), render_html(r, ["categories.png"])
    assert "共接收投诉举报 5 件（热线电话 2 件，举报箱 1 件，网上平台 2 件）" in markdown
    assert "| 以权谋利、弄权勒卡 | 区人民法院 | 0 | 0 | 1 | 1 |" in markdown
    assert "| 徇私枉法、办人情案关系案金钱案 | 未识别单位 | 0 | 0 | 1 | 1 |" in markdown
    assert "未记录封条号" in markdown and "未记录封条号" in html
    assert "网上反映法官收钱" in markdown and "<td>网上反映法官收钱</td>" in html
    assert markdown.count("![") == 1


def test_html_escapes_stored_text(database_url):
    factory = connect(database_url)
    with session_scope(factory) as s:
        run = IngestionRun(flow="nightly", run_date=D)
        s.add(run)
        s.flush()
        c = Complaint(channel="online", source_id="x", received_at=datetime(2018, 6, 12), run_id=run.id,
                      text="<script>alert(1)</script>法官收钱", content_hash="0" * 64)
        s.add(c)
        s.flush()
        s.add(TriageResult(complaint_id=c.id, model_version="m", categories=["perverting_justice"], agencies=["court"]))
    with session_scope(factory) as s:
        report = compute(s, D)
    html, markdown = render_html(report), render_markdown(report)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>" not in markdown and "&lt;script&gt;alert(1)&lt;/script&gt;法官收钱" in markdown
