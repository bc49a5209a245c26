"""The request bodies of SPEC §8 as pydantic models: `parse_body` validates with them and the
OpenAPI document is generated from them. A value of the wrong JSON type answers 400
`bad_json`; a missing field, a broken bound or unstorable text 422 `invalid`; unknown fields
are ignored and `null` means absent."""

from datetime import date
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from api.errors import ApiError
from api.parsing import NUL_MESSAGE, json_body
from billing.models import ClaimChannel
from core.money import MAX_CENTS
from core.pagination import MAX_ID
from core.time import DATE_PATTERN, EARLIEST_DATE, ISO_DATE, LATEST_DATE, is_supported_date
from core.validation import is_storable_text
from leads.rules import StartTimeline
from referrals.models import Relationship

DATE_MESSAGE = f"A date as YYYY-MM-DD between {EARLIEST_DATE.year} and {LATEST_DATE.year}."


def _business_date(value):
    if not isinstance(value, str):
        return value  # the date type check answers it (400)
    try:
        day = date.fromisoformat(value) if ISO_DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None or not is_supported_date(day):
        raise PydanticCustomError("business_date", DATE_MESSAGE)
    return day


def _integral(value):
    """JSON has one number type: 5.0 is the integer 5 (as JSON Schema's `integer` says);
    no field of the API takes a fraction."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _storable(value: str) -> str:
    if not is_storable_text(value):
        raise PydanticCustomError("unstorable_text", NUL_MESSAGE)
    return value


BusinessDate = Annotated[
    date,
    BeforeValidator(_business_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]
Text = Annotated[str, AfterValidator(_storable)]
Cents = Annotated[int, Field(ge=1, le=MAX_CENTS)]
RecordId = Annotated[int, Field(ge=1, le=MAX_ID)]
Email = Annotated[
    Text,
    Field(min_length=3, max_length=254),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254}),
]


PATCHABLE_STATUSES = ("contacted", "qualified", "proposal", "lost")
"""The statuses a PATCH may set (`won` comes only from a conversion)."""


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)
    keeps_null: ClassVar[frozenset[str]] = frozenset()
    """Fields where null is a value (not "absent")."""


def _choice(*values: str) -> WithJsonSchema:
    """A text the view or service checks against a set of values (its own error code)."""
    return WithJsonSchema({"type": "string", "enum": list(values)})


class LeadIn(Body):
    """Types and lengths; the hire form's rules (LeadFieldsForm) check the rest."""

    first_name: Annotated[Text, Field(min_length=1, max_length=200)]
    last_name: Annotated[Text, Field(min_length=1, max_length=200)]
    company: Annotated[Text, Field(min_length=1, max_length=200)]
    email: Email
    roles: Annotated[
        list[Annotated[Text, Field(min_length=1, max_length=100)]], Field(min_length=1)
    ]
    headcount: Annotated[int, Field(ge=1, le=500)]
    consent: Annotated[bool, WithJsonSchema({"type": "boolean", "const": True})]
    message: Annotated[Text, Field(max_length=5000)] | None = None
    phone: Annotated[Text, Field(max_length=50)] | None = None
    website: Annotated[Text, Field(max_length=300)] | None = None
    job_title: Annotated[Text, Field(max_length=200)] | None = None
    seniority: Annotated[Text, Field(max_length=100)] | None = None
    tech_stack: Annotated[Text, Field(max_length=1000)] | None = None
    start_timeline: Annotated[Text, _choice(*(t.value for t in StartTimeline))] | None = None
    marketing_opt_in: bool | None = None
    referral_code: Annotated[Text, Field(max_length=200)] | None = None
    utm_source: Annotated[Text, Field(max_length=200)] | None = None
    utm_medium: Annotated[Text, Field(max_length=200)] | None = None
    utm_campaign: Annotated[Text, Field(max_length=200)] | None = None
    utm_term: Annotated[Text, Field(max_length=200)] | None = None
    utm_content: Annotated[Text, Field(max_length=200)] | None = None


class LeadPatchIn(Body):
    keeps_null = frozenset({"next_action_on", "next_action"})
    status: Annotated[Text, _choice(*PATCHABLE_STATUSES)] | None = None
    lost_reason: Annotated[Text, Field(max_length=500)] | None = None
    owner_email: Text | None = None
    next_action_on: BusinessDate | None = Field(
        default=None, description="Today or later; null clears it."
    )
    next_action: Annotated[Text, Field(max_length=200)] | None = Field(
        default=None, description="What to do next; null clears it."
    )


class ReassignIn(Body):
    from_owner_email: Email
    to_owner_email: Annotated[Text, Field(min_length=1, max_length=254)] = Field(
        description='A staff email, or "round_robin".'
    )


class UserPatchIn(Body):
    available: bool


