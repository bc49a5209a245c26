from datetime import date

import click
from flask import Blueprint

from commissions.payouts import run_approve_due, run_payouts
from core.service_errors import ServiceError

commissions_bp = Blueprint("commissions_cli", __name__, cli_group="commissions")
payouts_bp = Blueprint("payouts_cli", __name__, cli_group="payouts")


def _as_of(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("a date as YYYY-MM-DD") from None


@commissions_bp.cli.command("approve-due")
@click.option("--as-of", "as_of", help="Business date (YYYY-MM-DD); default today.")
def approve_due_command(as_of: str | None) -> None:
    """Approve the commission that is due on that date."""
    try:
        count = run_approve_due(_as_of(as_of))
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"approved {count}")


@payouts_bp.cli.command("run")
@click.option("--as-of", "as_of", help="Business date (YYYY-MM-DD); default today.")
def run_command(as_of: str | None) -> None:
    """Create a payout run from every approved entry not yet paid out."""
    try:
        run = run_payouts(_as_of(as_of), actor=None)
    except ServiceError as error:
        raise click.ClickException(str(error)) from None
    payout = run.payout
    total = sum(line.amount_cents for line in payout.lines)
    click.echo(f"payout {payout.id}: {len(payout.lines)} lines, {total} cents")
    for referrer, cents in run.held:
        click.echo(
            f"held for a tax form: referrer {referrer.id} ({referrer.full_name}), {cents} cents"
        )
