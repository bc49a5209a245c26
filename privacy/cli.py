"""`flask privacy export EMAIL` (the JSON on standard output) and `flask privacy erase EMAIL
--yes` (SPEC §16)."""

import json

import click
from flask import Blueprint

from core.service_errors import ServiceError
from privacy.services import erase_personal_data, export_personal_data

bp = Blueprint("privacy_cli", __name__, cli_group="privacy")


@bp.cli.command("export")
@click.argument("email")
def export_command(email: str) -> None:
    """Print everything held about EMAIL as JSON."""
    try:
        document = export_personal_data(email)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(document, indent=2, ensure_ascii=False))


@bp.cli.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Erase without asking (required: it cannot be undone).")
def erase_command(email: str, yes: bool) -> None:
    """Replace every personal field holding EMAIL with a placeholder."""
    if not yes:
        raise click.ClickException("Erasure cannot be undone: pass --yes to erase.")
    try:
        erased = erase_personal_data(email)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    counts = ", ".join(f"{kind} {count}" for kind, count in vars(erased).items())
    click.echo(f"erased: {counts}")