class SignUpIn(Body):
    """Types and lengths; the sign-up form's rules check the rest."""

    first_name: Annotated[Text, Field(min_length=1, max_length=200)]
    last_name: Annotated[Text, Field(min_length=1, max_length=200)]
    email: Email
    company: Annotated[Text, Field(min_length=1, max_length=200)]
    relationship: Annotated[Text, _choice(*(r.value for r in Relationship))]
    payout_email: Email
    accept_terms: Annotated[bool, WithJsonSchema({"type": "boolean", "const": True})]
    phone: Annotated[Text, Field(max_length=50)] | None = None


class AttributionIn(Body):
    keeps_null = frozenset({"referrer_id"})
    referrer_id: RecordId | None = Field(description="null removes the attribution.")
    reason: Annotated[Text, Field(min_length=1, max_length=500)]


class TaxFormIn(Body):
    keeps_null = frozenset({"tax_form_on_file_on"})
    tax_form_on_file_on: BusinessDate | None = Field(
        description="The day the tax form was put on file; null: not on file."
    )


class ConvertIn(Body):
    start_date: BusinessDate
    engineers: Annotated[int, Field(ge=1, le=1000)]
    monthly_rate_cents: Annotated[int, Field(ge=0, le=10**11)]
    currency: Annotated[Text, Field(min_length=3, max_length=3)]
    client_id: RecordId | None = None


class StartDateIn(Body):
    start_date: BusinessDate


class EndIn(Body):
    end_date: BusinessDate
    reason: Literal["client_ended", "non_payment", "other"]
    note: Annotated[Text, Field(max_length=2000)] | None = None


class InvoiceIn(Body):
    number: Annotated[Text, Field(min_length=1, max_length=100)]
    issue_date: BusinessDate
    period_start: BusinessDate
    period_end: BusinessDate
    amount_cents: Cents
    commissionable_cents: Annotated[int, Field(ge=0, le=MAX_CENTS)] | None = None
    currency: Annotated[Text, Field(min_length=3, max_length=3)]
    external_id: Annotated[Text, Field(min_length=1, max_length=200)] | None = None


class PaymentIn(Body):
    amount_cents: Cents
    paid_on: BusinessDate
    external_id: Annotated[Text, Field(min_length=1, max_length=200)] | None = None


class RefundIn(Body):
    amount_cents: Cents
    refunded_on: BusinessDate
    reason: Annotated[Text, Field(max_length=500)] | None = None
    external_id: Annotated[Text, Field(min_length=1, max_length=200)] | None = None


class WriteOffIn(Body):
    reason: Annotated[Text, Field(min_length=1, max_length=500)]
    written_off_on: BusinessDate


class VoidIn(Body):
    reason: Annotated[Text, Field(min_length=1, max_length=500)]


class RefundSentIn(Body):
    sent_on: BusinessDate
    reference: Annotated[Text, Field(min_length=1, max_length=200)]


class ClaimIn(Body):
    claimed_on: BusinessDate
    reason: Annotated[Text, Field(min_length=1, max_length=2000)]
    channel: Annotated[Text, _choice(*(c.value for c in ClaimChannel))] = ClaimChannel.EMAIL.value


class AsOfIn(Body):
    as_of: BusinessDate | None = None


class PayoutPaidIn(Body):
    paid_on: BusinessDate
    reference: Annotated[Text, Field(min_length=1, max_length=200)]


class PayoutFailedIn(Body):
    reason: Annotated[Text, Field(min_length=1, max_length=500)]


class WebhookEndpointIn(Body):
    url: Annotated[Text, Field(min_length=1, max_length=2000)]
    events: Annotated[list[Text], Field(min_length=1)]
    description: Annotated[Text, Field(max_length=500)] | None = None


def present(body: Body) -> dict:
    """The fields given, as plain values (for the forms that check the rest)."""
    return body.model_dump(exclude_none=True)


def parse_body(model: type[Body], *, may_be_empty: bool = False):
    """The body as `model`, or the error envelope: wrong JSON types first (400), then the
    field rules (422), each under its field's name."""
    raw = json_body(may_be_empty=may_be_empty)
    present = {
        name: _integral(value)
        for name, value in raw.items()
        if value is not None or name in model.keeps_null
    }
    try:
        return model.model_validate(present)
    except ValidationError as error:
        problems = error.errors(include_url=False)
    wrong_type = [p for p in problems if p["type"].endswith("_type")]
    chosen = wrong_type or problems
    fields: dict[str, list[str]] = {}
    for problem in chosen:
        name = str(problem["loc"][0]) if problem["loc"] else "body"
        message = "Required." if problem["type"] == "missing" else problem["msg"]
        fields.setdefault(name, []).append(message)
    if wrong_type:
        raise ApiError(400, "bad_json", "Some values have the wrong JSON type.", fields)
    raise ApiError(422, "invalid", "Some fields are not valid.", fields)
