"""The OpenAPI 3.1 document at /api/v1/openapi.json, generated: its paths from the routes
themselves, each operation from its declaration in OPERATIONS (request body by the same type
table the view checks with, answers by the pydantic models of api/schemas.py). The API tests
check every answer against the declared model of its operation and status."""

import re
from dataclasses import dataclass
from functools import cache

from flask import current_app, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import bodies, schemas
from api.blueprint import bp
from api.parsing import DryRunQuery
from billing.queries import ClientQuery, InvoiceQuery
from commissions.insight_queries import InsightQuery
from commissions.queries import LedgerQuery, PaidYearQuery
from core.audit_queries import AuditFilters
from core.query_models import ListQuery, QueryModel, query_parameters
from leads.queries import LeadFilters
from referrals.queries import ReferrerQuery

PREFIX = "/api/v1"
CSV = "text/csv"
MODELS = [
    schemas.Error,
    schemas.Received,
    schemas.Lead,
    schemas.AttributedLead,
    schemas.LeadList,
    schemas.ReferrerWithBalance,
    schemas.ReferrerList,
    schemas.Conversion,
    schemas.Client,
    schemas.ClientList,
    schemas.InvoiceList,
    schemas.Contract,
    schemas.Invoice,
    schemas.GuaranteeClaim,
    schemas.CommissionList,
    schemas.Approved,
    schemas.Payout,
    schemas.AuditEventList,
    schemas.NewWebhookEndpoint,
    schemas.WebhookEndpointList,
    schemas.WebhookDeliveryList,
    schemas.ClaimPreview,
    schemas.InvoicePreview,
    schemas.ContractPreview,
    schemas.PayoutPreview,
    schemas.ReferrerPreview,
    schemas.AttributionPreview,
    schemas.ReassignPreview,
    schemas.Moved,
    schemas.StaffUser,
    schemas.StaffUserList,
    schemas.Funnel,
    schemas.Sources,
    schemas.FirstContact,
    schemas.Referrals,
    schemas.Liability,
    schemas.GuaranteeClaims,
]


POSITIVE_INTEGER = {"type": "integer", "minimum": 1}


@dataclass
class Operation:
    summary: str
    answers: dict[int, type[BaseModel] | str | None]
    """Success status → its model, CSV, or None for an empty body."""
    errors: tuple[int, ...] = (401, 403)
    body: type[bodies.Body] | None = None
    body_optional: bool = False
    """The body may be left out (`as_of` defaults to today)."""
    query_model: type[QueryModel] | None = None
    """The query string's model (which the view parses with): its fields are the parameters."""
    token_less: bool = False
    dry_run: type[BaseModel] | None = None
    """With `?dry_run=true` the action answers 200 with this model and changes nothing."""

    def answer_model(self, status: int, dry_run: bool):
        """The model of an answer with `status` (a dry run's 200 is its preview)."""
        if dry_run and status == 200 and self.dry_run is not None:
            return self.dry_run
        return self.answers.get(status, schemas.Received if status == 202 else schemas.Error)

    def statuses(self) -> set[int]:
        """Besides its own: 400 (a request that cannot be read), 422 (a NUL in any query
        string, refused before the view), 413 with a body (over 1 MB), 500 and 503 (the
        database away)."""
        always = {400, 422, 500, 503} | ({202} if self.token_less else set())
        if self.body is not None:
            always |= {413}
        previews = {200} if self.dry_run is not None else set()
        return set(self.answers) | set(self.errors) | always | previews


