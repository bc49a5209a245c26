"""/dashboard/insights (SPEC §13, staff): each figure of GET /api/v1/insights/{name} as a
chart, the same numbers as a table, and a CSV. The chart's data reaches static/js/insights.js
as a JSON block in the page (the CSP runs no inline script); labels, never codes."""

from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, current_app, render_template, request

from auth.roles import STAFF, roles_required
from commissions.insight_queries import FIGURES, figure, parse_range
from core.downloads import csv_response
from core.labels import label
from core.money import format_cents
from core.today import business_today

bp = Blueprint("insights_staff", __name__, url_prefix="/dashboard")

TITLES = {
    "funnel": "Lead funnel",
    "sources": "Leads per week by source",
    "utm-sources": "Leads by utm_source",
    "by-source": "Conversion by source",
    "first-contact": "Hours to first contact by owner",
    "referrals": "Referrals per month",
    "liability": "Commission liability at month end",
    "guarantee-claims": "Guarantee claim rate by contract start month",
}


@dataclass
class Table:
    """One chart's numbers: `cells` as shown, `raw` as exported (codes, plain numbers)."""

    key: str
    title: str
    header: list[str]
    cells: list[list] = field(default_factory=list)
    raw: list[list] = field(default_factory=list)
    chart: dict | None = None
    note: str = ""
    header_raw: list[str] | None = None
    """The CSV's column names, when not the headings' words."""

    @property
    def empty(self) -> bool:
        """Nothing but zeros and blanks: the page says "No data yet"."""
        return not any(
            isinstance(value, int | float) and value for row in self.raw for value in row
        )

    def add(self, shown: list, exported: list) -> None:
        self.cells.append(shown)
        self.raw.append(exported)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def _funnel(data: dict) -> list[Table]:
    table = Table("funnel", TITLES["funnel"], ["Status", "Leads"])
    for row in data["statuses"]:
        table.add([label(row["status"]), row["count"]], [row["status"], row["count"]])
    table.chart = _bars([c[0] for c in table.cells], [("Leads", [c[1] for c in table.cells])])
    table.note = f"Conversion rate: {_percent(data['conversion_rate'])}"
    return [table]


def _sources(data: dict) -> list[Table]:
    weekly = Table("sources", TITLES["sources"], ["Week of", "Source", "Leads"])
    for row in data["weeks"]:
        weekly.add([row["week"], label(row["source"]), row["count"]], list(row.values()))
    weeks = sorted({row["week"] for row in data["weeks"]})
    names = sorted({row["source"] for row in data["weeks"]})
    counts = {(row["week"], row["source"]): row["count"] for row in data["weeks"]}
    weekly.chart = _bars(
        weeks,
        [(label(name), [counts.get((week, name), 0) for week in weeks]) for name in names],
        stacked=True,
    )
    by_source = Table(
        "by-source",
        TITLES["by-source"],
        ["Source", "Leads", "Won", "Conversion rate", "Median days to won"],
    )
    for row in data["by_source"]:
        by_source.add(
            [
                label(row["source"]),
                row["leads"],
                row["won"],
                _percent(row["conversion_rate"]),
                _number(row["median_days_to_won"]),
            ],
            list(row.values()),
        )
    by_source.chart = _bars(
        [label(row["source"]) for row in data["by_source"]],
        [("Conversion rate (%)", [(r["conversion_rate"] or 0) * 100 for r in data["by_source"]])],
    )
    utm = Table("utm-sources", TITLES["utm-sources"], ["utm_source", "Leads"])
    for row in data["by_utm_source"]:
        utm.add([row["utm_source"], row["leads"]], list(row.values()))
    utm.chart = _bars([c[0] for c in utm.cells], [("Leads", [c[1] for c in utm.cells])])
    return [weekly, by_source, utm]


def _first_contact(data: dict) -> list[Table]:
    table = Table(
        "first-contact", TITLES["first-contact"], ["Owner", "Leads contacted", "Median hours"]
    )
    for row in data["owners"]:
        table.add(
            [row["owner_email"], row["leads"], _number(row["median_hours"])], list(row.values())
        )
    table.chart = _bars(
        [row["owner_email"] for row in data["owners"]],
        [("Median hours", [row["median_hours"] for row in data["owners"]])],
    )
    return [table]


