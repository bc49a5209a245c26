"""/dashboard/insights (SPEC §13): a chart per figure with its numbers as a table and a
CSV link; "No data yet" for an empty range; a bad range is a message, not an error page."""

import csv
import io
import json
import re


def test_an_empty_range_says_no_data_yet(client, login_as):
    login_as("sales")
    response = client.get("/dashboard/insights?from=2020-01-01&to=2020-01-31")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "No data yet." in page
    assert "<canvas" not in page


def test_the_page_draws_each_figure_with_its_table_and_csv(client, login_as, make_lead):
    login_as("sales")
    make_lead()
    make_lead(utm_source="newsletter")
    page = client.get("/dashboard/insights").get_data(as_text=True)
    assert 'href="/dashboard/insights"' in page  # the nav link
    for key in ("funnel", "sources", "by-source", "utm-sources"):
        assert f'<canvas id="chart-{key}"' in page
        data = re.search(rf'id="chart-{key}-data">(.*?)</script>', page, re.S).group(1)
        assert json.loads(data)["datasets"]
        assert f"/dashboard/insights/{key}.csv?" in page
    assert "<caption>Lead funnel</caption>" in page
    assert '<td data-label="Status">New</td>' in page  # labels, never codes
    assert 'src="/static/vendor/chartjs/chart.umd.min.js" defer' in page
    assert "<script>" not in page


def test_a_from_after_to_shows_a_message(client, login_as):
    login_as("sales")
    response = client.get("/dashboard/insights?from=2026-03-01&to=2026-02-01")
    assert response.status_code == 422
    assert "On or after the start date." in response.get_data(as_text=True)
    bad = client.get("/dashboard/insights?from=tomorrow")
    assert bad.status_code == 422
    assert "A date as YYYY-MM-DD." in bad.get_data(as_text=True)


def test_a_figure_downloads_as_csv(client, login_as, make_lead):
    login_as("sales")
    make_lead()
    response = client.get("/dashboard/insights/funnel.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["status", "leads"]
    assert rows[1] == ["new", "1"]
    assert client.get("/dashboard/insights/everything.csv").status_code == 404
