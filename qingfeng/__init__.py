"""qingfeng (清风): shared settings, schema and storage for the triage system.

This package is the small shared layer that `classifiers`, `pipelines` and `serving` may all import.
Importing it has no side effects.
"""

__version__ = "0.1.0"
