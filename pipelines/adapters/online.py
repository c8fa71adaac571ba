"""Online platform: JSON Lines exports and API pages of ``{"msg_id","submitted_at","title","content","contact"}``."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from typing import Any

from classifiers.pii import find_pii
from pipelines.adapters.tabular import file_payload
from pipelines.channels import OnlineConfig
from pipelines.decoding import Undecodable, decode_bytes, decode_lines
from pipelines.records import (
    CanonicalComplaint,
    Reason,
    Rejection,
    SourceRow,
    ValidationContext,
    raw_json,
    validate_row,
)

CHANNEL = "online"


def split_contact(contact: Any) -> tuple[str | None, tuple[str, ...], dict[str, Any]]:
    """Reporter name, phone numbers and the rest of a free-form contact field (all for the restricted table)."""
    if contact in (None, ""):
        return None, (), {}
    text = str(contact).strip()
    spans = find_pii(text)
    phones = tuple(s.text for s in spans if s.label in ("phone", "landline"))
    names = [s.text for s in spans if s.label == "name"]
    other: dict[str, Any] = {"contact": text}
    emails = [s.text for s in spans if s.label == "email"]
    if emails:
        other["emails"] = emails
    return (names[0] if names else None), phones, other


def message_text(title: Any, content: Any) -> Any:
    """The complaint text: the title leads when it adds something the content does not already say."""
    if content is None or not str(content).strip():
        return content
    head = "" if title is None else str(title).strip()
    body = str(content).strip()
    if head and not body.startswith(head):
        return f"{head}\n{body}"
    return body


def online_source_row(obj: dict[str, Any], raw: str, config: OnlineConfig, source_file: str | None,
                      locator: str | None) -> SourceRow:
    f = config.fields
    name, phones, other = split_contact(obj.get(f["contact"]))
    values = {
        "source_id": obj.get(f["source_id"]),
        "received_at": obj.get(f["received_at"]),
        "text": message_text(obj.get(f.get("title", "title")), obj.get(f["text"])),
        "reporter_name": name,
        "reporter_phones": phones,
        "reporter_other": other,
    }
    return SourceRow(CHANNEL, values, raw, source_file, locator)


def read_online_records(records: Iterable[Any], config: OnlineConfig, ctx: ValidationContext,
                        source_file: str | None = None) -> Iterator[CanonicalComplaint | Rejection]:
    """Canonical complaints out of already-parsed records (an API page's ``items``)."""
    for index, obj in enumerate(records, 1):
        raw = raw_json(obj) if isinstance(obj, dict) else json.dumps(obj, ensure_ascii=False, default=str)
        if not isinstance(obj, dict):
            yield Rejection(CHANNEL, Reason.malformed_json, raw, source_file, detail=f"第{index}条不是 JSON 对象")
            continue
        yield validate_row(online_source_row(obj, raw, config, source_file, f"第{index}条"), ctx)


def read_online_jsonl(name: str, data: bytes, config: OnlineConfig,
                      ctx: ValidationContext) -> Iterator[CanonicalComplaint | Rejection]:
    """Canonical complaints out of one JSON Lines export; a bad line never stops the file."""
    try:
        text = decode_bytes(data).text
        bad: list[tuple[int, bytes]] = []
    except Undecodable:
        try:
            decoded, bad = decode_lines(data)
            text = decoded.text
        except Undecodable as exc:
            yield Rejection(CHANNEL, Reason.undecodable, file_payload(data), name, detail=str(exc))
            return
    for number, line in bad:
        payload = raw_json({"base64": base64.b64encode(line).decode("ascii"), "kind": "line"})
        yield Rejection(CHANNEL, Reason.undecodable, payload, name, detail=f"第{number}行无法解码")
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip().lstrip("\ufeff")
        if not stripped:
            continue
        try:
            obj = json.loads(stripped)
        except json.JSONDecodeError as exc:
            yield Rejection(CHANNEL, Reason.malformed_json, stripped, name,
                            detail=f"第{number}行: JSON 解析失败 (位置 {exc.pos})")
            continue
        if not isinstance(obj, dict):
            yield Rejection(CHANNEL, Reason.malformed_json, stripped, name, detail=f"第{number}行不是 JSON 对象")
            continue
        yield validate_row(online_source_row(obj, raw_json(obj), config, name, f"第{number}行"), ctx)
