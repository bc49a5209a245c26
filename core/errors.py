"""Error pages for people; never a bare 500 traceback. The application factory sends /api/
paths to the API's JSON envelope instead."""

import logging

from flask import render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from core.unit_of_work import commit_was_attempted, discard_uncommitted

log = logging.getLogger(__name__)

TITLES = {
    400: "That request could not be used",
    403: "Not allowed",
    404: "Page not found",
    405: "Method not allowed",
    413: "That was too large",
    429: "Too many requests",
    500: "Something went wrong",
    503: "Please try again shortly",
}
EXPLANATIONS = {
    400: "The form may have expired. Go back, reload the page and try again.",
    403: "Your account's role does not allow this.",
    404: "There is nothing at this address.",
    413: "What you sent is larger than 1 MB.",
    429: "Please wait a minute and try again.",
    500: "Nothing was changed. Please try again in a moment.",
    503: "The database did not answer in time; nothing was changed. Try again in a moment.",
}
OUTCOME_UNKNOWN = (
    "Something failed while your change was being saved, so it may or may not have been "
    "saved. Check before sending it again (the API: retry with the same external_id)."
)


def error_page(error: HTTPException):
    status = error.code or 500
    told = status >= 500 and error.description != type(error).description
    message = error.description if told else EXPLANATIONS.get(status, error.description)
    if isinstance(error, CSRFError):
        message = "The form's security token was missing or expired. Reload and try again."
    return render_template(
        "error.html", status=status, title=TITLES.get(status, "Error"), message=message
    ), status


def log_unexpected_error(error: Exception) -> HTTPException:
    """Logged with its traceback; whatever the request had not committed is rolled back. A
    database that did not answer is a 503; an error once a commit was attempted says the
    outcome is unknown instead of "nothing was changed"."""
    log.exception("unhandled error", exc_info=error)
    discard_uncommitted()
    if commit_was_attempted():
        return InternalServerError(description=OUTCOME_UNKNOWN)
    if is_database_unavailable(error):
        return ServiceUnavailable(description=EXPLANATIONS[503])
    return InternalServerError()


def is_database_unavailable(error: Exception) -> bool:
    """The database refused, dropped or timed out the connection, or cancelled a statement
    that ran past its timeout (not a bug in a query)."""
    if isinstance(error, sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError):
        return error.connection_invalidated or isinstance(
            error, sa_exc.OperationalError | sa_exc.InterfaceError
        )
    return False
