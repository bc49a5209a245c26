def test_hire_flow(client, hire_form, outbox, login_as):
    r = client.get("/hire?utm_source=google")
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.post("/hire", data=hire_form())
    assert r.status_code == 302, r.get_data(as_text=True)
    assert [m.event for m in outbox()] == ["new_lead", "lead_confirmation"]
    login_as("sales")
    r = client.get("/dashboard/leads")
    assert "Northwind" in r.get_data(as_text=True)
    r = client.get("/dashboard/leads/1")
    assert r.status_code == 200, r.get_data(as_text=True)
    r = client.get("/dashboard")
    assert r.status_code == 200
    r = client.get("/dashboard/leads.csv")
    assert "Northwind" in r.get_data(as_text=True)
    r = client.get("/dashboard/leads?q=nor")
    assert "Northwind" in r.get_data(as_text=True)
