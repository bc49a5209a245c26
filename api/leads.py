"""/api/v1/leads: the marketing site posts leads; staff tools read and update them."""

from functools import partial

from flask import g, jsonify, request, url_for

from api.auth import api_auth
from api.blueprint import bp
from api.bodies import LeadIn, LeadPatchIn, ReassignIn, parse_body, present
from api.errors import ApiError, received
from api.parsing import as_form_data, dry_run_requested, json_body, list_answer, preview_answer
from auth.ratelimit import public_api_write
from auth.roles import ADMINS, LEAD_EDITORS, STAFF
from core.previews import dry_run
from leads.forms import LeadFieldsForm
from leads.queries import page_of_leads, parse_filters
from leads.rules import LeadSource
from leads.serialize import lead_to_dict
from leads.services import (
    UTM_FIELDS,
    Arrival,
    LeadError,
    Reassignment,
    get_lead,
    reassign_leads,
    submit_lead,
    update_lead,
)


def _lead_error(error: LeadError) -> ApiError:
    status = {"not_found": 404, "illegal_transition": 422, "invalid": 422}[error.code]
    return ApiError(status, error.code, str(error), error.fields)


@bp.post("/leads")
@public_api_write
@api_auth(*LEAD_EDITORS, anonymous=True)
def create_lead():
    values = present(parse_body(LeadIn))
    form = LeadFieldsForm(formdata=as_form_data(values), meta={"csrf": False})
    if not form.validate():
        raise ApiError(422, "invalid", "Some fields are not valid.", form.errors)
    utm = {name: values[name][:200] for name in UTM_FIELDS if values.get(name)}
    arrival = Arrival(
        source=LeadSource.API,
        client_address=request.remote_addr,
        http_referrer=(request.referrer or "")[:2000] or None,
        utm=utm,
        actor=g.api_user,
    )
    result = submit_lead(form.lead_data(), arrival)
    if g.api_user is None:
        return received()
    lead = result.lead
    status = 201 if result.created else 200
    headers = {"Location": url_for("api.read_lead", lead_id=lead.id)} if result.created else {}
    return jsonify(lead_to_dict(lead)), status, headers


@bp.get("/leads")
@api_auth(*STAFF)
def list_leads():
    filters, errors = parse_filters(request.args)
    if errors:
        raise ApiError(422, "invalid", "Some query parameters are not valid.", errors)
    leads, next_cursor = page_of_leads(filters.for_user(g.api_user.email))
    return list_answer([lead_to_dict(lead) for lead in leads], next_cursor)


@bp.get("/leads/<int:lead_id>")
@api_auth(*STAFF)
def read_lead(lead_id: int):
    lead = get_lead(lead_id)
    if lead is None:
        raise ApiError(404, "not_found", "No such lead.")
    return jsonify(lead_to_dict(lead))


@bp.patch("/leads/<int:lead_id>")
@api_auth(*LEAD_EDITORS)
def patch_lead(lead_id: int):
    patch = parse_body(LeadPatchIn)
    values = {**present(patch), **patch.model_dump(include={"next_action_on", "next_action"})}
    body = json_body()
    changes = {}
    if "status" in values:
        changes["status"] = values["status"]
        changes["lost_reason"] = values.get("lost_reason")
    if "owner_email" in body:
        changes["owner_email"] = values.get("owner_email")
    for name in ("next_action_on", "next_action"):
        if name in body:
            changes[name] = values.get(name)
    try:
        lead = update_lead(lead_id, g.api_user, **changes)
    except LeadError as error:
        raise _lead_error(error) from None
    return jsonify(lead_to_dict(lead))


@bp.post("/leads/reassign")
@api_auth(*ADMINS)
def reassign():
    body = parse_body(ReassignIn)
    move = partial(reassign_leads, body.from_owner_email, body.to_owner_email, g.api_user)
    try:
        if dry_run_requested():
            answer, effects = dry_run(move, _moved, counts=_moved)
            return preview_answer(answer, effects.as_dict("moved"))
        return jsonify(_moved(move()))
    except LeadError as error:
        raise _lead_error(error) from None


def _moved(reassignment: Reassignment) -> dict:
    return {"moved": reassignment.moved}
