"""Survey ingestion: questionnaire exports (CSV/XLSX/JSONL) → pseudonymised, redacted ``SurveyResponse`` rows.

Pure parsing lives in ``columns``, ``parse`` and ``unit_names``; ``files`` reads from disk; ``store`` is the
only module that writes to the database.
"""

from __future__ import annotations

from pathlib import Path

from qingfeng.settings import Settings


def parse_context(settings: Settings, source_file: Path | str | None = None):
    """The parsing context of this installation: pseudonym key, unit names, text limit."""
    from pipelines.survey.parse import ParseContext
    from pipelines.survey.pseudonym import load_or_create_key
    from pipelines.survey.unit_names import UnitNames

    secret = settings.survey_pseudonym_key.get_secret_value() if settings.survey_pseudonym_key else None
    return ParseContext(key=load_or_create_key(secret, settings.survey_pseudonym_key_file),
                        names=UnitNames.from_file(settings.agencies_path),
                        max_text_chars=settings.max_text_chars,
                        source_file=str(source_file) if source_file else None)


def ingest_survey_file(factory, settings: Settings, period: str, path: Path):
    """Parse ``path`` and store it under ``period``; returns an ``IngestReport``."""
    from pipelines.survey.files import read_survey
    from pipelines.survey.store import ingest_outcome

    outcome = read_survey(path, parse_context(settings, path))
    return ingest_outcome(factory, period, outcome, path)
