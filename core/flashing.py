"""Run a service change from a page: a refusal becomes a flashed message, a missing record
a 404."""

from collections.abc import Callable

from flask import abort, flash

from core.service_errors import ServiceError


def flash_form_errors(form) -> None:
    """A form posted from a page that redirects back: each field's errors as a message."""
    for name, messages in form.errors.items():
        flash(f"{form[name].label.text}: {' '.join(messages)}", "error")


def apply_change(change: Callable[[], object], success: str) -> None:
    try:
        change()
    except ServiceError as error:
        if error.code == "not_found":
            abort(404)
        flash(str(error), "error")
    else:
        flash(success, "success")
