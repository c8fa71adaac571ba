"""Channel adapters on fixtures built here, in every encoding and format, with every kind of bad row."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import datetime

import pytest

from pipelines.adapters.hotline import read_hotline
from pipelines.adapters.online import read_online_jsonl, read_online_records
from pipelines.adapters.report_box import ReportBoxLog, unlogged_letters
from pipelines.channels import channels_path, load_channel_config
from pipelines.records import CanonicalComplaint, Reason, Rejection, ValidationContext
from pipelines.sources import letters_by_id
from qingfeng.settings import Settings

CONFIG = load_channel_config(channels_path(Settings().data_dir))
CTX = ValidationContext(max_text_chars=200, timezone="Asia/Shanghai")
HEADER = ["工单编号", "来电时间", "来电号码", "来电人", "诉求内容", "所属街道", "工单类型"]
ROWS = [
    ["RX1", "2018-06-12 08:12:40", "13904671258", "王秀兰", "来电人王秀兰反映红星派出所户籍窗口跑了四趟", "红军路街道", "投诉"],
    ["RX2", "2018/6/12 8:47", "0467-2368514, 13512345678", "刘志强", "区法院执行一年没结果", "", ""],
]


def csv_bytes(rows, encoding="utf-8", header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def docx_bytes(paragraphs) -> bytes:
    from docx import Document

    document = Document()
    for p in paragraphs:
        document.add_paragraph(p)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def split(items):
    items = list(items)
    good = [i for i in items if isinstance(i, CanonicalComplaint)]
    bad = [i for i in items if isinstance(i, Rejection)]
    return good, bad


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_hotline_csv_in_every_encoding(encoding):
    good, bad = split(read_hotline("h.csv", csv_bytes(ROWS, encoding), CONFIG.hotline, CTX))
    assert bad == []
    assert [c.source_id for c in good] == ["RX1", "RX2"]
    first, second = good
    assert first.received_at == datetime(2018, 6, 12, 8, 12, 40)
    assert second.received_at == datetime(2018, 6, 12, 8, 47)
    assert first.reporter_name == "王秀兰" and first.reporter_phones == ("13904671258",)
    assert second.reporter_phones == ("0467-2368514", "13512345678")
    assert first.location == "红军路街道" and second.location is None
    assert first.extra == {"kind": "投诉"}
    assert first.channel == "hotline" and first.text.startswith("来电人王秀兰")


def test_hotline_xlsx_with_datetime_cells_and_numeric_ids():
    rows = [[20180612001, datetime(2018, 6, 12, 16, 15), 13104678899, "周丽", "司法局法律援助来回跑", "", ""]]
    good, bad = split(read_hotline("h.xlsx", xlsx_bytes(rows), CONFIG.hotline, CTX))
    assert bad == []
    assert good[0].source_id == "20180612001"
    assert good[0].received_at == datetime(2018, 6, 12, 16, 15)
    assert good[0].reporter_phones == ("13104678899",)


def test_hotline_bad_rows_are_quarantined_with_reason_and_raw_row():
    rows = [
        ["RX1", "2018-06-12 08:00", "", "", "   ", "", ""],
        ["RX2", "2018-06-31 11:18", "", "", "交警大队不出认定书", "", ""],
        ["", "2018-06-12 09:00", "", "", "没有编号的工单", "", ""],
        ["RX4", "2018-06-12 09:00", "", "", "长" * 201, "", ""],
        ["RX5", "2018-06-12 09:00", "", "", "正常的一条", "", ""],
    ]
    good, bad = split(read_hotline("h.csv", csv_bytes(rows), CONFIG.hotline, CTX))
    assert [c.source_id for c in good] == ["RX5"]
    assert [(b.source_id, b.reason) for b in bad] == [
        ("RX1", Reason.empty_text), ("RX2", Reason.bad_time), (None, Reason.missing_field),
        ("RX4", Reason.text_too_long),
    ]
    assert json.loads(bad[1].raw)["来电时间"] == "2018-06-31 11:18"
    assert all(b.source_file == "h.csv" for b in bad)


def test_hotline_missing_required_column_quarantines_the_whole_file():
    data = csv_bytes([["RX1", "2018-06-12", "x"]], header=["工单编号", "来电时间", "备注"])
    items = list(read_hotline("h.csv", data, CONFIG.hotline, CTX))
    assert len(items) == 1 and items[0].reason == Reason.missing_column
    assert "诉求内容" in items[0].detail
    assert json.loads(items[0].raw)["kind"] == "file"


def test_hotline_undecodable_and_unreadable_files():
    junk = list(read_hotline("h.csv", bytes(range(128, 256)) * 4, CONFIG.hotline, CTX))
    assert [i.reason for i in junk] == [Reason.undecodable]
    broken = list(read_hotline("h.xlsx", b"PK\x03\x04 not really a workbook", CONFIG.hotline, CTX))
    assert [i.reason for i in broken] == [Reason.unreadable_file]
    other = list(read_hotline("h.pdf", b"%PDF-1.4", CONFIG.hotline, CTX))
    assert [i.reason for i in other] == [Reason.unsupported_file]


def test_hotline_csv_with_one_undecodable_line_keeps_the_other_rows():
    data = csv_bytes(ROWS, "gbk") + b"RX3,2018-06-12 10:00,,,\xff\xfe\xff\r\n"
    good, bad = split(read_hotline("h.csv", data, CONFIG.hotline, CTX))
    assert [c.source_id for c in good] == ["RX1", "RX2"]
    assert [b.reason for b in bad] == [Reason.undecodable]


def test_column_map_comes_from_configuration():
    columns = {**CONFIG.hotline.columns, "text": ["反映内容"]}
    config = CONFIG.hotline.model_copy(update={"columns": columns})
    header = ["工单编号", "来电时间", "反映内容"]
    good, _ = split(read_hotline("h.csv", csv_bytes([["A1", "2018-06-12 10:00", "法院立案难"]], header=header),
                                 config, CTX))
    assert good[0].text == "法院立案难"


BOX_HEADER = ["信件编号", "箱号", "开箱时间", "开箱人", "封条号", "署名", "信件内容"]
BOX_ROWS = [
    ["XB-1", "JG-03", "2018-06-12 09:00", "刘玉梅、高峰", "FT-11", "匿名", "柳河法庭法官收了对方购物卡"],
    ["XB-2", "JG-03", "2018-06-12 09:00", "刘玉梅、高峰", "FT-11", "王振国", "见附件"],
    ["XB-3", "JG-03", "2018-06-12 09:00", "刘玉梅、高峰", "FT-11", "匿名", "见附件"],
    ["XB-4", "JG-07", "2018年6月12日10时30分", "赵刚", "FT-12", "匿名", "见附件"],
    ["XB-5", "JG-07", "2018年6月12日10时30分", "赵刚", "FT-13", "匿名", "社区矫正管得太松"],
    ["XB-6", "JG-09", "2018-06-12 11:00", "甲、乙", "", "匿名", "派出所不立案"],
]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-gbk"])
def test_report_box_log_with_letter_files_and_custody(fmt):
    log = xlsx_bytes(BOX_ROWS, BOX_HEADER) if fmt == "xlsx" else csv_bytes(BOX_ROWS, "gbk", BOX_HEADER)
    letters = letters_by_id({
        "XB-2.docx": docx_bytes(["尊敬的领导：", "我叫王振国，红星司法所调解员收了我八百元辛苦费。"]),
        "XB-3.txt": "西山派出所所长的小舅子开KTV，派出所从来不查。".encode("gbk"),
        "XB-9.txt": "看守所管教收好处费。".encode("utf-8"),
    })
    reader = ReportBoxLog(f"log.{fmt.split('-')[0]}", log, letters, CONFIG.report_box, CTX)
    good, bad = split(list(reader))
    assert [c.source_id for c in good] == ["XB-1", "XB-2", "XB-3", "XB-5", "XB-6"]
    by_id = {c.source_id: c for c in good}
    assert by_id["XB-2"].text.startswith("尊敬的领导：\n我叫王振国")
    assert by_id["XB-2"].reporter_name == "王振国" and by_id["XB-2"].extra["letter_file"] == "XB-2.docx"
    assert by_id["XB-3"].text.startswith("西山派出所") and by_id["XB-3"].reporter_name is None
    assert by_id["XB-5"].received_at == datetime(2018, 6, 12, 10, 30)
    assert [(b.source_id, b.reason) for b in bad] == [("XB-4", Reason.empty_text)]

    custody = reader.custody
    openings = {o["box"]: o for o in custody["openings"]}
    assert openings["JG-03"]["issues"] == [] and openings["JG-03"]["files_present"] == 2
    assert openings["JG-03"]["letters_logged"] == 3 and openings["JG-03"]["openers"] == 2
    assert set(openings["JG-07"]["issues"]) == {"multiple_seals", "missing_letter_file", "too_few_openers"}
    assert openings["JG-07"]["missing_files"] == ["XB-4"]
    assert openings["JG-07"]["opened_at"] == "2018-06-12 10:30"
    assert openings["JG-09"]["issues"] == ["seal_missing"]
    assert custody["ok"] is False

    orphans = list(unlogged_letters(letters, set(reader.logged_ids)))
    assert [(name, rej.reason, rej.source_id) for name, _, rej in orphans] == [
        ("XB-9.txt", Reason.unlogged_letter, "XB-9")]
    assert "看守所管教" in json.loads(orphans[0][2].raw)["letter_text"]


def test_report_box_seal_reused_across_openings_and_undecodable_letter():
    rows = [["A", "B1", "2018-06-12 09:00", "甲、乙", "S1", "匿名", "法院立案难"],
            ["B", "B2", "2018-06-12 10:00", "甲、乙", "S1", "匿名", "派出所推诿"]]
    letters = letters_by_id({"A.txt": bytes(range(128, 256)) * 3})
    reader = ReportBoxLog("log.csv", csv_bytes(rows, header=BOX_HEADER), letters, CONFIG.report_box, CTX)
    good, bad = split(list(reader))
    assert [c.source_id for c in good] == ["A", "B"]  # the log text stands in for the unreadable file
    assert [(b.reason, b.source_file) for b in bad] == [(Reason.undecodable, "A.txt")]
    assert all("seal_reused" in o["issues"] for o in reader.custody["openings"])


def test_online_jsonl_with_every_kind_of_bad_line():
    lines = [
        json.dumps({"msg_id": "W1", "submitted_at": "2018-06-12T21:33:10+08:00", "title": "法官吃饭",
                    "content": "南岗法庭法官和律师吃饭", "contact": "刘先生 15945678901"}, ensure_ascii=False),
        '{"msg_id": "W2", "submitted_at": "2018-06-12", "content": "法院',
        json.dumps({"msg_id": "W3", "submitted_at": "2018-06-12 10:00", "content": "  "}),
        json.dumps({"msg_id": "W4", "submitted_at": "2018-13-01 25:00", "content": "看守所会见难"}, ensure_ascii=False),
        json.dumps(["not", "an", "object"]),
        "",
        json.dumps({"submitted_at": "2018-06-12 10:00", "content": "无编号"}, ensure_ascii=False),
        json.dumps({"msg_id": 5, "submitted_at": 1528790400, "content": "車管所態度差"}, ensure_ascii=False),
    ]
    data = codecs.BOM_UTF8 + "\n".join(lines).encode("utf-8")
    good, bad = split(list(read_online_jsonl("m.jsonl", data, CONFIG.online, CTX)))
    assert [c.source_id for c in good] == ["W1", "5"]
    w1 = good[0]
    assert w1.text == "法官吃饭\n南岗法庭法官和律师吃饭"
    assert w1.received_at == datetime(2018, 6, 12, 21, 33, 10)
    assert w1.reporter_phones == ("15945678901",) and w1.reporter_other["contact"] == "刘先生 15945678901"
    assert good[1].received_at == datetime(2018, 6, 12, 16, 0)  # unix seconds, shown in Beijing time
    assert [(b.source_id, b.reason) for b in bad] == [
        (None, Reason.malformed_json), ("W3", Reason.empty_text), ("W4", Reason.bad_time),
        (None, Reason.malformed_json), (None, Reason.missing_field),
    ]
    assert bad[0].raw.startswith('{"msg_id": "W2"')


def test_online_records_from_an_api_page_and_utc_times():
    items = [{"msg_id": "W9", "submitted_at": "2018-06-12T13:00:00Z", "title": "", "content": "检察院不答复",
              "contact": ""}, "garbage"]
    good, bad = split(list(read_online_records(items, CONFIG.online, CTX, source_file="api:x")))
    assert good[0].received_at == datetime(2018, 6, 12, 21, 0)
    assert good[0].source_file == "api:x"
    assert [b.reason for b in bad] == [Reason.malformed_json]


def test_online_gbk_jsonl_is_detected():
    line = json.dumps({"msg_id": "W1", "submitted_at": "2018-06-12 10:00", "content": "派出所态度差"},
                      ensure_ascii=False)
    good, bad = split(list(read_online_jsonl("m.jsonl", line.encode("gbk"), CONFIG.online, CTX)))
    assert bad == [] and good[0].text == "派出所态度差"
