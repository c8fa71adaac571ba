"""Synthetic nights for bench/nightly_volume.py: corpus sentences recombined and perturbed, new ids.

Spread like a busy night: ~45 % hotline (CSV in UTF-8 / UTF-8-BOM / GBK / GB18030 and XLSX), ~40 % online
(JSON Lines), ~15 % report-box logs (XLSX and GBK CSV). About 0.5 % exact repeats, 1 % cross-channel
retellings of the same grievance, 0.3 % bad rows (blank text, bad time), and planted names/phones.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus" / "complaints"
_SENTENCE = re.compile(r"(?<=[。！？!?；;])")
FILLERS = ["真的", "实在是", "说实话", "反正", "就是", "确实", "一直", "到现在"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀兰", "志强", "桂芝", "海涛", "丽华", "德胜", "春生", "玉梅", "振华"]
HOTLINE_HEADER = ["工单编号", "来电时间", "来电号码", "来电人", "诉求内容"]
BOX_HEADER = ["信件编号", "箱号", "开箱时间", "开箱人", "封条号", "署名", "信件内容"]


def load_sentences() -> dict[str, list[list[str]]]:
    """Corpus texts split into sentences, per channel."""
    by_channel: dict[str, list[list[str]]] = {"hotline": [], "report_box": [], "online": []}
    for name in ("train.jsonl", "test.jsonl"):
        for line in (CORPUS / name).read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            parts = [s for s in _SENTENCE.split(item["text"]) if s.strip()]
            by_channel.setdefault(item["channel"], []).append(parts)
    return by_channel


class Composer:
    def __init__(self, seed: int = 20180612) -> None:
        self.rng = random.Random(seed)
        self.sentences = load_sentences()

    def person(self) -> tuple[str, str]:
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        return name, f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def text(self, channel: str) -> str:
        rng = self.rng
        base = list(rng.choice(self.sentences[channel]))
        if len(base) > 1 and rng.random() < 0.6:  # recombine: swap in a sentence of another text
            other = rng.choice(self.sentences[channel])
            base[rng.randrange(1, len(base))] = rng.choice(other)
        if rng.random() < 0.5:  # perturb: a filler word and changed numbers
            i = rng.randrange(len(base))
            base[i] = rng.choice(FILLERS) + base[i]
        text = re.sub(r"\d+", lambda m: str(rng.randrange(1, 10 ** len(m.group()))), "".join(base))
        if channel == "hotline" and rng.random() < 0.3:
            name, phone = self.person()
            text = f"来电人{name}（电话{phone}）反映：" + text
        return text


def _when(rng: random.Random, day: datetime) -> datetime:
    return day + timedelta(seconds=rng.randrange(86_400))


def generate(out: Path, total: int, day: datetime, seed: int = 20180612) -> dict[str, int]:
    """Write ``total`` complaints (plus a few bad rows) under ``out``; returns counts per channel/format."""
    comp = Composer(seed)
    rng = comp.rng
    rows: dict[str, list] = {"hotline": [], "online": [], "report_box": []}
    retell: list[tuple[str, str]] = []
    for n in range(total):
        channel = rng.choices(["hotline", "online", "report_box"], [45, 40, 15])[0]
        text = comp.text(channel)
        if retell and rng.random() < 0.01:  # the same grievance arrives by another channel
            text = retell.pop()[1]
        elif rng.random() < 0.01:
            retell.append((channel, text))
        if rng.random() < 0.003:
            text = "  " if rng.random() < 0.5 else text
        when = _when(rng, day)
        bad_time = rng.random() < 0.0015
        name, phone = comp.person()
        if channel == "hotline":
            rows["hotline"].append([f"BH{n:07d}", "2018-02-30 10:00" if bad_time else when.strftime("%Y-%m-%d %H:%M:%S"),
                                    phone, name, text])
        elif channel == "online":
            rows["online"].append({"msg_id": f"BW{n:07d}", "submitted_at": "昨天" if bad_time else
                                   when.strftime("%Y-%m-%dT%H:%M:%S+08:00"), "title": "", "content": text,
                                   "contact": phone if rng.random() < 0.5 else ""})
        else:
            box = f"JG-{n // 40 % 12:02d}"
            rows["report_box"].append([f"BX{n:07d}", box, day.strftime("%Y-%m-%d ") + f"{8 + n // 40 % 10}:00",
                                       "甲、乙", f"FT-{n // 40:06d}", "匿名" if rng.random() < 0.6 else name, text])
        if rng.random() < 0.005:  # an exact repeat row in the same export
            rows[channel].append(rows[channel][-1])
    return _write(out, rows)


def _write(out: Path, rows: dict[str, list]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for channel in rows:
        (out / channel).mkdir(parents=True, exist_ok=True)
    formats = ["utf-8", "gbk", "xlsx", "gb18030", "utf-8-sig"]
    for k, start in enumerate(range(0, len(rows["hotline"]), 5000)):
        part, fmt = rows["hotline"][start:start + 5000], formats[k % len(formats)]
        name = f"hotline_{k:03d}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
        data = _xlsx(HOTLINE_HEADER, part) if fmt == "xlsx" else _csv(HOTLINE_HEADER, part, fmt)
        (out / "hotline" / name).write_bytes(data)
        counts[f"hotline/{fmt}"] = counts.get(f"hotline/{fmt}", 0) + len(part)
    for k, start in enumerate(range(0, len(rows["online"]), 10_000)):
        lines = [json.dumps(r, ensure_ascii=False) for r in rows["online"][start:start + 10_000]]
        (out / "online" / f"messages_{k:03d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        counts["online/jsonl"] = counts.get("online/jsonl", 0) + len(lines)
    for k, start in enumerate(range(0, len(rows["report_box"]), 2500)):
        part = rows["report_box"][start:start + 2500]
        fmt = "xlsx" if k % 2 == 0 else "gbk"
        name = f"box_log_{k:03d}.{'xlsx' if fmt == 'xlsx' else 'csv'}"
        data = _xlsx(BOX_HEADER, part) if fmt == "xlsx" else _csv(BOX_HEADER, part, fmt)
        (out / "report_box" / name).write_bytes(data)
        counts[f"report_box/{fmt}"] = counts.get(f"report_box/{fmt}", 0) + len(part)
    return counts


def _csv(header: list[str], rows: list[list], encoding: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    errors = "replace" if encoding == "gbk" else "strict"  # emoji and rare characters have no GBK code
    return buffer.getvalue().encode(encoding, errors=errors)


def _xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
