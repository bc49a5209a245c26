"""When a referral code may not attribute a lead (SPEC §3). Pure: the service gathers the
facts (the referrer behind the code, whether the company is already ours) and passes them in.
The rules are checked in this order; the first that applies is the reason."""

from dataclasses import dataclass

from core.company import email_domain, is_free_mail

UNKNOWN_CODE = "unknown_code"
INACTIVE_REFERRER = "inactive_referrer"
SELF_REFERRAL = "self_referral"
EXISTING_CUSTOMER = "existing_customer"
REASONS = (UNKNOWN_CODE, INACTIVE_REFERRER, SELF_REFERRAL, EXISTING_CUSTOMER)
REFUSAL_LABELS = {
    UNKNOWN_CODE: "Unknown referral code",
    INACTIVE_REFERRER: "Referrer not active",
    SELF_REFERRAL: "Self-referral",
    EXISTING_CUSTOMER: "Already a customer",
}
"""What staff pages show for a refusal's code."""


@dataclass(frozen=True)
class ReferrerFacts:
    status: str
    email: str


def is_self_referral(referrer_email: str, lead_email: str, free_domains: frozenset[str]) -> bool:
    """The same person, or the same company by email domain — never by a free-mail domain
    (two gmail.com addresses are two people)."""
    if referrer_email.lower() == lead_email.lower():
        return True
    domain = email_domain(lead_email)
    return domain == email_domain(referrer_email) and not is_free_mail(domain, free_domains)


def refusal_reason(
    referrer: ReferrerFacts | None,
    lead_email: str,
    company_is_existing_customer: bool,
    free_domains: frozenset[str],
) -> str | None:
    """None when the code attributes the lead, else the reason it does not."""
    if referrer is None:
        return UNKNOWN_CODE
    if referrer.status != "active":
        return INACTIVE_REFERRER
    if is_self_referral(referrer.email, lead_email, free_domains):
        return SELF_REFERRAL
    if company_is_existing_customer:
        return EXISTING_CUSTOMER
    return None


def signup_refusal(email: str, is_staff: bool, company_domains: list[str]) -> str | None:
    """Staff and the company's own domains cannot join the program."""
    if is_staff:
        return "Staff accounts cannot join the referral program."
    if email_domain(email) in {domain.lower() for domain in company_domains}:
        return "Addresses of our own company cannot join the referral program."
    return None
