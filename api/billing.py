"""Conversion, clients and contracts: /api/v1/leads/{id}/convert, /api/v1/clients and
/api/v1/contracts."""

from functools import partial

from flask import g, jsonify

from api.auth import api_auth
from api.blueprint import bp
from api.bodies import ConvertIn, EndIn, StartDateIn, parse_body
from api.errors import ApiError
from api.parsing import dry_run_requested, list_answer, preview_answer, query_of
from auth.roles import MONEY_KEEPERS, STAFF
from billing.queries import ClientQuery, client_list_page, client_resources, client_with_contracts
from billing.serialize import contract_to_dict
from billing.services import (
    ContractTerms,
    change_start_date,
    convert_lead_resources,
    end_contract,
    get_contract,
)
from core.previews import dry_run


@bp.post("/leads/<int:lead_id>/convert")
@api_auth(*STAFF)
def convert(lead_id: int):
    body = parse_body(ConvertIn)
    terms = ContractTerms(
        start_date=body.start_date,
        engineers=body.engineers,
        monthly_rate_cents=body.monthly_rate_cents,
        currency=body.currency,
        client_id=body.client_id,
    )
    return jsonify(convert_lead_resources(lead_id, terms, g.api_user)), 201


@bp.get("/clients")
@api_auth(*STAFF)
def list_clients():
    clients, next_cursor = client_list_page(query_of(ClientQuery))
    return list_answer(client_resources(clients), next_cursor)


@bp.get("/clients/<int:client_id>")
@api_auth(*STAFF)
def read_client(client_id: int):
    client = client_with_contracts(client_id)
    if client is None:
        raise ApiError(404, "not_found", "No such client.")
    return jsonify(client_resources([client])[0])


def _contract_or_404(contract_id: int):
    contract = get_contract(contract_id)
    if contract is None:
        raise ApiError(404, "not_found", "No such contract.")
    return contract


@bp.get("/contracts/<int:contract_id>")
@api_auth(*STAFF)
def read_contract(contract_id: int):
    return jsonify(contract_to_dict(_contract_or_404(contract_id)))


@bp.patch("/contracts/<int:contract_id>")
@api_auth(*STAFF)
def patch_contract(contract_id: int):
    body = parse_body(StartDateIn)
    return jsonify(contract_to_dict(change_start_date(contract_id, body.start_date, g.api_user)))


@bp.post("/contracts/<int:contract_id>/end")
@api_auth(*MONEY_KEEPERS)
def end(contract_id: int):
    body = parse_body(EndIn)
    action = partial(end_contract, contract_id, body.end_date, body.reason, body.note, g.api_user)
    if dry_run_requested():
        answer, effects = dry_run(action, contract_to_dict)
        return preview_answer(answer, effects.as_dict("commission_reversed_cents"))
    return jsonify(contract_to_dict(action()))
