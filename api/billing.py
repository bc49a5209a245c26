"""Conversion and contracts: /api/v1/leads/{id}/convert and /api/v1/contracts."""

from flask import g, jsonify

from api.auth import api_auth
from api.blueprint import bp
from api.errors import ApiError
from api.parsing import ID, INTEGER, TEXT, check_types, date_value, json_body, required_values
from auth.roles import MONEY_KEEPERS, STAFF
from billing.serialize import client_to_dict, contract_to_dict
from billing.services import (
    ContractTerms,
    change_start_date,
    convert_lead,
    end_contract,
    get_contract,
)

CONVERT_SCHEMA = {
    "start_date": TEXT,
    "engineers": INTEGER,
    "monthly_rate_cents": INTEGER,
    "currency": TEXT,
    "client_id": ID,
}
START_DATE_SCHEMA = {"start_date": TEXT}
END_SCHEMA = {"end_date": TEXT, "reason": TEXT, "note": TEXT}


@bp.post("/leads/<int:lead_id>/convert")
@api_auth(*STAFF)
def convert(lead_id: int):
    values = check_types(json_body(), CONVERT_SCHEMA)
    required_values(values, "start_date", "engineers", "monthly_rate_cents", "currency")
    start_date = date_value(values, "start_date")
    problems = {}
    if not 1 <= values["engineers"] <= 1000:
        problems["engineers"] = ["Between 1 and 1000."]
    if not 0 <= values["monthly_rate_cents"] <= 10**11:
        problems["monthly_rate_cents"] = ["Zero or more cents."]
    if problems:
        raise ApiError(422, "invalid", "Some fields are not valid.", problems)
    terms = ContractTerms(
        start_date=start_date,
        engineers=values["engineers"],
        monthly_rate_cents=values["monthly_rate_cents"],
        currency=values["currency"],
        client_id=values.get("client_id"),
    )
    contract = convert_lead(lead_id, terms, g.api_user)
    body = {"client": client_to_dict(contract.client), "contract": contract_to_dict(contract)}
    return jsonify(body), 201


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
    values = check_types(json_body(), START_DATE_SCHEMA)
    start_date = date_value(values, "start_date")
    return jsonify(contract_to_dict(change_start_date(contract_id, start_date, g.api_user)))


@bp.post("/contracts/<int:contract_id>/end")
@api_auth(*MONEY_KEEPERS)
def end(contract_id: int):
    values = check_types(json_body(), END_SCHEMA)
    end_date = date_value(values, "end_date")
    required_values(values, "reason")
    contract = end_contract(contract_id, end_date, values["reason"], values.get("note"), g.api_user)
    return jsonify(contract_to_dict(contract))
