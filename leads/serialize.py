"""The lead resource of SPEC §8, for the API and the CSV export."""

from core.time import iso_utc
from leads.models import Lead

LEAD_FIELDS = (
    "first_name",
    "last_name",
    "company",
    "email",
    "roles",
    "headcount",
    "message",
    "phone",
    "website",
    "job_title",
    "seniority",
    "tech_stack",
    "start_timeline",
    "marketing_opt_in",
    "referral_code",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
)


def lead_to_dict(lead: Lead) -> dict:
    body = {"id": lead.id, "status": lead.status.value, "source": lead.source.value}
    for name in LEAD_FIELDS:
        value = getattr(lead, name)
        body[name] = value.value if hasattr(value, "value") else value
    body.update(
        {
            "consent": lead.consent_version is not None,
            "consent_version": lead.consent_version,
            "owner_email": lead.owner.email if lead.owner else None,
            "referrer_id": lead.referrer_id,
            "attribution_status": lead.attribution_status.value,
            "attribution_reason": lead.attribution_reason,
            "possible_duplicate_of": lead.possible_duplicate_of,
            "submissions_count": lead.submissions_count,
            "lost_reason": lead.lost_reason,
            "next_action_on": lead.next_action_on.isoformat() if lead.next_action_on else None,
            "next_action": lead.next_action,
            "landing_page": lead.landing_page,
            "created_at": iso_utc(lead.created_at),
        }
    )
    return body


CSV_HEADER = [
    "id",
    "created_at",
    "status",
    "source",
    "first_name",
    "last_name",
    "company",
    "email",
    "phone",
    "roles",
    "headcount",
    "owner_email",
    "utm_source",
    "utm_campaign",
    "possible_duplicate_of",
    "submissions_count",
    "lost_reason",
]


def lead_csv_row(lead: Lead) -> list:
    data = lead_to_dict(lead)
    data["roles"] = "; ".join(lead.roles or [])
    return [data[name] for name in CSV_HEADER]
