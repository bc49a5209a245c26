"""`flask import leads|clients FILE [--skip-errors]` (SPEC §16): a progress bar, then a
summary and each refused line."""

from pathlib import Path

import click
from flask import Blueprint

from imports.clients_import import import_clients
from imports.common import ImportReport
from imports.leads_import import import_leads

bp = Blueprint("import_cli", __name__, cli_group="import")


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"Cannot read {path}: {error}") from None


def _summary(report: ImportReport) -> str:
    return f"{report.kind}: {report.summary('refused')}"


def _run(path: str, skip_errors: bool, importer, label: str) -> None:
    text = _read(path)
    total = max(text.count("\n") - 1, 1)
    with click.progressbar(length=total * 2, label=label) as bar:
        report = importer(text, Path(path).name, None, skip_errors=skip_errors, progress=bar.update)
    for line, reason in report.errors:
        click.echo(f"line {line}: {reason}", err=True)
    click.echo(_summary(report) + ("" if report.written else "; nothing was imported"))
    if report.errors and not report.written:
        raise SystemExit(1)


SKIP_HELP = "Import the valid lines and list the others."


@bp.cli.command("leads")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--skip-errors", is_flag=True, help=SKIP_HELP)
def leads_command(path: str, skip_errors: bool) -> None:
    """Create or update leads from a CSV file (a file with errors imports nothing)."""
    _run(path, skip_errors, import_leads, "Importing leads")


@bp.cli.command("clients")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--skip-errors", is_flag=True, help=SKIP_HELP)
def clients_command(path: str, skip_errors: bool) -> None:
    """Create or update clients, their contacts and contracts from a CSV file."""
    _run(path, skip_errors, import_clients, "Importing clients")
