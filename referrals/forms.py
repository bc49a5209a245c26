from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from core.form_fields import DollarsField, PercentField
from leads.forms import email_field, none_if_blank, optional_text, options, required_text
from referrals.models import Relationship

RELATIONSHIP_LABELS = {
    Relationship.CLIENT: "I am a client",
    Relationship.PARTNER: "I am a partner",
    Relationship.INDIVIDUAL: "I am an individual",
}


class ReferrerSignUpForm(FlaskForm):
    first_name = required_text("First name")
    last_name = required_text("Last name")
    email = email_field("Email")
    company = required_text("Company")
    phone = optional_text("Phone", 50)
    relationship = SelectField(
        "How do you know us?",
        choices=options((kind.value, label) for kind, label in RELATIONSHIP_LABELS.items()),
    )
    payout_email = email_field("Email for payouts")
    accept_terms = BooleanField(
        "I accept the program terms.",
        validators=[DataRequired(message="Please accept the terms to join.")],
    )

    def referrer_data(self) -> dict:
        return {
            name: self[name].data
            for name in (
                "first_name",
                "last_name",
                "email",
                "company",
                "phone",
                "relationship",
                "payout_email",
            )
        }


class PortalSignInForm(FlaskForm):
    email = email_field("Your email")


class ReferCompanyForm(FlaskForm):
    first_name = required_text("Contact's first name")
    last_name = required_text("Contact's last name")
    email = email_field("Contact's email")
    company = required_text("Company")
    needs = TextAreaField(
        "What they need", filters=[none_if_blank], validators=[Optional(), Length(max=2000)]
    )
    note = TextAreaField(
        "A note for our team",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=2000)],
    )


class AttributionForm(FlaskForm):
    referrer_id = SelectField("Referrer", choices=[])
    reason = StringField(
        "Why", filters=[none_if_blank], validators=[DataRequired("Say why."), Length(max=500)]
    )


class ProgramSettingsForm(FlaskForm):
    """The program's terms in percent and dollars; they are stored in basis points and
    cents (`FIELD_OF_TERM` names which is which)."""

    commission_rate = PercentField("Commission rate (%)", validators=[InputRequired("Required.")])
    commission_months = IntegerField(
        "Months of invoices that earn", validators=[InputRequired(), NumberRange(min=1, max=120)]
    )
    bonus = DollarsField(
        "Flat bonus per won client",
        validators=[InputRequired("Required.")],
        max_cents=10_000_000,
    )
    payout_threshold = DollarsField(
        "Payout threshold", validators=[InputRequired("Required.")], max_cents=10**9
    )
    hold_days = IntegerField(
        "Days held after the guarantee", validators=[InputRequired(), NumberRange(min=0, max=365)]
    )
    cap = DollarsField(
        "Most commission one client can earn (empty: no cap)", validators=[Optional()]
    )

    FIELD_OF_TERM = {
        "commission_rate_bp": "commission_rate",
        "commission_months": "commission_months",
        "bonus_cents": "bonus",
        "payout_threshold_cents": "payout_threshold",
        "hold_days": "hold_days",
        "cap_cents": "cap",
    }

    @classmethod
    def showing(cls, terms: dict) -> "ProgramSettingsForm":
        """The form filled with stored terms (`{"commission_rate_bp": 1000, ...}`)."""
        return cls(data={cls.FIELD_OF_TERM[name]: value for name, value in terms.items()})

    def terms(self) -> dict:
        """The typed values as stored terms: basis points and cents."""
        return {name: self[field].data for name, field in self.FIELD_OF_TERM.items()}


class RateOverrideForm(FlaskForm):
    rate = PercentField(
        "Rate for this referrer (%; empty for the program rate)", validators=[Optional()]
    )


class TaxFormForm(FlaskForm):
    tax_form_on_file_on = DateField(
        "Tax form on file since (empty: not on file)", validators=[Optional()]
    )
