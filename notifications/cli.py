import click
from flask import Blueprint

from notifications.sender import send_loop, send_pass

bp = Blueprint("outbox_cli", __name__, cli_group="outbox")


@bp.cli.command("send")
@click.option("--loop", is_flag=True, help="Repeat passes until stopped.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
def send_command(loop: bool, interval: float) -> None:
    """Try every message that is due once (exits 0 even when some fail)."""
    if loop:
        send_loop(interval)
        return
    result = send_pass()
    click.echo(f"sent {result.sent}, to retry {result.retried}, failed {result.failed}")
    hooks = result.webhooks
    click.echo(
        f"webhooks delivered {hooks.delivered}, to retry {hooks.retried}, failed {hooks.failed}"
    )
