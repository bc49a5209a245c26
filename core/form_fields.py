"""Form fields more than one package's forms use."""

from wtforms import SelectMultipleField, StringField, widgets
from wtforms.validators import ValidationError

from core.money import (
    MAX_CENTS,
    basis_points_as_percent,
    cents_for_input,
    format_cents,
    parse_amount_to_cents,
    parse_percent_to_basis_points,
)


class CheckboxList(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class DollarsField(StringField):
    """Money typed in dollars ("18000", "18,000.00", "$18,000"); `data` is integer cents
    (None when left empty), and a known amount is shown as "18,000.00". `min_cents` and
    `max_cents` bound it; bad input is a field error, never an exception. Pair it with
    InputRequired (not DataRequired: 0 cents is a value) or Optional."""

    def __init__(self, label=None, validators=None, min_cents=0, max_cents=MAX_CENTS, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)
        self.min_cents, self.max_cents = min_cents, max_cents

    @property
    def cents(self) -> int | None:
        return self.data

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = parse_amount_to_cents(valuelist[0]) if valuelist[0].strip() else None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else cents_for_input(self.data)

    def post_validate(self, form, validation_stopped):
        if validation_stopped or self.errors or self.data is None:
            return
        if self.data < self.min_cents:
            raise ValidationError(f"At least {format_cents(self.min_cents)}.")
        if self.data > self.max_cents:
            raise ValidationError(f"At most {format_cents(self.max_cents)}.")


class PercentField(StringField):
    """A rate typed in percent ("10", "12.5"); `data` is basis points (1250), None when left
    empty, shown as "12.5"."""

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if valuelist:
            text = valuelist[0]
            self.data = parse_percent_to_basis_points(text) if text.strip() else None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else basis_points_as_percent(self.data)