WRITE = (400, 401, 403, 404, 409, 422)
READ = (401, 403, 404)
LIST = (401, 403, 422)
PUBLIC_POST = (400, 401, 403, 422, 429)
OPERATIONS = {
    "api.create_lead": Operation(
        "Create a lead (open without a token: answers 202 received)",
        {201: schemas.Lead, 200: schemas.Lead},
        PUBLIC_POST,
        bodies.LeadIn,
        token_less=True,
    ),
    "api.list_leads": Operation(
        "List leads, newest first",
        {200: schemas.LeadList},
        LIST,
        query_model=LeadFilters,
    ),
    "api.read_lead": Operation("Read a lead", {200: schemas.Lead}, READ),
    "api.patch_lead": Operation(
        "Change status, lost_reason or owner_email",
        {200: schemas.Lead},
        WRITE,
        bodies.LeadPatchIn,
    ),
    "api.attribute_lead": Operation(
        "Change a lead's attribution (referrer_id or null, reason)",
        {200: schemas.AttributedLead},
        WRITE,
        bodies.AttributionIn,
        dry_run=schemas.AttributionPreview,
    ),
    "api.convert": Operation(
        "Convert a lead into a client with a contract",
        {201: schemas.Conversion},
        WRITE,
        bodies.ConvertIn,
    ),
    "api.create_referrer": Operation(
        "Join the referral program (open without a token: answers 202 received)",
        {201: schemas.ReferrerWithBalance},
        PUBLIC_POST,
        bodies.SignUpIn,
        token_less=True,
    ),
    "api.list_referrers": Operation(
        "List referrers, newest first, each with balance_cents",
        {200: schemas.ReferrerList},
        LIST,
        query_model=ReferrerQuery,
    ),
    "api.list_clients": Operation(
        "List clients, newest first, with contacts and contract ids",
        {200: schemas.ClientList},
        LIST,
        query_model=ClientQuery,
    ),
    "api.read_client": Operation("Read a client", {200: schemas.Client}, READ),
    "api.list_invoices": Operation(
        "List invoices, newest recorded first",
        {200: schemas.InvoiceList},
        LIST,
        query_model=InvoiceQuery,
    ),
    "api.read_referrer": Operation(
        "Read a referrer with balance_cents", {200: schemas.ReferrerWithBalance}, READ
    ),
    "api.patch_referrer": Operation(
        "Record the day the tax form was put on file, or null (finance, admin)",
        {200: schemas.ReferrerWithBalance},
        WRITE,
        bodies.TaxFormIn,
    ),
    "api.decide_referrer": Operation(
        "Approve, reject, suspend or reactivate a referrer (finance, admin)",
        {200: schemas.ReferrerWithBalance},
        (401, 403, 404, 422),
        dry_run=schemas.ReferrerPreview,
    ),
    "api.read_contract": Operation("Read a contract", {200: schemas.Contract}, READ),
    "api.patch_contract": Operation(
        "Move the start date (until it has passed)",
        {200: schemas.Contract},
        WRITE,
        bodies.StartDateIn,
    ),
    "api.end": Operation(
        "End a contract (client_ended, non_payment, other)",
        {200: schemas.Contract},
        WRITE,
        bodies.EndIn,
        dry_run=schemas.ContractPreview,
    ),
    "api.create_invoice": Operation(
        "Record an invoice; the same external_id and body again answers 200",
        {201: schemas.Invoice, 200: schemas.Invoice},
        WRITE,
        bodies.InvoiceIn,
    ),
    "api.read_invoice": Operation("Read an invoice", {200: schemas.Invoice}, READ),
    "api.create_payment": Operation(
        "Record a payment; answers the invoice",
        {201: schemas.Invoice, 200: schemas.Invoice},
        WRITE,
        bodies.PaymentIn,
    ),
    "api.create_refund": Operation(
        "Record a refund already sent; answers the invoice",
        {201: schemas.Invoice, 200: schemas.Invoice},
        WRITE,
        bodies.RefundIn,
    ),
    "api.write_off_invoice": Operation(
        "Write off the unpaid remainder",
        {200: schemas.Invoice},
        WRITE,
        bodies.WriteOffIn,
        dry_run=schemas.InvoicePreview,
    ),
    "api.void_invoice": Operation(
        "Void an invoice with nothing net paid",
        {200: schemas.Invoice},
        WRITE,
        bodies.VoidIn,
        dry_run=schemas.InvoicePreview,
    ),
    "api.refund_sent": Operation(
        "Record a due refund as sent; answers the invoice",
        {200: schemas.Invoice},
        WRITE,
        bodies.RefundSentIn,
    ),
    "api.create_claim": Operation(
        "Record a guarantee claim: 201 accepted, or 422 with the rejection code and claim_id",
        {201: schemas.GuaranteeClaim},
        WRITE,
        bodies.ClaimIn,
        dry_run=schemas.ClaimPreview,
    ),
    "api.list_commissions": Operation(
        "List commission entries, newest first",
        {200: schemas.CommissionList},
        LIST,
        query_model=LedgerQuery,
    ),
    "api.approve_due_endpoint": Operation(
        "Approve what is due on as_of (default today)",
        {200: schemas.Approved},
        (400, 401, 403, 422),
        bodies.AsOfIn,
        body_optional=True,
    ),
    "api.create_payout": Operation(
        "Run payouts as of a date; lines may be empty",
        {201: schemas.Payout},
        (400, 401, 403, 409, 422),
        bodies.AsOfIn,
        body_optional=True,
        dry_run=schemas.PayoutPreview,
    ),
    "api.read_payout": Operation("Read a payout run", {200: schemas.Payout}, READ),
    "api.export_paid_by_year": Operation(
        "Every referrer paid in a calendar year, with the total (CSV)",
        {200: CSV},
        LIST,
        query_model=PaidYearQuery,
    ),
    "api.export_payout": Operation("The run as CSV", {200: CSV}, READ),
    "api.payout_paid": Operation(
        "Mark every open line of a run paid",
        {200: schemas.Payout},
        WRITE,
        bodies.PayoutPaidIn,
        dry_run=schemas.PayoutPreview,
    ),
    "api.payout_line_paid": Operation(
        "Mark one referrer's line of a run paid",
        {200: schemas.Payout},
        WRITE,
        bodies.PayoutPaidIn,
        dry_run=schemas.PayoutPreview,
    ),
    "api.payout_line_failed": Operation(
        "Mark one referrer's line failed: its entries return for the next run",
        {200: schemas.Payout},
        WRITE,
        bodies.PayoutFailedIn,
    ),
    "api.payout_cancel": Operation(
        "Cancel an open run with no line paid, releasing its entries",
        {200: schemas.Payout},
        (401, 403, 404, 409, 422),
    ),
    "api.reassign": Operation(
        "Move every open lead of one user to another, or round-robin (admin)",
        {200: schemas.Moved},
        WRITE,
        bodies.ReassignIn,
        dry_run=schemas.ReassignPreview,
    ),
    "api.list_users": Operation(
        "List staff users with their availability (admin)", {200: schemas.StaffUserList}, LIST
    ),
    "api.patch_user": Operation(
        "Set a staff user's availability (admin, or the user)",
        {200: schemas.StaffUser},
        WRITE,
        bodies.UserPatchIn,
    ),
    "api.list_audit_events": Operation(
        "Read the audit log, newest first (admin)",
        {200: schemas.AuditEventList},
        LIST,
        query_model=AuditFilters,
    ),
    "api.create_webhook_endpoint": Operation(
        "Register a webhook endpoint; the secret is in this answer only",
        {201: schemas.NewWebhookEndpoint},
        (400, 401, 403, 422),
        bodies.WebhookEndpointIn,
    ),
    "api.list_webhook_endpoints": Operation(
        "List webhook endpoints",
        {200: schemas.WebhookEndpointList},
        LIST,
        query_model=ListQuery,
    ),
    "api.remove_webhook_endpoint": Operation(
        "Delete an endpoint and its deliveries", {204: None}, READ
    ),
    "api.list_deliveries": Operation(
        "List an endpoint's deliveries",
        {200: schemas.WebhookDeliveryList},
        (401, 403, 404, 422),
        query_model=ListQuery,
    ),
    **{
        f"api.insight_{name}": Operation(summary, {200: model}, LIST, query_model=InsightQuery)
        for name, summary, model in (
            ("funnel", "Insights: leads reaching each status, conversion", schemas.Funnel),
            ("sources", "Insights: leads per week and source, per utm_source", schemas.Sources),
            ("first_contact", "Insights: median hours to first contact", schemas.FirstContact),
            ("referrals", "Insights: referrals per month", schemas.Referrals),
            ("liability", "Insights: commission owed at month ends", schemas.Liability),
            ("guarantee_claims", "Insights: claim rate by start month", schemas.GuaranteeClaims),
        )
    },
}


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _content(answer) -> dict:
    if answer is None:
        return {}
    if answer == CSV:
        return {"content": {CSV: {"schema": {"type": "string"}}}}
    return {"content": {"application/json": {"schema": _ref(answer)}}}


