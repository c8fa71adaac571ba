"""Channel adapters: source bytes in, canonical complaints (or rejections) out. Pure parsing, no DB."""

from __future__ import annotations

from pipelines.adapters.hotline import read_hotline
from pipelines.adapters.online import read_online_jsonl, read_online_records
from pipelines.adapters.report_box import read_report_box

__all__ = ["read_hotline", "read_online_jsonl", "read_online_records", "read_report_box"]
