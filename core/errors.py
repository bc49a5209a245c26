"""Error pages for people; never a bare 500 traceback. The application factory sends /api/
paths to the API's JSON envelope instead."""

import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.unit_of_work import discard_uncommitted

log = logging.getLogger(__name__)

TITLES = {
    400: "That request could not be used",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "That was too large",
    429: "Too many requests",
    500: "Something went wrong",
}
EXPLANATIONS = {
    400: "The form may have expired. Go back, reload the page and try again.",
    403: "Your account's role does not allow this.",
    404: "There is nothing at this address.",
    413: "What you sent is larger than 1 MB.",
    429: "Please wait a minute and try again.",
    500: "Nothing was changed. Please try again in a moment.",
}


def error_page(error: HTTPException):
    status = error.code or 500
    message = EXPLANATIONS.get(status, error.description)
    if isinstance(error, CSRFError):
        message = "The form's security token was missing or expired. Reload and try again."
    return render_template(
        "error.html", status=status, title=TITLES.get(status, "Error"), message=message
    ), status


def log_unexpected_error(error: Exception) -> InternalServerError:
    """Logged with its traceback; whatever the request had not committed is rolled back."""
    log.exception("unhandled error", exc_info=error)
    discard_uncommitted()
    return InternalServerError()