def _preview_statuses(operation: Operation) -> set[int]:
    return {200} if operation.dry_run is not None else set()


def _operation(operation: Operation) -> dict:
    responses = {
        str(status): {"description": "OK", **_content(answer)}
        for status, answer in operation.answers.items()
    }
    if operation.dry_run is not None:
        preview = _ref(operation.dry_run)
        if "200" in responses:
            schema = {"oneOf": [_ref(operation.answers[200]), preview]}
            description = "OK, or with dry_run=true the preview"
        else:
            schema, description = preview, "The preview (dry_run=true): nothing changed"
        responses["200"] = {
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    for status in sorted(
        operation.statuses() - set(operation.answers) - _preview_statuses(operation)
    ):
        answer = schemas.Received if status == 202 else schemas.Error
        responses[str(status)] = {"description": "Error" if status >= 400 else "Received"}
        responses[str(status)].update(_content(answer))
    document = {"summary": operation.summary, "responses": responses}
    if operation.body is not None:
        document["requestBody"] = {
            "required": not operation.body_optional,
            "content": {"application/json": {"schema": _ref(operation.body)}},
        }
    if operation.query_model is not None:
        document["parameters"] = query_parameters(operation.query_model)
    if operation.dry_run is not None:
        document["parameters"] = query_parameters(DryRunQuery)
    if operation.token_less:
        document["security"] = [{}, {"bearer": []}]
    return document


CONVERTER = re.compile(r"<(?:(\w+)(?:\(([^)]*)\))?:)?(\w+)>")


def _paths_of(rule: str) -> list[tuple[str, list[dict]]]:
    """A route as OpenAPI paths: `<int:x>` becomes `{x}`; `<any(a, b):x>` one path each."""
    paths = [("", [])]
    position = 0
    for match in CONVERTER.finditer(rule):
        literal = rule[position : match.start()]
        converter, arguments, name = match.groups()
        if converter == "any":
            options = [option.strip() for option in arguments.split(",")]
            paths = [
                (path + literal + option, params) for path, params in paths for option in options
            ]
        else:
            parameter = {
                "name": name,
                "in": "path",
                "required": True,
                "schema": POSITIVE_INTEGER if converter == "int" else {"type": "string"},
            }
            paths = [
                (path + literal + "{" + name + "}", [*params, parameter]) for path, params in paths
            ]
        position = match.end()
    return [(path + rule[position:], params) for path, params in paths]


ID_SOURCES = {
    "api.create_lead": {"lead_id": "/id"},
    "api.attribute_lead": {"referrer_id": "/referrer_id"},
    "api.list_leads": {"lead_id": "/items/0/id"},
    "api.convert": {"contract_id": "/contract/id", "client_id": "/client/id"},
    "api.list_clients": {"client_id": "/items/0/id"},
    "api.read_client": {"contract_id": "/contracts/0"},
    "api.create_referrer": {"referrer_id": "/id"},
    "api.list_referrers": {"referrer_id": "/items/0/id"},
    "api.create_invoice": {"invoice_id": "/id"},
    "api.list_invoices": {"invoice_id": "/items/0/id"},
    "api.create_payment": {"invoice_id": "/id"},
    "api.create_refund": {"refund_id": "/refunds/0/id", "invoice_id": "/id"},
    "api.create_payout": {"payout_id": "/id", "referrer_id": "/lines/0/referrer_id"},
    "api.create_webhook_endpoint": {"endpoint_id": "/id"},
    "api.list_webhook_endpoints": {"endpoint_id": "/items/0/id"},
    "api.list_users": {"user_id": "/items/0/id"},
}
"""Where an operation's answer carries an id that other operations take in their path: each
becomes an OpenAPI link from its successful answers to every operation with that parameter
(schemathesis follows them in its stateful phase)."""


def _operation_id(endpoint: str, path: str, paths_of_rule: int) -> str:
    """The endpoint's name; a route with one path per choice (`<any(...)>`) adds the choice."""
    name = endpoint.removeprefix("api.")
    if paths_of_rule > 1:
        name += "_" + path.rsplit("/", 1)[-1]
    return name


def _add_links(paths: dict[str, dict], operation_ids: dict[str, str]) -> None:
    takers: dict[str, list[str]] = {}
    for item in paths.values():
        names = [parameter["name"] for parameter in item.get("parameters", [])]
        for method, operation in item.items():
            if method != "parameters":
                for name in names:
                    takers.setdefault(name, []).append(operation["operationId"])
    for item in paths.values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            sources = ID_SOURCES.get(operation_ids[operation["operationId"]], {})
            links = {
                f"{target}_by_{name}": {
                    "operationId": target,
                    "parameters": {name: f"$response.body#{pointer}"},
                }
                for name, pointer in sources.items()
                for target in takers.get(name, [])
            }
            for status, response in operation["responses"].items():
                if links and status.startswith("2") and "content" in response:
                    response["links"] = links


def declared_operation(endpoint: str) -> Operation:
    """The declaration of an API endpoint (every route has one)."""
    return OPERATIONS[endpoint]


@cache
def _components() -> dict:
    requests = {operation.body for operation in OPERATIONS.values() if operation.body}
    _, definitions = models_json_schema(
        [(model, "serialization") for model in MODELS]
        + [(model, "validation") for model in sorted(requests, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    return definitions["$defs"]


def build_document() -> dict:
    paths: dict[str, dict] = {}
    endpoints: dict[str, str] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/") or rule.endpoint == "api.openapi_document":
            continue
        rule_paths = _paths_of(rule.rule[len(PREFIX) :])
        for path, parameters in rule_paths:
            item = paths.setdefault(path, {})
            if parameters:
                item["parameters"] = parameters
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                operation_id = _operation_id(rule.endpoint, path, len(rule_paths))
                endpoints[operation_id] = rule.endpoint
                operation = _operation(declared_operation(rule.endpoint))
                item[method.lower()] = {"operationId": operation_id, **operation}
    _add_links(paths, endpoints)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Hire Tech Talent lead & referral tracker", "version": "1"},
        "servers": [{"url": PREFIX}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _components(),
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(build_document())
