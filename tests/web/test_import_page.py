"""/dashboard/imports as an admin meets it (SPEC §16): a preview of what the file would do,
with each refused line, before anything is written; then the import."""

import io
import re

import sqlalchemy as sa

from leads.models import Lead

GOOD = "first_name,last_name,email,company\nAna,Chen,ana@northwind.example,Northwind\n"
BAD = GOOD + "Bo,Diaz,not-an-email,Globex\n"


def upload(client, text: str, name: str = "crm.csv"):
    data = {"kind": "leads", "file": (io.BytesIO(text.encode()), name)}
    return client.post("/dashboard/imports/preview", data=data, content_type="multipart/form-data")


def confirm_fields(page: str) -> dict:
    return dict(re.findall(r'<input[^>]*name="(upload|filename|kind)"[^>]*value="([^"]*)"', page))


def count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Lead))


def test_only_admins_reach_the_import_page(client, login_as):
    login_as("finance")
    assert client.get("/dashboard/imports").status_code == 403
    assert upload(client, GOOD).status_code == 403


def test_a_preview_shows_what_the_file_would_do_and_writes_nothing(client, db, login_as):
    login_as("admin")
    response = upload(client, BAD)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "What importing crm.csv would do" in page
    assert "1 to create" in page and "1 error" in page
    line = '<td data-label="Line">3</td><td data-label="Why">email: not an email address.</td>'
    assert line in page
    assert count(db) == 0

    refused = client.post("/dashboard/imports/run", data=confirm_fields(page))
    assert refused.status_code == 422 and "Nothing was imported" in refused.get_data(True)
    assert count(db) == 0

    done = client.post("/dashboard/imports/run", data={**confirm_fields(page), "skip_errors": "y"})
    assert done.status_code == 302
    after = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported: 1 created, 0 updated, 0 unchanged, 1 line skipped." in after
    assert count(db) == 1
    again = client.post("/dashboard/imports/run", data=confirm_fields(page))
    assert again.status_code == 302
    assert "That upload is gone" in client.get("/dashboard/imports").get_data(as_text=True)


def test_a_file_that_is_not_utf8_or_missing_gets_a_form_error(client, db, login_as):
    login_as("admin")
    latin = {"kind": "leads", "file": (io.BytesIO("Zoë".encode("latin-1")), "old.csv")}
    response = client.post(
        "/dashboard/imports/preview", data=latin, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and "not UTF-8" in response.get_data(as_text=True)
    empty = client.post("/dashboard/imports/preview", data={"kind": "leads"})
    assert empty.status_code == 422 and "Choose a CSV file." in empty.get_data(as_text=True)


def test_a_forged_upload_token_imports_nothing(client, db, login_as):
    login_as("admin")
    response = client.post(
        "/dashboard/imports/run",
        data={"kind": "leads", "upload": "../../etc/passwd", "filename": "x.csv"},
    )
    assert response.status_code == 302 and count(db) == 0