def _referrals(data: dict) -> list[Table]:
    reasons = sorted({reason for row in data["months"] for reason in row["refused"]})
    table = Table(
        "referrals",
        TITLES["referrals"],
        ["Month", "Attributed", *[f"Refused: {label(r)}" for r in reasons], "Became clients"],
    )
    for row in data["months"]:
        refused = [row["refused"].get(reason, 0) for reason in reasons]
        values = [row["month"], row["attributed"], *refused, row["became_clients"]]
        table.add(values, values)
    table.header_raw = ["month", "attributed", *[f"refused_{r}" for r in reasons], "became_clients"]
    months = [row["month"] for row in data["months"]]
    table.chart = _bars(
        months,
        [
            ("Attributed", [row["attributed"] for row in data["months"]]),
            ("Refused", [sum(row["refused"].values()) for row in data["months"]]),
            ("Became clients", [row["became_clients"] for row in data["months"]]),
        ],
    )
    return [table]


def _liability(data: dict) -> list[Table]:
    currency = current_app.config["CURRENCY"]
    table = Table(
        "liability", TITLES["liability"], ["Month", "Pending", "Approved", "Paid in the month"]
    )
    for row in data["months"]:
        cents = [row["pending_cents"], row["approved_cents"], row["paid_cents"]]
        table.add(
            [row["month"], *[format_cents(c, currency) for c in cents]],
            [row["month"], *cents],
        )
    table.header_raw = ["month", "pending_cents", "approved_cents", "paid_cents"]
    months = [row["month"] for row in data["months"]]
    table.chart = _bars(
        months,
        [
            ("Pending", [row["pending_cents"] / 100 for row in data["months"]]),
            ("Approved", [row["approved_cents"] / 100 for row in data["months"]]),
        ],
        stacked=True,
        line=("Paid in the month", [row["paid_cents"] / 100 for row in data["months"]]),
    )
    return [table]


def _guarantee_claims(data: dict) -> list[Table]:
    table = Table(
        "guarantee-claims",
        TITLES["guarantee-claims"],
        ["Start month", "Contracts", "Accepted claims", "Claim rate"],
    )
    for row in data["months"]:
        table.add(
            [row["month"], row["contracts"], row["claims"], _percent(row["rate"])],
            list(row.values()),
        )
    table.chart = _bars(
        [row["month"] for row in data["months"]],
        [("Claim rate (%)", [(row["rate"] or 0) * 100 for row in data["months"]])],
    )
    return [table]


def _bars(labels: list, datasets: list, *, stacked: bool = False, line=None) -> dict:
    chart = {
        "labels": labels,
        "stacked": stacked,
        "datasets": [{"label": name, "data": values} for name, values in datasets],
    }
    if line is not None:
        chart["line"] = {"label": line[0], "data": line[1]}
    return chart


TABLES = {
    "funnel": _funnel,
    "sources": _sources,
    "first-contact": _first_contact,
    "referrals": _referrals,
    "liability": _liability,
    "guarantee-claims": _guarantee_claims,
}


def _figure_tables(name: str, today: date) -> tuple[list[Table], dict, dict]:
    date_from, date_to, errors = parse_range(name, request.args, today)
    data = figure(name, date_from, date_to, today)
    return TABLES[name](data), {"from": date_from, "to": date_to}, errors


@bp.get("/insights")
@roles_required(*STAFF)
def index():
    today = business_today()
    sections, errors = [], {}
    for name in FIGURES:
        tables, period, problems = _figure_tables(name, today)
        errors.update(problems)
        sections.append({"name": name, "tables": tables, "period": period})
    return render_template(
        "dashboard/insights.html",
        sections=sections,
        errors=errors,
        given={key: request.args.get(key, "") for key in ("from", "to")},
    ), (422 if errors else 200)


CSV_NAMES = sorted(set(FIGURES) | {"by-source", "utm-sources"})


@bp.get("/insights/<any(" + ", ".join(repr(n) for n in CSV_NAMES) + "):name>.csv")
@roles_required(*STAFF)
def export_csv(name: str):
    figure_name = {"by-source": "sources", "utm-sources": "sources"}.get(name, name)
    tables, _period, errors = _figure_tables(figure_name, business_today())
    if errors:
        abort(422)
    table = next(t for t in tables if t.key == name)
    header = table.header_raw or [heading.lower().replace(" ", "_") for heading in table.header]
    return csv_response(f"insights-{name}.csv", header, table.raw)
