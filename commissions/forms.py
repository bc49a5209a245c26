"""Forms of the commission pages: approve-due and payout dates, marking runs and lines paid
or failed, write-offs."""

from flask_wtf import FlaskForm
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, InputRequired, Length


class AsOfForm(FlaskForm):
    as_of = DateField("Business date", validators=[InputRequired("Required.")])


class MarkPaidForm(FlaskForm):
    paid_on = DateField("Paid on", validators=[InputRequired("Required.")])
    reference = StringField(
        "Payment reference", validators=[DataRequired("Required."), Length(max=200)]
    )


class LineFailedForm(FlaskForm):
    reason = StringField(
        "Why it failed (the referrer is told)",
        validators=[DataRequired("Say why."), Length(max=500)],
    )


def line_form(form_class: type[FlaskForm], referrer_id: int, **values) -> FlaskForm:
    """A line's form, prefixed with the referrer so each row's fields have their own ids."""
    return form_class(prefix=f"line-{referrer_id}", **values)


class BalanceWriteOffForm(FlaskForm):
    reason = StringField("Why", validators=[DataRequired("Say why."), Length(max=500)])
