"""/dashboard/imports (admin): upload a leads or clients CSV, see what importing it would do
with every refused line, then import it (SPEC §16). The upload waits in the instance folder
between the two steps and is deleted once imported."""

import secrets
from pathlib import Path

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from auth.roles import ADMINS, acting_user, roles_required
from imports.clients_import import import_clients, preview_clients
from imports.common import ImportReport
from imports.forms import ConfirmForm, UploadForm
from imports.leads_import import import_leads, preview_leads

bp = Blueprint("imports_staff", __name__, url_prefix="/dashboard/imports")
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
"""A 100,000-row file is about 15 MB."""
ERRORS_SHOWN = 200


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _page(upload: UploadForm, status: int = 200, **context):
    return render_template("imports/index.html", upload=upload, **context), status


def _preview(kind: str, text: str) -> ImportReport:
    if kind == "clients":
        return preview_clients(text)
    return preview_leads(text)


@bp.get("")
@roles_required(*ADMINS)
def index():
    return _page(UploadForm())


@bp.post("/preview")
@roles_required(*ADMINS)
def preview():
    request.max_content_length = MAX_UPLOAD_BYTES
    form = UploadForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        text = form.file.data.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        form.file.errors = ["The file is not UTF-8 text: save it as CSV UTF-8."]
        return _page(form, 422)
    token = secrets.token_hex(16)
    (_uploads() / f"{token}.csv").write_text(text, encoding="utf-8")
    filename = Path(form.file.data.filename or "upload.csv").name
    report = _preview(form.kind.data, text)
    confirm = ConfirmForm(kind=form.kind.data, upload=token, filename=filename)
    return _page(form, report=report, confirm=confirm, shown=report.errors[:ERRORS_SHOWN])


@bp.post("/run")
@roles_required(*ADMINS)
def run():
    confirm = ConfirmForm()
    path = _uploads() / f"{confirm.upload.data}.csv"
    if not confirm.validate_on_submit() or not path.exists():
        flash("That upload is gone; choose the file again.", "error")
        return redirect(url_for(".index"))
    importer = import_clients if confirm.kind.data == "clients" else import_leads
    report = importer(
        path.read_text(encoding="utf-8"),
        confirm.filename.data or "upload.csv",
        acting_user(),
        skip_errors=confirm.skip_errors.data,
    )
    if not report.written:
        return _page(
            UploadForm(),
            422,
            report=report,
            confirm=confirm,
            shown=report.errors[:ERRORS_SHOWN],
            refused=True,
        )
    path.unlink(missing_ok=True)
    flash(f"Imported: {report.summary('skipped')}.", "success")
    return redirect(url_for(".index"))
