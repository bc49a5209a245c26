from flask import current_app
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from billing.services import ENDABLE_REASONS
from core.form_fields import DollarsField
from leads.forms import options


class ConvertForm(FlaskForm):
    start_date = DateField("First working day", validators=[InputRequired("Required.")])
    engineers = IntegerField(
        "Engineers",
        validators=[InputRequired("Required."), NumberRange(min=1, max=1000)],
        default=1,
    )
    monthly_rate = DollarsField(
        "Monthly rate per engineer", validators=[InputRequired("Required.")]
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
        id="end_reason",
    )
    note = TextAreaField("Note", validators=[Optional(), Length(max=2000)], id="end_note")


class InvoiceForm(FlaskForm):
    number = StringField("Invoice number", validators=[DataRequired("Required."), Length(max=100)])
    issue_date = DateField("Issue date", validators=[InputRequired("Required.")])
    period_start = DateField("Period from", validators=[InputRequired("Required.")])
    period_end = DateField("Period to", validators=[InputRequired("Required.")])
    amount = DollarsField("Amount", validators=[InputRequired("Required.")], min_cents=1)
    commissionable = DollarsField(
        "Service fees (commissionable)",
        description="Leave empty when the whole amount is service fees.",
        validators=[Optional()],
    )
    external_id = StringField("Accounting id", validators=[Optional(), Length(max=200)])


class PaymentForm(FlaskForm):
    amount = DollarsField(
        "Amount", validators=[InputRequired("Required.")], min_cents=1, id="payment_amount"
    )
    paid_on = DateField("Paid on", validators=[InputRequired("Required.")])


class RefundForm(FlaskForm):
    amount = DollarsField(
        "Amount", validators=[InputRequired("Required.")], min_cents=1, id="refund_amount"
    )
    refunded_on = DateField("Refunded on", validators=[InputRequired("Required.")])
    reason = StringField("Reason", validators=[Optional(), Length(max=500)], id="refund_reason")


class WriteOffForm(FlaskForm):
    written_off_on = DateField("Written off on", validators=[InputRequired("Required.")])
    reason = StringField(
        "Reason", validators=[DataRequired("Say why."), Length(max=500)], id="write_off_reason"
    )


class VoidForm(FlaskForm):
    reason = StringField(
        "Reason", validators=[DataRequired("Say why."), Length(max=500)], id="void_reason"
    )


class RefundSentForm(FlaskForm):
    sent_on = DateField("Sent on", validators=[InputRequired("Required.")])
    reference = StringField("Reference", validators=[DataRequired("Required."), Length(max=200)])


class ClaimForm(FlaskForm):
    claimed_on = DateField("Claimed on", validators=[InputRequired("Required.")])
    channel = SelectField(
        "How the client told us",
        choices=options((c, c) for c in ("email", "phone", "letter", "meeting", "other")),
    )
    reason = TextAreaField(
        "What the client said",
        validators=[DataRequired("Required."), Length(max=5000)],
        id="claim_reason",
    )
