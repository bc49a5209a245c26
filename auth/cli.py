import click
from flask import Blueprint

from auth.models import Role
from auth.services import (
    DEFAULT_TOKEN_DAYS,
    AccountError,
    create_token,
    create_user,
    list_tokens,
    revoke_token,
    set_active,
    set_password,
)

users_bp = Blueprint("users_cli", __name__, cli_group="users")
tokens_bp = Blueprint("tokens_cli", __name__, cli_group="tokens")


def _run(action):
    """An AccountError becomes the command's message and a non-zero exit."""
    try:
        return action()
    except AccountError as error:
        raise click.ClickException(str(error)) from None


@users_bp.cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(email: str, role: str, password: str) -> None:
    """Add a staff account."""
    user = _run(lambda: create_user(email, role, password))
    click.echo(f"Created {user.role.value} account {user.email}")


@users_bp.cli.command("set-password")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def set_password_command(email: str, password: str) -> None:
    """Give a staff account a new password; its sessions end."""
    user = _run(lambda: set_password(email, password))
    click.echo(f"New password set for {user.email}; its sessions have ended")


@users_bp.cli.command("deactivate")
@click.argument("email")
def deactivate_command(email: str) -> None:
    """Stop an account: its sessions end and its API tokens answer 401."""
    user = _run(lambda: set_active(email, False))
    click.echo(f"Deactivated {user.email}")


@users_bp.cli.command("reactivate")
@click.argument("email")
def reactivate_command(email: str) -> None:
    """Let a deactivated account sign in again (its unexpired tokens work again)."""
    user = _run(lambda: set_active(email, True))
    click.echo(f"Reactivated {user.email}")


@tokens_bp.cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
@click.option("--days", default=DEFAULT_TOKEN_DAYS, show_default=True, type=int)
def create_token_command(email: str, name: str, days: int) -> None:
    """Issue an API token for a staff account; the token is the last line printed."""
    token = _run(lambda: create_token(email, name, days))
    click.echo("Store this token now; it cannot be shown again:")
    click.echo(token)


@tokens_bp.cli.command("list")
def list_tokens_command() -> None:
    """One line per token: id, owner, name, expiry (YYYY-MM-DD), and `revoked` if it is."""
    for token in list_tokens():
        parts = [str(token.id), token.owner, token.name or "-", f"{token.expires_at:%Y-%m-%d}"]
        if token.revoked_at is not None:
            parts.append("revoked")
        click.echo("  ".join(parts))


@tokens_bp.cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token_command(token_id: int) -> None:
    """Revoke a token: it answers 401 from the next request on."""
    _run(lambda: revoke_token(token_id))
    click.echo(f"Revoked token {token_id}")
