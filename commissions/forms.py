"""Forms of the commission pages: approve-due and payout dates, marking paid, write-offs."""

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


class BalanceWriteOffForm(FlaskForm):
    reason = StringField("Why", validators=[DataRequired("Say why."), Length(max=500)])
