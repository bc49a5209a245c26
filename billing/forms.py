from flask import current_app
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from billing.services import ENDABLE_REASONS
from core.money import parse_amount_to_cents
from leads.forms import options


class Amount:
    """Dollars and cents as typed by people; `field.cents` holds the integer."""

    def __call__(self, form, field):
        try:
            field.cents = parse_amount_to_cents(field.data or "")
        except ValueError as error:
            raise ValidationError(str(error)) from None


class ConvertForm(FlaskForm):
    start_date = DateField("First working day", validators=[InputRequired("Required.")])
    engineers = IntegerField(
        "Engineers",
        validators=[InputRequired("Required."), NumberRange(min=1, max=1000)],
        default=1,
    )
    monthly_rate = StringField(
        "Monthly rate per engineer", validators=[DataRequired("Required."), Amount()]
    )
    client_id = SelectField("Client", choices=[], validators=[Optional()])

    def __init__(self, *args, clients=(), **kwargs):
        super().__init__(*args, **kwargs)
        pairs = [("", "Same company (new or existing client)")]
        pairs += [(str(client.id), client.name) for client in clients]
        self.client_id.choices = options(pairs)
        self.currency = current_app.config["CURRENCY"]


class StartDateForm(FlaskForm):
    start_date = DateField("First working day", validators=[InputRequired("Required.")])


class EndContractForm(FlaskForm):
    end_date = DateField("End date", validators=[InputRequired("Required.")])
    reason = SelectField(
        "Reason",
        choices=options(
            (reason.value, reason.value.replace("_", " ")) for reason in ENDABLE_REASONS
        ),
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)])
