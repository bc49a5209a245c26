"""SPEC §3 as tables: the code alphabet, self-referral, the refusal order, sign-up refusals
and what stage a referrer sees."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.company import free_mail_domains
from leads.rules import normalise_referral_code
from referrals.attribution import (
    EXISTING_CUSTOMER,
    INACTIVE_REFERRER,
    SELF_REFERRAL,
    UNKNOWN_CODE,
    ReferrerFacts,
    is_self_referral,
    refusal_reason,
    signup_refusal,
)
from referrals.codes import ALPHABET, is_well_formed, new_code

FREE = free_mail_domains()


def test_the_alphabet_has_no_look_alikes():
    assert set(ALPHABET) == set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
    assert not set("ILO01") & set(ALPHABET)


@given(st.integers(min_value=0, max_value=50))
def test_new_codes_are_long_enough_and_from_the_alphabet(_):
    code = new_code()
    assert len(code) >= 6 and set(code) <= set(ALPHABET) and is_well_formed(code)


def test_codes_are_random_not_derived_from_anything():
    assert len({new_code() for _ in range(200)}) == 200


@pytest.mark.parametrize(
    ("raw", "code"), [(" abc234 ", "ABC234"), ("AbC234", "ABC234"), ("", None), (None, None)]
)
def test_codes_are_accepted_in_any_case(raw, code):
    assert normalise_referral_code(raw) == code


@pytest.mark.parametrize(
    ("referrer_email", "lead_email", "is_self"),
    [
        ("ana@acme.io", "ana@acme.io", True),
        ("Ana@Acme.io", "ana@acme.io", True),
        ("ana@acme.io", "bob@acme.io", True),
        ("ana@acme.io", "bob@zeta.io", False),
        ("ana@gmail.com", "bob@gmail.com", False),
        ("ana@gmail.com", "ana@gmail.com", True),
        ("ana@acme.io", "ana@sub.acme.io", False),
    ],
)
def test_self_referral_table(referrer_email, lead_email, is_self):
    assert is_self_referral(referrer_email, lead_email, FREE) is is_self


ACTIVE = ReferrerFacts("active", "ana@acme.io")


@pytest.mark.parametrize(
    ("referrer", "lead_email", "existing", "reason"),
    [
        (None, "bob@zeta.io", False, UNKNOWN_CODE),
        (None, "ana@acme.io", True, UNKNOWN_CODE),
        (ReferrerFacts("pending", "ana@acme.io"), "bob@zeta.io", False, INACTIVE_REFERRER),
        (ReferrerFacts("rejected", "ana@acme.io"), "bob@zeta.io", False, INACTIVE_REFERRER),
        (ReferrerFacts("suspended", "ana@acme.io"), "ana@acme.io", True, INACTIVE_REFERRER),
        (ACTIVE, "bob@acme.io", True, SELF_REFERRAL),
        (ACTIVE, "bob@zeta.io", True, EXISTING_CUSTOMER),
        (ACTIVE, "bob@zeta.io", False, None),
        (ReferrerFacts("active", "ana@gmail.com"), "bob@gmail.com", False, None),
    ],
)
def test_refusal_rules_table_in_their_order(referrer, lead_email, existing, reason):
    assert refusal_reason(referrer, lead_email, existing, FREE) == reason


@pytest.mark.parametrize(
    ("email", "is_staff", "domains", "refused"),
    [
        ("ana@acme.io", False, ["hiretechtalent.example"], False),
        ("ana@hiretechtalent.example", False, ["hiretechtalent.example"], True),
        ("ana@HireTechTalent.example", False, ["hiretechtalent.example"], True),
        ("ana@acme.io", True, [], True),
    ],
)
def test_staff_and_our_own_domains_cannot_join(email, is_staff, domains, refused):
    assert (signup_refusal(email, is_staff, domains) is not None) is refused
