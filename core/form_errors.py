"""The error summary shown after a failed submit (SPEC §13 "Phone and keyboard"): every
form of the page that has errors, each error linked to the field it belongs to."""

from dataclasses import dataclass

from jinja2 import pass_context
from jinja2.runtime import Context
from wtforms import Form
from wtforms.fields import HiddenField, RadioField, SelectMultipleField


@dataclass(frozen=True)
class FormError:
    message: str
    label: str | None = None
    anchor: str | None = None
    """The id to link to; None for an error no visible field shows (CSRF, the form's own)."""


@pass_context
def failed_forms(context: Context) -> list[Form]:
    """The forms in the page's context that failed validation, each once."""
    found: list[Form] = []
    for value in context.get_all().values():
        if isinstance(value, Form) and value.errors and all(value is not f for f in found):
            found.append(value)
    return found


def form_errors(form: Form) -> list[FormError]:
    """The form's errors in field order, then the errors of the form as a whole."""
    errors = []
    for field in form:
        messages = [m for m in field.errors if isinstance(m, str)]
        if not messages:
            continue
        if isinstance(field, HiddenField) or field.type == "CSRFTokenField":
            errors.extend(FormError(message) for message in messages)
            continue
        label = field.label.text.rstrip(".:")
        errors.extend(FormError(m, label, _anchor(field)) for m in messages)
    errors.extend(FormError(m) for m in getattr(form, "form_errors", []) if isinstance(m, str))
    return errors


def _anchor(field) -> str:
    """A group of checkboxes or radios is reached through its first option."""
    grouped = isinstance(field, RadioField) or (
        isinstance(field, SelectMultipleField)
        and getattr(field.option_widget, "input_type", None) in ("checkbox", "radio")
    )
    return f"{field.id}-0" if grouped else field.id
