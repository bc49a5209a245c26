import click
from flask import Blueprint

from demo.seed import database_is_empty, seed

bp = Blueprint("demo_cli", __name__, cli_group="demo")


@bp.cli.command("seed")
@click.option("--if-empty", is_flag=True, help="Do nothing (and exit 0) on a database with data.")
def seed_command(if_empty: bool) -> None:
    """Fill an empty database with demo staff accounts and leads."""
    if not database_is_empty():
        if if_empty:
            return
        raise click.ClickException("The database already has data; demo seed needs it empty.")
    passwords = seed()
    click.echo("Demo data created. Staff accounts (log in at /login):")
    for email, password in passwords.items():
        click.echo(f"  {email}  password: {password}")
