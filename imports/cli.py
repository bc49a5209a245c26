"""`flask import leads FILE [--skip-errors]` (SPEC §16): a progress bar, then a summary and
each refused line."""

from pathlib import Path

import click
from flask import Blueprint

from imports.leads_import import ImportReport, import_leads

bp = Blueprint("import_cli", __name__, cli_group="import")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {path}: {error}") from None


def _summary(report: ImportReport) -> str:
    return f"{report.kind}: {report.summary('refused')}"


@bp.cli.command("leads")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--skip-errors", is_flag=True, help="Import the valid lines and list the others.")
def leads_command(path: str, skip_errors: bool) -> None:
    """Create or update leads from a CSV file (a file with errors imports nothing)."""
    text = _read(path)
    total = max(text.count("\n") - 1, 1)
    with click.progressbar(length=total * 2, label="Importing leads", file=None) as bar:
        report = import_leads(
            text, Path(path).name, None, skip_errors=skip_errors, progress=bar.update
        )
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}", err=True)
    click.echo(_summary(report) + ("" if report.written else "; nothing was imported"))
    if report.errors and not report.written:
        raise SystemExit(1)
