"""Finding invoices (SPEC §13): the invoices list and its CSV, with the filters of
GET /api/v1/invoices, and the refunds due that finance still has to send."""

from flask import Blueprint, abort, current_app, render_template, request

from auth.roles import MONEY_KEEPERS, STAFF, acting_user, roles_required
from billing.forms import RefundSentForm
from billing.models import Invoice, InvoiceStatus
from billing.queries import (
    InvoiceQuery,
    invoice_list_page,
    invoices_for_export,
    invoices_matching,
    refunds_due,
    refunds_due_total,
)
from core.downloads import csv_response
from core.extensions import db
from core.keyset import bounded_total
from core.query_models import parse_query
from core.today import business_today

bp = Blueprint("invoice_lists", __name__, url_prefix="/dashboard")

REFUND_ROWS = 500


def _overdue_days() -> int:
    return current_app.config["INVOICE_OVERDUE_DAYS"]


@bp.get("/invoices")
@roles_required(*STAFF)
def invoices():
    query, errors = parse_query(InvoiceQuery, request.args)
    today = business_today()
    rows, next_cursor = (
        ([], None) if errors else invoice_list_page(query, today, _overdue_days(), True)
    )
    total = None if errors else bounded_total(invoices_matching(query, today, _overdue_days()))
    return render_template(
        "billing/invoices.html",
        invoices=rows,
        query=query,
        errors=errors,
        next_cursor=next_cursor,
        total=total,
        statuses=list(InvoiceStatus),
    )


INVOICES_CSV_HEADER = [
    "id",
    "number",
    "status",
    "client_id",
    "client",
    "contract_id",
    "issue_date",
    "period_start",
    "period_end",
    "amount_cents",
    "commissionable_cents",
    "paid_cents",
    "refunded_cents",
    "refunds_due_cents",
    "written_off_cents",
    "still_owed_cents",
    "currency",
    "external_id",
]


def _csv_row(invoice: Invoice) -> list:
    return [
        invoice.id,
        invoice.number,
        invoice.status.value,
        invoice.contract.client_id,
        invoice.contract.client.name,
        invoice.contract_id,
        invoice.issue_date.isoformat(),
        invoice.period_start.isoformat(),
        invoice.period_end.isoformat(),
        invoice.amount_cents,
        invoice.commissionable_cents,
        invoice.paid_cents,
        invoice.refunded_cents,
        invoice.refunds_due_cents,
        invoice.written_off_cents,
        invoice.still_owed_cents,
        invoice.currency,
        invoice.external_id,
    ]


@bp.get("/invoices.csv")
@roles_required(*STAFF)
def invoices_csv():
    """Every matching invoice (no limit), as GET /api/v1/invoices filters them."""
    query, errors = parse_query(InvoiceQuery, request.args)
    if errors:
        abort(400)
    select = invoices_for_export(query, business_today(), _overdue_days())
    select = select.execution_options(yield_per=500)

    def rows():
        for invoice in db.session.scalars(select):
            yield _csv_row(invoice)

    return csv_response("invoices.csv", INVOICES_CSV_HEADER, rows())


@bp.get("/refunds")
@roles_required(*STAFF)
def refunds():
    """Refunds a guarantee claim made that are not yet sent, with their total; finance
    records each as sent here."""
    count, total_cents = refunds_due_total()
    return render_template(
        "billing/refunds.html",
        rows=refunds_due(REFUND_ROWS),
        count=count,
        total_cents=total_cents,
        can_record=acting_user().has_role(*MONEY_KEEPERS),
        sent_form=RefundSentForm(sent_on=business_today()),
    )
