"""The API's edges (SPEC §8): the error envelope on routing errors and crashes, CORS for the
marketing site, and the OpenAPI document."""

import re

import pytest
from flask.testing import FlaskClient
from openapi_spec_validator import validate

import api.leads

OPENAPI = "/api/v1/openapi.json"


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nothing-here", "/api/v1/leads/abc", "/api/v1/leads/-1", "/api/v1/leads/1/x", "/api/"],
)
@pytest.mark.parametrize("role", [None, "admin"])
def test_an_unknown_api_path_is_404_in_the_json_envelope(client, bearer, path, role):
    response = client.get(path, headers=bearer(role) if role else {})

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/v1/leads", {"GET", "POST"}),
        ("PUT", "/api/v1/leads", {"GET", "POST"}),
        ("DELETE", "/api/v1/leads/1", {"GET", "PATCH"}),
        ("POST", "/api/v1/leads/1", {"GET", "PATCH"}),
        ("POST", OPENAPI, {"GET"}),
    ],
)
def test_a_wrong_method_is_405_in_the_json_envelope_with_allow(
    client, bearer, make_lead, method, path, allowed
):
    make_lead()

    response = client.open(path, method=method, json={}, headers=bearer("admin"))

    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_an_unexpected_error_is_500_in_the_json_envelope(app, bearer, make_lead, monkeypatch):
    make_lead()

    def explode(_lead_id):
        raise RuntimeError("boom")

    monkeypatch.setattr(api.leads, "get_lead", explode)
    plain = FlaskClient(app, app.response_class, use_cookies=True)  # lets a 500 through

    response = plain.get("/api/v1/leads/1", headers=bearer())

    assert response.status_code == 500
    body = response.get_json()
    assert body["error"]["code"] == "internal_error"
    assert body["error"]["fields"] == {}
    assert "boom" not in response.get_data(as_text=True)


def test_a_page_outside_the_api_keeps_its_html_error(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


SITE = "https://www.hiretechtalent.example"


@pytest.mark.parametrize("config_overrides", [{"SITE_ORIGINS": [SITE]}], ids=["site"])
def test_the_marketing_site_may_post_leads_across_origins(client, lead_payload):
    preflight = client.options(
        "/api/v1/leads",
        headers={"Origin": SITE, "Access-Control-Request-Method": "POST"},
    )
    posted = client.post("/api/v1/leads", json=lead_payload(), headers={"Origin": SITE})
    refused = client.post("/api/v1/leads", json={}, headers={"Origin": SITE})

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert posted.status_code == 202
    assert posted.headers["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in {v.strip() for v in posted.headers.get("Vary", "").split(",")}
    assert refused.status_code == 422  # the site can read why
    assert refused.headers["Access-Control-Allow-Origin"] == SITE


@pytest.mark.parametrize("config_overrides", [{"SITE_ORIGINS": [SITE]}], ids=["site"])
def test_other_origins_and_other_endpoints_get_no_cors_headers(client, bearer, lead_payload):
    foreign = client.post(
        "/api/v1/leads", json=lead_payload(), headers={"Origin": "https://evil.example"}
    )
    listing = client.get("/api/v1/leads", headers={"Origin": SITE, **bearer()})

    assert foreign.status_code == 202
    assert "Access-Control-Allow-Origin" not in foreign.headers
    assert listing.status_code == 200
    assert "Access-Control-Allow-Origin" not in listing.headers


def test_the_openapi_document_describes_the_lead_endpoints(client):
    response = client.get(OPENAPI)

    assert response.status_code == 200
    assert response.is_json
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    paths = document["paths"]
    assert {"get", "post"} <= set(paths["/leads"])
    assert {"get", "patch"} <= set(paths["/leads/{lead_id}"])
    post = paths["/leads"]["post"]
    assert {"200", "201", "202", "400", "401", "403", "413", "422", "429"} <= set(post["responses"])
    patch = paths["/leads/{lead_id}"]["patch"]
    assert {"400", "401", "403", "404", "413", "422"} <= set(patch["responses"])
    schemas = document["components"]["schemas"]

    def resolved(body: dict) -> dict:
        return schemas[body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]]

    patch_body = resolved(patch["requestBody"])
    assert patch_body["properties"]["status"]["anyOf"][0]["enum"] == [
        "contacted",
        "qualified",
        "proposal",
        "lost",
    ]
    parameters = {p["name"]: p for p in paths["/leads"]["get"]["parameters"]}
    assert {"status", "q", "owner", "source", "created_from", "created_to"} <= set(parameters)
    assert parameters["limit"]["schema"]["anyOf"] == [
        {"type": "integer", "minimum": 1},
        {"const": ""},
    ]
    created_from = parameters["created_from"]["schema"]["anyOf"]
    assert created_from[0]["format"] == "date" and created_from[1] == {"const": ""}
    assert parameters["status"]["schema"]["anyOf"][0]["enum"][0] == "new"
    lead_input = resolved(post["requestBody"])
    assert set(lead_input["required"]) == {
        "first_name",
        "last_name",
        "company",
        "email",
        "roles",
        "headcount",
        "consent",
    }
    assert lead_input["properties"]["roles"]["type"] == "array"
    assert lead_input["properties"]["headcount"]["type"] == "integer"
    assert lead_input["properties"]["consent"]["type"] == "boolean"
    assert schemas["Lead"]["additionalProperties"] is False
    assert schemas["PaymentIn"]["properties"]["paid_on"]["format"] == "date"
    assert schemas["PaymentIn"]["properties"]["amount_cents"]["minimum"] == 1
    assert {"type": "null"} in schemas["Lead"]["properties"]["phone"]["anyOf"]
    assert "claim_in_future" in schemas["ErrorBody"]["properties"]["code"]["enum"]
    csv = paths["/payouts/{payout_id}.csv"]["get"]["responses"]["200"]["content"]
    assert set(csv) == {"text/csv"}


def test_the_openapi_document_is_valid_openapi_3_1(client):
    validate(client.get(OPENAPI).get_json())


def test_every_reference_in_the_openapi_document_resolves(client):
    document = client.get(OPENAPI).get_json()
    references = []

    def collect(node):
        if isinstance(node, dict):
            references.extend(v for k, v in node.items() if k == "$ref")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)

    assert references
    for reference in references:
        target = document
        assert reference.startswith("#/")
        for part in reference[2:].split("/"):
            target = target[part]
        assert isinstance(target, dict)


