"""Chinese text handling and the triage models. Imports nothing from ``pipelines`` or ``serving``."""
