"""CSV import rules of SPEC §16 as plain functions: which columns a file may have, what a
row must hold, and whether a row creates, updates or leaves a record unchanged. Pure."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from email_validator import EmailNotValidError, validate_email

from leads.rules import STAFF_SOURCES, LeadSource, LeadStatus

UTM_COLUMNS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
LEAD_REQUIRED = ("first_name", "last_name", "email", "company")
LEAD_OPTIONAL = (
    "phone",
    "source",
    "status",
    "lost_reason",
    "owner_email",
    "created_at",
    *UTM_COLUMNS,
    "message",
)
LENGTHS = {
    "first_name": 200,
    "last_name": 200,
    "company": 200,
    "phone": 50,
    "lost_reason": 2000,
    "message": 5000,
    **{column: 200 for column in UTM_COLUMNS},
}
"""The longest value each text column takes (the database's widths)."""


def header_errors(header: list[str], required: tuple, optional: tuple) -> list[str]:
    """What is wrong with a header row: unknown, repeated or missing columns."""
    known = set(required) | set(optional)
    errors = [f"Unknown column {name!r}." for name in header if name not in known]
    errors += [
        f"Column {name!r} appears twice." for name in sorted(set(header)) if header.count(name) > 1
    ]
    errors += [f"Missing column {name!r}." for name in required if name not in header]
    return errors


@dataclass(frozen=True)
class LeadRow:
    """One valid row of a leads file, normalised as the app stores leads."""

    line: int
    first_name: str
    last_name: str
    email: str
    company: str
    created_at: datetime
    """Naive UTC, as stored."""
    source: LeadSource = LeadSource.OTHER
    status: LeadStatus = LeadStatus.NEW
    lost_reason: str | None = None
    owner_email: str | None = None
    phone: str | None = None
    message: str | None = None
    utm: dict[str, str | None] = field(default_factory=dict)

    def key(self, tz_name: str) -> tuple[str, date]:
        """Leads are keyed by email and the creation date (in TIMEZONE)."""
        return lead_key(self.email, self.created_at, tz_name)


def lead_key(email: str, created_at_utc: datetime, tz_name: str) -> tuple[str, date]:
    moment = created_at_utc.replace(tzinfo=UTC).astimezone(ZoneInfo(tz_name))
    return email, moment.date()


def parse_moment(raw: str, tz_name: str) -> datetime:
    """A date (the start of that day in TIMEZONE) or an ISO time (in TIMEZONE unless it
    carries an offset), as naive UTC. Raises ValueError with a message for people."""
    try:
        if len(raw) == 10:
            moment = datetime.combine(date.fromisoformat(raw), time())
        else:
            moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError("A date (2026-03-01) or an ISO time (2026-03-01T09:30:00).") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz_name))
    if not 1900 <= moment.year <= 9998:
        raise ValueError("A year between 1900 and 9998.")
    return moment.astimezone(UTC).replace(tzinfo=None)


def _text(values: dict[str, str], name: str, errors: list[str]) -> str | None:
    value = (values.get(name) or "").strip()
    if "\x00" in value:
        errors.append(f"{name}: contains a NUL character.")
        return None
    if len(value) > LENGTHS.get(name, 254):
        errors.append(f"{name}: longer than {LENGTHS.get(name, 254)} characters.")
    return value or None


def _choice(enum_class, raw: str | None, allowed, name: str, errors: list[str]):
    if raw is None:
        return None
    try:
        value = enum_class(raw.lower())
    except ValueError:
        value = None
    if value is None or value not in allowed:
        errors.append(f"{name}: one of {', '.join(choice.value for choice in allowed)}.")
        return None
    return value


