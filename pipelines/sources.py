"""What a night's source directory holds: SOURCE_DIR/hotline/, SOURCE_DIR/report_box/, SOURCE_DIR/online/."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.adapters.hotline import read_hotline
from pipelines.adapters.online import read_online_jsonl
from pipelines.adapters.report_box import ReportBoxLog, is_letter_file, letter_id_of
from pipelines.channels import ChannelConfig
from pipelines.records import CanonicalComplaint, Rejection, ValidationContext

CHANNEL_DIRS = ("hotline", "report_box", "online")


@dataclass(frozen=True)
class SourceFileRef:
    channel: str
    path: Path
    role: str  # export | log | letter

    @property
    def name(self) -> str:
        return self.path.name


def list_source_files(source_dir: Path, config: ChannelConfig) -> list[SourceFileRef]:
    """Every regular, non-hidden file under the three channel folders, in a stable order."""
    refs: list[SourceFileRef] = []
    for channel in CHANNEL_DIRS:
        folder = Path(source_dir) / channel
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))):
            role = "export"
            if channel == "report_box":
                role = "letter" if is_letter_file(path.name, config.report_box) else "log"
            refs.append(SourceFileRef(channel, path, role))
    return refs


def parse_source(ref: SourceFileRef, data: bytes, config: ChannelConfig, ctx: ValidationContext,
                 letters: Mapping[str, tuple[str, bytes]] | None = None
                 ) -> Iterator[CanonicalComplaint | Rejection] | ReportBoxLog:
    """The adapter for one export file (report-box logs get their directory's letter files)."""
    if ref.channel == "hotline":
        return read_hotline(ref.name, data, config.hotline, ctx)
    if ref.channel == "online":
        return read_online_jsonl(ref.name, data, config.online, ctx)
    if ref.channel == "report_box" and ref.role == "log":
        return ReportBoxLog(ref.name, data, letters or {}, config.report_box, ctx)
    raise ValueError(f"not an export file: {ref}")


def letters_by_id(files: Mapping[str, bytes]) -> dict[str, tuple[str, bytes]]:
    """Letter files keyed by letter id (file stem); a .docx wins over a .txt of the same id."""
    found: dict[str, tuple[str, bytes]] = {}
    for name in sorted(files, key=lambda n: (n.lower().endswith(".docx"), n)):
        found[letter_id_of(name)] = (name, files[name])
    return found
