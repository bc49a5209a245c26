import click
from flask import Blueprint

from auth.models import Role
from auth.services import AccountError, create_token, create_user

users_bp = Blueprint("users_cli", __name__, cli_group="users")
tokens_bp = Blueprint("tokens_cli", __name__, cli_group="tokens")


@users_bp.cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email: str, role: str, password: str) -> None:
    """Add a staff account."""
    try:
        user = create_user(email, role, password)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.role.value} account {user.email}")


@tokens_bp.cli.command("create")
@click.argument("email")
def create_token_command(email: str) -> None:
    """Issue an API token for a staff account; the token is the last line printed."""
    try:
        token = create_token(email)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    click.echo("Store this token now; it cannot be shown again:")
    click.echo(token)
