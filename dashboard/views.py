from flask import Blueprint, render_template

from auth.roles import STAFF, roles_required
from leads.queries import counts_by_status, newest_leads

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.get("")
@roles_required(*STAFF)
def overview():
    return render_template(
        "dashboard/overview.html", counts=counts_by_status(), newest=newest_leads()
    )
