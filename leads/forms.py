"""The hire form and the staff forms. The API validates JSON with the same LeadFieldsForm."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from core.form_fields import CheckboxList
from core.validation import InvalidValue, normalise_email_address, normalise_phone
from leads.rules import (
    LEAD_LABELS,
    NEXT_ACTION_MAX_LENGTH,
    STAFF_SOURCES,
    LeadStatus,
    StartTimeline,
    status_moves,
)


def show_refusal(form: FlaskForm, error: Exception, fallback) -> None:
    """A refused change's messages on the fields they name (else on `fallback`)."""
    fields = getattr(error, "fields", None) or {fallback.name: [str(error)]}
    for name, messages in fields.items():
        target = form[name] if name in form else fallback
        target.errors = [*target.errors, *messages]


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def strip(value):
    return value.strip() if isinstance(value, str) else value


def none_if_blank(value):
    value = strip(value)
    return value or None


def required_text(label: str, max_length: int = 200) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message="Required."), Length(max=max_length)],
    )


def optional_text(label: str, max_length: int) -> StringField:
    return StringField(
        label, filters=[none_if_blank], validators=[Optional(), Length(max=max_length)]
    )


class EmailAddress:
    """email-validator's syntax check, rewriting the field to the stored form."""

    def __call__(self, form, field):
        try:
            field.data = normalise_email_address(field.data or "")
        except InvalidValue as error:
            raise ValidationError(str(error)) from None


class ChoseAtLeastOne:
    """Like DataRequired, without the `required` attribute a browser would put on every box."""

    def __call__(self, form, field):
        if not field.data:
            raise ValidationError("Pick at least one role.")


def email_field(label: str) -> StringField:
    return StringField(
        label,
        filters=[strip],
        validators=[DataRequired(message="Required."), Length(max=254), EmailAddress()],
    )


START_TIMELINE_CHOICES = options(
    [("", "Not sure yet"), *((when.value, LEAD_LABELS[when]) for when in StartTimeline)]
)


class LeadFieldsForm(FlaskForm):
    """The fields of SPEC §2 with their rules, for `form` and `api` leads."""

    first_name = required_text("First name")
    last_name = required_text("Last name")
    company = required_text("Company")
    email = email_field("Work email")
    roles = CheckboxList("Roles you need", validators=[ChoseAtLeastOne()])
    headcount = IntegerField(
        "How many engineers",
        validators=[
            InputRequired(message="Required."),
            NumberRange(min=1, max=500, message="Between 1 and 500."),
        ],
    )
    consent = BooleanField(
        "I agree that you store these details to answer my request.",
        validators=[DataRequired(message="We need your consent to answer you.")],
    )
    message = TextAreaField(
        "Anything else we should know?",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=5000)],
    )
    phone = optional_text("Phone", 50)
    website = optional_text("Company website", 300)
    job_title = optional_text("Your job title", 200)
    seniority = optional_text("Seniority", 100)
    tech_stack = optional_text("Tech stack", 1000)
    start_timeline = SelectField(
        "When should they start?", choices=START_TIMELINE_CHOICES, default=""
    )
    marketing_opt_in = BooleanField("Send me occasional hiring insights.")
    referral_code = optional_text("Referral code", 50)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = options((role, role) for role in current_app.config["LEAD_ROLES"])

    def lead_data(self) -> dict:
        """The cleaned values, in the shape the lead service takes."""
        phone = self.phone.data
        region = current_app.config["PHONE_DEFAULT_REGION"]
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "company": self.company.data,
            "email": self.email.data,
            "roles": list(self.roles.data),
            "headcount": self.headcount.data,
            "consent": bool(self.consent.data),
            "message": self.message.data,
            "phone": normalise_phone(phone, region) if phone else None,
            "website": self.website.data,
            "job_title": self.job_title.data,
            "seniority": self.seniority.data,
            "tech_stack": self.tech_stack.data,
            "start_timeline": self.start_timeline.data or None,
            "marketing_opt_in": bool(self.marketing_opt_in.data),
            "referral_code": (self.referral_code.data or "").upper() or None,
        }


class HireForm(LeadFieldsForm):
    """The public form: adds the honeypot and the signed render time."""

    nickname = StringField("Leave this field empty")
    rendered_at = HiddenField()


class StaffLeadForm(FlaskForm):
    """A lead entered by hand: names, email and company are enough."""

    first_name = required_text("First name")
    last_name = required_text("Last name")
    company = required_text("Company")
    email = email_field("Email")
    phone = optional_text("Phone", 50)
    job_title = optional_text("Job title", 200)
    message = TextAreaField(
        "What they need", filters=[none_if_blank], validators=[Optional(), Length(max=5000)]
    )
    source = SelectField(
        "Source", choices=options((source.value, LEAD_LABELS[source]) for source in STAFF_SOURCES)
    )
    owner_email = SelectField("Owner", choices=[])

    def lead_data(self) -> dict:
        phone = self.phone.data
        region = current_app.config["PHONE_DEFAULT_REGION"]
        return {
            "first_name": self.first_name.data,
            "last_name": self.last_name.data,
            "company": self.company.data,
            "email": self.email.data,
            "phone": normalise_phone(phone, region) if phone else None,
            "job_title": self.job_title.data,
            "message": self.message.data,
        }


class NoteForm(FlaskForm):
    body = TextAreaField(
        "Note",
        filters=[strip],
        validators=[DataRequired(message="Write something."), Length(max=5000)],
    )


class StatusForm(FlaskForm):
    """A status change. Given the lead's `current` status it offers only the moves the
    pipeline allows from there (none for a won lead); without it, any status a person may
    pick, for validating a post (the service has the last word)."""

    status = SelectField("New status", choices=[])
    lost_reason = TextAreaField(
        "Why was it lost?", filters=[none_if_blank], validators=[Optional(), Length(max=2000)]
    )

    def __init__(self, *args, current: LeadStatus | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer(current)

    def offer(self, current: LeadStatus | None) -> None:
        moves = (
            status_moves(current)
            if current is not None
            else [s for s in LeadStatus if s != LeadStatus.WON]
        )
        pairs = [(move.value, LEAD_LABELS[move]) for move in moves]
        self.status.choices = options([("", "Choose…"), *pairs] if pairs else [])

    def show_refusal(self, error: Exception) -> None:
        show_refusal(self, error, self.status)


class OwnerForm(FlaskForm):
    owner_email = SelectField("Owner", choices=[])


class NextActionForm(FlaskForm):
    """A lead's next action (SPEC §13): a day and what to do; both empty clears it."""

    next_action_on = DateField("Next action on", validators=[Optional()])
    next_action = StringField(
        "What to do next",
        filters=[none_if_blank],
        validators=[Optional(), Length(max=NEXT_ACTION_MAX_LENGTH)],
    )


class BulkForm(FlaskForm):
    """The lead list's selection: one status (with its reason) or owner change for each
    selected lead."""

    lead_ids = SelectMultipleField(
        "Leads", coerce=int, validate_choice=False, validators=[DataRequired("Select leads.")]
    )
    status = SelectField("Status", choices=[], default="")
    lost_reason = TextAreaField(
        "Why were they lost?", filters=[none_if_blank], validators=[Optional(), Length(max=2000)]
    )
    owner_email = SelectField("Owner", choices=[], default="")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not (self.status.data or self.owner_email.data):
            self.status.errors = ["Choose a status or an owner."]
            return False
        return valid


class ReassignForm(FlaskForm):
    """An admin moves every open lead of one user (SPEC §13)."""

    from_owner_email = SelectField("Move the open leads of", choices=[])
    to_owner_email = SelectField("To", choices=[])
