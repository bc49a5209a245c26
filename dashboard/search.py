"""The search box on every staff page (SPEC §13): `/dashboard/search?q=` finds leads (the
lead list's rules, §2), clients (name, domain), referrers (name, email, code) and invoices
(number prefix), a few of each kind, each kind linking to its full list filtered by `q`."""

from dataclasses import dataclass, field

from flask import current_app, render_template, request, url_for

from auth.roles import STAFF, roles_required
from billing.queries import ClientQuery, InvoiceQuery, client_list_page, invoice_list_page
from core.query_models import QueryModel, QueryText, parse_query
from core.today import business_today
from dashboard.views import bp
from leads.queries import page_of_leads, parse_filters
from leads.rules import query_words
from referrals.queries import ReferrerQuery, referrer_list_page

PER_KIND = 10


class SearchQuery(QueryModel):
    q: QueryText = ""


@dataclass
class Found:
    """One kind's results: up to PER_KIND rows, and whether its full list has more."""

    kind: str
    heading: str
    rows: list = field(default_factory=list)
    more: bool = False
    all_url: str | None = None


def _searched(model, q: str):
    query, _ = parse_query(model, {"q": q, "limit": str(PER_KIND)})
    return query


def find_everything(q: str) -> list[Found]:
    """Each kind's first results for `q`; a kind whose rules find no word in `q` (only
    punctuation, say) finds nothing rather than everything."""
    leads = Found("leads", "Leads", all_url=url_for("leads_staff.index", q=q))
    if query_words(q):
        filters, errors = parse_filters({"q": q, "limit": str(PER_KIND)})
        if not errors:
            rows, next_cursor = page_of_leads(filters)
            leads.rows, leads.more = rows, next_cursor is not None
    clients = Found("clients", "Clients", all_url=url_for("clients_staff.index", q=q))
    rows, next_cursor = client_list_page(_searched(ClientQuery, q))
    clients.rows, clients.more = rows, next_cursor is not None
    referrers = Found("referrers", "Referrers", all_url=url_for("referrals_staff.referrers", q=q))
    rows, next_cursor = referrer_list_page(_searched(ReferrerQuery, q))
    referrers.rows, referrers.more = rows, next_cursor is not None
    invoices = Found("invoices", "Invoices", all_url=url_for("invoice_lists.invoices", q=q))
    overdue_days = current_app.config["INVOICE_OVERDUE_DAYS"]
    rows, next_cursor = invoice_list_page(
        _searched(InvoiceQuery, q), business_today(), overdue_days, with_clients=True
    )
    invoices.rows, invoices.more = rows, next_cursor is not None
    return [leads, clients, referrers, invoices]


@bp.get("/search")
@roles_required(*STAFF)
def search():
    q = parse_query(SearchQuery, request.args)[0].q
    found = find_everything(q) if q else []
    return render_template(
        "dashboard/search.html",
        q=q,
        found=found,
        nothing=bool(q) and not any(kind.rows for kind in found),
    )