def _expand_any(path: str) -> list[str]:
    """`/x/<any(a, b):action>` routes `/x/a` and `/x/b`."""
    match = re.search(r"<any\(([^)]*)\):\w+>", path)
    if match is None:
        return [path]
    options = [option.strip() for option in match.group(1).split(",")]
    return [path[: match.start()] + option + path[match.end() :] for option in options]


def test_every_path_and_method_in_the_document_is_routed(app, client):
    document = client.get(OPENAPI).get_json()
    rules = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods
        if rule.rule.startswith("/api/v1/")
    }
    routed = {
        (re.sub(r"<[^>]+>", "{}", expanded), method.lower())
        for path, method in rules
        for expanded in _expand_any(path)
    }
    base = document["servers"][0]["url"]

    for path, operations in document["paths"].items():
        for method in set(operations) - {"parameters", "summary", "description"}:
            assert (re.sub(r"{[^}]+}", "{}", base + path), method) in routed, (path, method)


def test_every_api_route_is_in_the_document(app, client):
    document = client.get(OPENAPI).get_json()
    base = document["servers"][0]["url"]
    documented = {
        (re.sub(r"{[^}]+}", "{}", base + path), method)
        for path, operations in document["paths"].items()
        for method in operations
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for path in _expand_any(rule.rule):
                key = (re.sub(r"<[^>]+>", "{}", path), method.lower())
                assert key in documented, key


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                yield path, item, operation


def test_every_operation_that_takes_an_id_is_the_target_of_a_link(client):
    """Schemathesis's stateful phase walks the links: an id-taking operation no link reaches
    would only ever see made-up ids (404)."""
    document = client.get(OPENAPI).get_json()
    operation_ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(operation_ids) == len(set(operation_ids))
    linked: dict[str, set[str]] = {}
    for _, _, operation in _operations(document):
        for response in operation["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in operation_ids
                for name, expression in link["parameters"].items():
                    assert expression.startswith("$response.body#/")
                    linked.setdefault(link["operationId"], set()).add(name)
    for path, item, operation in _operations(document):
        taken = {parameter["name"] for parameter in item.get("parameters", [])}
        assert taken <= linked.get(operation["operationId"], set()), path
