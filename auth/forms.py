from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from auth.models import Role
from auth.services import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    code = StringField("Code", validators=[Optional(), Length(max=20)])
    """Optional here: with MFA on, the code may come with the password or on the next step."""


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), Length(max=1000)]
    )
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1000)])
    confirm_password = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two do not match.")],
    )


class IssueTokenForm(FlaskForm):
    owner = SelectField("For", coerce=int, validate_choice=True)
    name = StringField("Name", validators=[Optional(), Length(max=100)])
    days = IntegerField(
        "Valid for (days)",
        default=DEFAULT_TOKEN_DAYS,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_TOKEN_DAYS)],
    )


ROLE_CHOICES = [SelectChoice(role.value, role.value) for role in Role]


class InviteForm(FlaskForm):
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.SALES.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class SetPasswordForm(FlaskForm):
    new_password = PasswordField("New password", validators=[DataRequired(), Length(max=1000)])
    confirm_password = PasswordField(
        "New password again",
        validators=[DataRequired(), EqualTo("new_password", message="The two do not match.")],
    )


class CodeForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app (or a recovery code)",
        validators=[DataRequired(), Length(max=20)],
    )
