"""GET /api/v1/insights/{name} (SPEC §13, staff): the figures of the Insights page, one
route per figure so each has its own answer model in the OpenAPI document."""

from functools import partial

from flask import jsonify, request

from api.auth import api_auth
from api.blueprint import bp
from api.errors import ApiError
from auth.roles import STAFF
from commissions.insight_queries import FIGURES, figure, parse_range
from core.today import business_today


def _answer(name: str):
    today = business_today()
    date_from, date_to, errors = parse_range(name, request.args, today)
    if errors:
        raise ApiError(422, "invalid", "Some query parameters are not valid.", errors)
    return jsonify(figure(name, date_from, date_to, today))


for _name in FIGURES:
    _endpoint = "insight_" + _name.replace("-", "_")
    _view = api_auth(*STAFF)(partial(_answer, _name))
    _view.__name__ = _endpoint
    bp.add_url_rule(f"/insights/{_name}", _endpoint, _view, methods=["GET"])
