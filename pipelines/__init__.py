"""Edges of the system: channel adapters, the nightly flow, intake into storage, reports and exports.

Pure parsing lives in ``pipelines.adapters``; ``pipelines.intake`` is the one storage path for a complaint
(used by the nightly flow and the API); ``pipelines.nightly`` is the only module that imports Prefect.
"""
