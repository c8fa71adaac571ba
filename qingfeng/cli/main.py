"""Entry point of the ``qingfeng`` console script (typer).

Subcommand modules import their heavy dependencies inside the command functions, so ``qingfeng --help``
stays fast and importing this module has no side effects.
"""

from __future__ import annotations

import typer

from qingfeng.cli import classify_cmd, db_cmd, models_cmd, nightly_cmd, review_cmd, score_cmd, serve_cmd

app = typer.Typer(
    name="qingfeng",
    help="清风: triage of complaints against the district's political-legal organs, and unit scoring.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (db_cmd, classify_cmd, serve_cmd, score_cmd, nightly_cmd, review_cmd, models_cmd):
    module.register(app)


if __name__ == "__main__":  # pragma: no cover
    app()
