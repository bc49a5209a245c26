"""/api/v1/referrers and lead attribution."""

from functools import partial

from flask import g, jsonify

from api.auth import api_auth
from api.blueprint import bp
from api.bodies import AttributionIn, SignUpIn, TaxFormIn, parse_body, present
from api.errors import ApiError, received
from api.parsing import as_form_data, dry_run_requested, list_answer, preview_answer, query_of
from auth.ratelimit import public_api_write
from auth.roles import MONEY_KEEPERS, STAFF
from commissions.ledger import balances_cents
from commissions.queries import paid_by_year
from core.previews import dry_run
from core.today import business_today
from leads.serialize import lead_to_dict
from referrals.forms import ReferrerSignUpForm
from referrals.queries import ReferrerQuery, referrer_list_page
from referrals.serialize import referrer_to_dict
from referrals.services import (
    change_attribution,
    decide,
    get_referrer,
    record_tax_form,
    sign_up,
)


@bp.post("/referrers")
@public_api_write
@api_auth(*STAFF, anonymous=True)
def create_referrer():
    values = present(parse_body(SignUpIn))
    form = ReferrerSignUpForm(formdata=as_form_data(values), meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "invalid", "Some fields are not valid.", form.errors)
    result = sign_up(form.referrer_data(), reveal_refusal=g.api_user is not None)
    if g.api_user is None:
        return received()
    referrer = result.referrer
    return jsonify(_resource(referrer)), 201


@bp.get("/referrers")
@api_auth(*STAFF)
def list_referrers():
    referrers, next_cursor = referrer_list_page(query_of(ReferrerQuery))
    return list_answer(_resources(referrers), next_cursor)


@bp.patch("/referrers/<int:referrer_id>")
@api_auth(*MONEY_KEEPERS)
def patch_referrer(referrer_id: int):
    body = parse_body(TaxFormIn)
    referrer = record_tax_form(referrer_id, body.tax_form_on_file_on, business_today())
    return jsonify(_resource(referrer))


def _resources(referrers: list) -> list[dict]:
    """Referrers as §8 resources with their balance and yearly totals (two statements)."""
    ids = [referrer.id for referrer in referrers]
    balances, years = balances_cents(ids), paid_by_year(ids)
    return [referrer_to_dict(r, balances[r.id], years[r.id]) for r in referrers]


def _resource(referrer) -> dict:
    return _resources([referrer])[0]


def _referrer_or_404(referrer_id: int):
    referrer = get_referrer(referrer_id)
    if referrer is None:
        raise ApiError(404, "not_found", "No such referrer.")
    return referrer


@bp.get("/referrers/<int:referrer_id>")
@api_auth(*STAFF)
def read_referrer(referrer_id: int):
    return jsonify(_resource(_referrer_or_404(referrer_id)))


@bp.post("/referrers/<int:referrer_id>/<any(approve, reject, suspend, reactivate):action>")
@api_auth(*MONEY_KEEPERS)
def decide_referrer(referrer_id: int, action: str):
    decision = partial(decide, referrer_id, action, g.api_user)
    if dry_run_requested():
        answer, effects = dry_run(decision, _resource)
        return preview_answer(answer, effects.as_dict("commission_reversed_cents"))
    return jsonify(_resource(decision()))


@bp.post("/leads/<int:lead_id>/attribution")
@api_auth(*MONEY_KEEPERS)
def attribute_lead(lead_id: int):
    body = parse_body(AttributionIn)
    change = partial(
        change_attribution, lead_id, body.referrer_id, body.reason, g.api_user, business_today()
    )
    if dry_run_requested():
        answer, effects = dry_run(change, _attributed)
        return preview_answer(answer, effects.as_dict("commission_reversed_cents"))
    return jsonify(_attributed(change()))


def _attributed(changed) -> dict:
    lead, warnings = changed
    return {**lead_to_dict(lead), "attribution_warnings": warnings}
