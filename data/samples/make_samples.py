"""Write the sample night (2018-06-12) of the three channels under data/samples/ from the content below.

Hand-written exports in the formats the nightly flow reads: a GBK hotline CSV and an XLSX night-shift export,
a report-box opening log (XLSX) with .docx/.txt letter files (one letter logged without its file, one file
without a log row, one opening with a lone opener and two seals), and an online JSON Lines export. Planted
on purpose: reporter names, phone and ID numbers, a blank text, bad times, a malformed JSON line, exact
duplicate rows, a source id reused with different content, and one grievance told both by phone and online.

Run: ``.venv/bin/python data/samples/make_samples.py`` (rewrites the files; the content is fixed).
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLE_DATE = "2018-06-12"
FIXED_TIME = datetime(2018, 6, 13, 1, 0)

HOTLINE_HEADER = ["工单编号", "来电时间", "来电号码", "来电人", "诉求内容", "所属街道", "工单类型"]

HOTLINE_DAY = [  # GBK CSV, times as text
    ["RX20180612001", "2018-06-12 08:12:40", "13904671258", "王秀兰",
     "来电人王秀兰反映：她上周去红星派出所户籍窗口给孙子办户口迁移，窗口民警说材料不全让回去补，第二次去又说要街道开证明，"
     "第三次去又换了个说法，前后跑了四趟还没办成，窗口民警说话还很冲。希望一次性告知所需材料。", "红军路街道", "投诉"],
    ["RX20180612002", "2018/6/12 8:47", "0467-2368514", "刘志强",
     "来电人反映：2017年他在区法院打赢了一场劳务费官司，判决对方给付三万八千元，申请执行快一年了，执行法官一直说对方没有财产，"
     "可对方的货车天天在南山路跑运输，他把车停在哪都告诉法官了，法官也不去扣车。要求法院尽快执行到位。", "向阳街道", "投诉"],
    ["RX20180612003", "2018-06-12 09:30:05", "15845302217", "陈桂芝",
     "来电咨询：老伴去世了要注销户口，需要带什么材料，东风派出所周六上不上班。", "东风街道", "咨询"],
    ["RX20180612004", "2018-06-12 10:05:33", "13766881234", "赵先生",
     "来电人赵先生反映：他在鸡冠山开了个小超市，鸡冠山派出所一名姓孙的辅警经常来店里拿烟拿酒不给钱，说是照顾生意，"
     "上个月还暗示他每月交两千块治安费，不交就天天来查消防。他不敢不给，已经给了两次。要求严查。", "鸡冠山街道", "举报"],
    ["RX20180612005", "2018-06-12 10:40:00", "13512349876", "李明", "   ", "南山街道", "投诉"],
    ["RX20180612006", "2018-06-31 11:18:00", "13645670987", "",
     "来电人反映：交警大队事故科两个月了还不出事故认定书，每次去问都说领导没签字。", "西山街道", "投诉"],
    ["RX20180612007", "2018-06-12 13:26:12", "18945671023", "张建国",
     "来电人张建国（身份证230302196705121234）反映：他儿子打架的案子，对方家里托了关系，刑侦大队的办案民警收了对方的钱，"
     "把责任全推到他儿子身上，笔录也改了，他去问，民警让他别瞎折腾。要求上级调查。", "城关街道", "举报"],
    ["RX20180612001", "2018-06-12 08:12:40", "13904671258", "王秀兰",
     "来电人王秀兰反映：她上周去红星派出所户籍窗口给孙子办户口迁移，窗口民警说材料不全让回去补，第二次去又说要街道开证明，"
     "第三次去又换了个说法，前后跑了四趟还没办成，窗口民警说话还很冲。希望一次性告知所需材料。", "红军路街道", "投诉"],
    ["RX20180612009", "2018-06-12 14:02:51", "13836457890", "李建华",
     "来电人李建华（电话13836457890）反映：南岗派出所办理他家门市房被砸一案，去年十月报的案，到现在八个月了没有任何进展，"
     "他多次去所里问，值班民警说办案民警不在，打办案民警电话也不接，要求尽快给个说法。", "南岗街道", "投诉"],
]

HOTLINE_NIGHT = [  # XLSX, times as datetime cells
    ["RX20180612010", datetime(2018, 6, 12, 16, 15), "13104678899", "周丽",
     "来电人周丽反映：她去区司法局法律援助中心申请法律援助，工作人员让她先去开低保证明，开回来又说还要社区的困难证明，"
     "来回跑了三趟，到现在还没受理。", "红军路街道", "投诉"],
    ["RX20180612011", datetime(2018, 6, 12, 17, 40), "15004673321", "孙海",
     "来电人反映：区检察院对他控告的诈骗案作出不起诉决定，他申请复议两个月了没有任何答复，打控告申诉的电话也没人接。",
     "向阳街道", "投诉"],
    ["RX20180612012", datetime(2018, 6, 12, 18, 22), "13945678012", "吴女士",
     "来电人吴女士反映：小区供热公司去年冬天暖气一直不热，要求退部分采暖费，供热公司不给退。", "南山街道", "投诉"],
    ["RX20180612013", datetime(2018, 6, 12, 19, 5), "18646723456", "郑德胜",
     "来电人郑德胜反映：他在立新街道开饭店，治安大队的民警检查时因为一个灭火器过期一天罚了他五千元，他说第一次能不能少罚点，"
     "民警说条文就是这么规定的，一分不能少。", "立新街道", "投诉"],
    ["RX20180612014", datetime(2018, 6, 12, 20, 30), "13304671111", "",
     "来电人反映：区综治中心接了他的矛盾调解申请，说一周内调解，过去一个月了只给他打过一次回访电话问满意不满意，事情根本没解决。",
     "城关街道", "投诉"],
    ["RX20180612004", datetime(2018, 6, 12, 21, 0), "13766881234", "赵先生",
     "来电人赵先生再次来电，补充说那名辅警昨天又来店里了。", "鸡冠山街道", "举报"],
    ["RX20180612016", datetime(2018, 6, 12, 22, 45), "13704670000", "王磊",
     "来电人王磊反映：他去出入境窗口办港澳通行证，工作人员中午十一点半就不受理了，说系统关了，门口贴的下班时间是十二点。",
     "东风街道", "投诉"],
]

BOX_HEADER = ["信件编号", "箱号", "开箱时间", "开箱人", "封条号", "署名", "信件内容"]
OPENING_A = ("JG-03", "2018-06-12 09:00", "刘玉梅、高峰", "FT-2018-0611")
OPENING_B = ("JG-07", "2018年6月12日10时30分", "赵刚", "FT-2018-0612")
BOX_LOG = [
    ["XB20180612-01", *OPENING_A, "匿名",
     "尊敬的领导：柳河人民法庭的一位法官在审理我家宅基地纠纷时，收了对方两条烟和一千元购物卡，开庭时处处帮对方说话，"
     "判决明显偏向对方。请领导派人调查。"],
    ["XB20180612-02", *OPENING_A, "王振国", "见附件"],
    ["XB20180612-03", *OPENING_A, "匿名", "见附件"],
    ["XB20180612-04", *OPENING_A, "陈淑华",
     "我是城关街道居民陈淑华，去年十一月在区法院起诉物业公司，立案庭说材料不全让补，补了三次，每次说的都不一样，"
     "到现在还没立上案。"],
    ["XB20180612-05", *OPENING_B, "匿名", "见附件"],
    ["XB20180612-06", *OPENING_B, "老党员",
     "区司法局社区矫正的工作人员对矫正对象管得太松，有个矫正对象天天在外面喝酒打牌，还到处说自己上面有人，没人敢管。"],
    ["XB20180612-07", *OPENING_B, "匿名",
     "举报南岗派出所民警处理一起交通纠纷时，跟肇事方称兄道弟，调解时一直帮着对方压价，我们不同意就说不调了让我们去法院告。"],
    ["XB20180612-08", *OPENING_B[:3], "FT-2018-0613", "一群众",
     "区法院执行局办案拖拉，我的案子立案执行一年多，只执行回来两千元，问法官就说对方没钱，对方却刚买了新车。"],
]
LETTER_DOCX = {
    "XB20180612-02": ["尊敬的领导：",
                      "我叫王振国，家住鸡冠区红星乡，联系电话13845679012。我举报红星司法所的调解员，"
                      "他调解我和邻居的土地纠纷时，私下找我要了八百元“辛苦费”，说给了钱就帮我把地要回来，",
                      "结果调解书上还是写着地归邻居。我去问他要钱，他说钱已经交上去了。请领导给我做主。",
                      "此致 敬礼"],
}
LETTER_TXT = {  # written in GBK, as the clerk's old PC saves them
    "XB20180612-03": "举报：西山派出所所长的小舅子在辖区开KTV，派出所从来不去查，别的KTV隔三差五被查被罚，"
                     "大家都说那家店有所长的股份。",
    "XB20180612-09": "区看守所有管教收家属的“好处费”，交了钱的在里面能吃小灶、打电话，不交的就被欺负。"
                     "我弟弟在里面，家里已经交了三千元。",
}

ONLINE = [
    {"msg_id": "WS1806120001", "submitted_at": "2018-06-12T07:45:12+08:00", "title": "事故认定书拖了两个月",
     "content": "交警大队事故科两个月了还不给出事故认定书，每次去都说领导没签字，保险公司那边没法理赔，这效率也太低了吧",
     "contact": "13604675566"},
    {"msg_id": "WS1806120002", "submitted_at": "2018-06-12T08:20:40+08:00", "title": "",
     "content": "車管所窗口那個女的態度太差了，問兩句就不耐煩，材料扔出來讓自己看牆上的說明", "contact": ""},
    {"msg_id": "WS1806120003", "submitted_at": "2018-06-12T09:05:00+08:00", "title": "报案八个月没进展",
     "content": "南岗派出所办案民警办理我家门市房被砸一案，去年十月报的案，到现在八个月了没有任何进展！！我多次去所里问，"
                "值班民警说办案民警不在，打办案民警电话也不接。请求尽快给个说法。", "contact": "李先生 13836457890"},
    {"msg_id": "WS1806120004", "submitted_at": "2018-06-12 10:11:09", "title": "",
     "content": "派出所开个无犯罪记录证明要等一周？？？😡 隔壁县当天就能开，服了", "contact": "wx_dongfeng88"},
    "{\"msg_id\": \"WS1806120005\", \"submitted_at\": \"2018-06-12T10:30:00+08:00\", \"title\": \"执行\", \"content\": \"法院",
    {"msg_id": "WS1806120006", "submitted_at": "2018-06-12T11:02:00+08:00", "title": "无标题", "content": "  ",
     "contact": "15945600001"},
    {"msg_id": "WS1806120001", "submitted_at": "2018-06-12T07:45:12+08:00", "title": "事故认定书拖了两个月",
     "content": "交警大队事故科两个月了还不给出事故认定书，每次去都说领导没签字，保险公司那边没法理赔，这效率也太低了吧",
     "contact": "13604675566"},
    {"msg_id": "WS1806120008", "submitted_at": "2018-13-01 25:00", "title": "律师会见难",
     "content": "看守所律师会见要提前三天预约，到了还要等半天，说会见室不够", "contact": ""},
    {"msg_id": "WS1806120009", "submitted_at": "2018-06-12T12:40:00+08:00", "title": "", "content": "测试",
     "contact": ""},
    {"msg_id": "WS1806120010", "submitted_at": "2018-06-12T13:15:27+08:00", "title": "网格员乱收费",
     "content": "我们小区的网格员借着排查出租房，向每户租户收200元登记费，不给收据，说是综治中心规定的，这合理吗？",
     "contact": "张女士"},
    {"msg_id": "WS1806120011", "submitted_at": "2018-06-12T14:30:00+08:00", "title": "表扬",
     "content": "感谢城关派出所的民警连夜帮我们找回走失的老人，辛苦了！👍", "contact": ""},
    {"msg_id": "WS1806120012", "submitted_at": "2018-06-12T15:48:31+08:00", "title": "超标的查封",
     "content": "区法院执行局为了八万元的欠款，把我们公司三百多万的账户全部冻结了，工资都发不出来，找法官说明情况也不见",
     "contact": "0467-2412345"},
    {"msg_id": "WS1806120013", "submitted_at": "2018-06-12T16:20:00+08:00", "title": "",
     "content": "区公证处办个继承公证要我们兄弟五个全部到场，在外地打工的也得回来，还让开亲属关系证明，派出所说不给开，两边推",
     "contact": ""},
    {"msg_id": "WS1806120014", "submitted_at": "2018-06-12T18:05:44+08:00", "title": "控告答复走形式",
     "content": "检察院回复我的控告就一句“已转有关部门处理”，转到哪了也不说，打电话问就说按程序办，这就是办理结果？",
     "contact": "13904679876"},
    {"msg_id": "WS1806120015", "submitted_at": "2018-06-12T21:33:10+08:00", "title": "法官和对方律师吃饭",
     "content": "我叫刘春生，电话15945678901。南岗法庭的法官跟对方律师是同学，开庭前一天在饭店一起吃饭被我看到了，"
                "判决完全偏向对方，请纪委查一查。", "contact": "15945678901"},
]


def _workbook(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.properties.created = wb.properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _docx(paragraphs: list[str]) -> bytes:
    from docx import Document

    document = Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.core_properties.created = document.core_properties.modified = FIXED_TIME
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _csv(header: list[str], rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def build(root: Path = HERE) -> list[Path]:
    """Write every sample file under ``root``; returns the paths written."""
    written: list[Path] = []

    def put(relative: str, data: bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)

    put("hotline/hotline_20180612_day.csv", _csv(HOTLINE_HEADER, HOTLINE_DAY).encode("gbk"))
    put("hotline/hotline_20180612_night.xlsx", _workbook(HOTLINE_HEADER, HOTLINE_NIGHT))
    put("report_box/box_log_20180612.xlsx", _workbook(BOX_HEADER, BOX_LOG))
    for letter_id, paragraphs in LETTER_DOCX.items():
        put(f"report_box/{letter_id}.docx", _docx(paragraphs))
    for letter_id, text in LETTER_TXT.items():
        put(f"report_box/{letter_id}.txt", text.encode("gbk"))
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in ONLINE]
    put("online/messages_20180612.jsonl", ("\n".join(lines) + "\n").encode("utf-8"))
    return written


if __name__ == "__main__":  # pragma: no cover
    for p in build():
        print(p.relative_to(HERE))