def _email(raw: str | None, name: str, errors: list[str]) -> str | None:
    if raw is None:
        return None
    try:
        validate_email(raw, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        errors.append(f"{name}: not an email address.")
        return None
    return raw.lower()


IMPORTABLE_STATUSES = tuple(status for status in LeadStatus if status != LeadStatus.WON)


def parse_lead_row(
    line: int, values: dict[str, str], now_utc: datetime, tz_name: str
) -> tuple[LeadRow | None, list[str]]:
    """The row as a LeadRow, or the reasons it cannot be imported (`won` is refused: won
    leads come in as clients)."""
    errors: list[str] = []
    text = {name: _text(values, name, errors) for name in (*LEAD_REQUIRED, *LEAD_OPTIONAL)}
    for name in LEAD_REQUIRED:
        if text[name] is None and not any(e.startswith(f"{name}:") for e in errors):
            errors.append(f"{name}: required.")
    email = _email(text["email"], "email", errors)
    owner = _email(text["owner_email"], "owner_email", errors)
    source = _choice(LeadSource, text["source"], STAFF_SOURCES, "source", errors)
    if text["status"] is not None and text["status"].lower() == LeadStatus.WON:
        errors.append("status: won leads come in as clients (import them as clients).")
        status = None
    else:
        status = _choice(LeadStatus, text["status"], IMPORTABLE_STATUSES, "status", errors)
    if status == LeadStatus.LOST and text["lost_reason"] is None:
        errors.append("lost_reason: required when the status is lost.")
    created_at = now_utc
    if text["created_at"] is not None:
        try:
            created_at = parse_moment(text["created_at"], tz_name)
        except ValueError as error:
            errors.append(f"created_at: {error}")
        else:
            if created_at > now_utc + timedelta(minutes=5):
                errors.append("created_at: in the future.")
    if errors:
        return None, errors
    return (
        LeadRow(
            line=line,
            first_name=text["first_name"],
            last_name=text["last_name"],
            email=email,
            company=text["company"],
            created_at=created_at,
            source=source or LeadSource.OTHER,
            status=status or LeadStatus.NEW,
            lost_reason=text["lost_reason"] if status == LeadStatus.LOST else None,
            owner_email=owner,
            phone=text["phone"],
            message=text["message"],
            utm={name: text[name] for name in UTM_COLUMNS},
        ),
        [],
    )


def lead_changes(row: LeadRow, current: dict, columns: set[str]) -> dict:
    """The fields an existing lead would change to match the row (empty: unchanged): only
    the file's columns count, so a file without `status` leaves statuses alone. `current`
    holds the lead's values under the column names."""
    wanted = {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "company": row.company,
        "source": row.source,
        "status": row.status,
        "lost_reason": row.lost_reason,
        "owner_email": row.owner_email,
        "phone": row.phone,
        "message": row.message,
        **row.utm,
    }
    if "status" in columns:
        columns = columns | {"lost_reason"}
    return {
        name: value
        for name, value in wanted.items()
        if name in columns and current.get(name) != value
    }


CLIENT_REQUIRED = ("company", "contact_first_name", "contact_last_name", "contact_email")
CLIENT_OPTIONAL = (
    "domain",
    "contact_role",
    "contract_start_date",
    "engineers",
    "monthly_rate_cents",
    "currency",
    "contract_end_date",
    "termination_reason",
)
CONTACT_ROLES = ("primary", "billing", "other")
IMPORTABLE_ENDINGS = ("client_ended", "non_payment", "other")
"""An ended contract's reason; guarantee claims are recorded by the app, not imported."""
CONTRACT_COLUMNS = CLIENT_OPTIONAL[3:]
MAX_RATE_CENTS = 10**12


@dataclass(frozen=True)
class ContractRow:
    start_date: date
    engineers: int
    monthly_rate_cents: int
    currency: str
    end_date: date | None = None
    termination_reason: str | None = None


@dataclass(frozen=True)
class ClientRow:
    """One valid row of a clients file: a contact of a client, and maybe a contract."""

    line: int
    company: str
    domain: str | None
    contact_first_name: str
    contact_last_name: str
    contact_email: str
    contact_role: str
    contract: ContractRow | None


def _date(raw: str | None, name: str, errors: list[str]) -> date | None:
    if raw is None:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 9998:
        errors.append(f"{name}: a date such as 2026-03-01.")
        return None
    return day


def _whole(raw: str | None, name: str, low: int, high: int, errors: list[str]) -> int | None:
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        errors.append(f"{name}: a whole number from {low:,} to {high:,}.")
        return None
    return int(raw)


def _domain(raw: str | None, errors: list[str]) -> str | None:
    if raw is None:
        return None
    domain = raw.lower().removeprefix("www.")
    if "." not in domain or any(c.isspace() or c in "@/:" for c in domain):
        errors.append("domain: a domain such as northwind.example.")
        return None
    return domain


def parse_client_row(
    line: int, values: dict[str, str], currency: str
) -> tuple[ClientRow | None, list[str]]:
    """The row as a ClientRow, or the reasons it cannot be imported. A contract comes with
    `contract_start_date`, and then needs `engineers` and `monthly_rate_cents`."""
    errors: list[str] = []
    text = {name: _text(values, name, errors) for name in (*CLIENT_REQUIRED, *CLIENT_OPTIONAL)}
    for name in CLIENT_REQUIRED:
        if text[name] is None and not any(e.startswith(f"{name}:") for e in errors):
            errors.append(f"{name}: required.")
    email = _email(text["contact_email"], "contact_email", errors)
    domain = _domain(text["domain"], errors)
    role = (text["contact_role"] or "primary").lower()
    if role not in CONTACT_ROLES:
        errors.append(f"contact_role: one of {', '.join(CONTACT_ROLES)}.")
    start = _date(text["contract_start_date"], "contract_start_date", errors)
    end = _date(text["contract_end_date"], "contract_end_date", errors)
    engineers = _whole(text["engineers"], "engineers", 1, 500, errors)
    rate = _whole(text["monthly_rate_cents"], "monthly_rate_cents", 0, MAX_RATE_CENTS, errors)
    reason = text["termination_reason"].lower() if text["termination_reason"] else None
    contract_given = any(text[name] is not None for name in CONTRACT_COLUMNS)
    if contract_given and text["contract_start_date"] is None:
        errors.append("contract_start_date: required with the contract's other columns.")
    if start is not None:
        for name, value in (("engineers", engineers), ("monthly_rate_cents", rate)):
            if value is None and text[name] is None:
                errors.append(f"{name}: required with a contract.")
    row_currency = (text["currency"] or currency).upper()
    if row_currency != currency:
        errors.append(f"currency: this installation works in {currency} only.")
    if reason is not None and reason not in IMPORTABLE_ENDINGS:
        errors.append(f"termination_reason: one of {', '.join(IMPORTABLE_ENDINGS)}.")
    if reason is not None and text["contract_end_date"] is None:
        errors.append("contract_end_date: required with a termination_reason.")
    if start is not None and end is not None and end < start:
        errors.append("contract_end_date: on or after contract_start_date.")
    if errors:
        return None, errors
    contract = None
    if start is not None:
        contract = ContractRow(
            start, engineers, rate, row_currency, end, (reason or "other") if end else None
        )
    return (
        ClientRow(
            line=line,
            company=text["company"],
            domain=domain,
            contact_first_name=text["contact_first_name"],
            contact_last_name=text["contact_last_name"],
            contact_email=email,
            contact_role=role,
            contract=contract,
        ),
        [],
    )
