def test_it_points_favicon_requests_at_the_mark(client):
    r = client.get("/favicon.ico")

    assert r.status_code == 301
    assert r["Location"].split("?")[0].endswith(".svg")
    assert "brand/favicon" in r["Location"]
