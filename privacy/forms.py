"""The privacy page's one field: the email address whose data is exported or erased."""

from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Length


class AddressForm(FlaskForm):
    email = EmailField(
        "Email address", validators=[DataRequired("Give an email address."), Length(max=254)]
    )
