"""CORS (API.md section 8) with --cors-origins: headers on responses to an allowed Origin, preflight
OPTIONS without a key on API routes and on the signed PUT route, nothing for other origins. Asserted on
the headers with requests; no browser runs here."""

import pytest
import requests

from e2e_util import unique_project, upload_ok

ALLOWED = "https://app.example.com"
OTHER = "http://localhost:5173"
CORS_HEADERS = ("Access-Control-Allow-Origin", "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers")


@pytest.fixture(scope="module")
def csrv(module_server_factory):
    return module_server_factory({"cors-origins": f"{ALLOWED}, {OTHER}/"})


def preflight(srv, path, origin, method="POST", headers="authorization, content-type"):
    h = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        h["Access-Control-Request-Headers"] = headers
    return requests.options(srv.url + path, headers=h, timeout=10)


def test_preflight_on_api_route_needs_no_key(csrv):
    r = preflight(csrv, "/v1/files", ALLOWED, headers="Authorization, Content-Type, Idempotency-Key, X-Evil")
    assert r.status_code == 204, r.text
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in r.headers["Vary"]
    methods = {m.strip() for m in r.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "POST"} <= methods
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "x-evil" not in allowed
    assert int(r.headers["Access-Control-Max-Age"]) > 0


def test_preflight_asks_for_range_on_content(csrv):
    r = preflight(csrv, "/v1/files/00000000-0000-4000-8000-000000000000/content", OTHER, method="GET",
                  headers="range")
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == OTHER  # configured with a trailing '/'
    assert "range" in r.headers["Access-Control-Allow-Headers"].lower()
    assert "HEAD" in r.headers["Access-Control-Allow-Methods"]


def test_preflight_on_signed_put_route(csrv):
    r = preflight(csrv, "/v1/files/upload/00000000-0000-4000-8000-000000000000?expires=1&sig=x", ALLOWED,
                  method="PUT", headers="content-type")
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "PUT" in r.headers["Access-Control-Allow-Methods"]


def test_disallowed_origin_gets_no_cors_headers(csrv):
    r = preflight(csrv, "/v1/files", "https://evil.example.net")
    assert r.status_code == 204
    for h in CORS_HEADERS:
        assert h not in r.headers, h
    key = csrv.create_key(unique_project("cors"))
    r = requests.get(csrv.url + "/v1/files", headers={"Authorization": f"Bearer {key}",
                                                      "Origin": "https://evil.example.net"}, timeout=10)
    assert r.status_code == 200
    for h in CORS_HEADERS:
        assert h not in r.headers, h
    r = requests.get(csrv.url + "/v1/files", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in r.headers


def test_allowed_origin_on_responses_and_errors(csrv):
    key = csrv.create_key(unique_project("cors"))
    s = csrv.session(key)
    s.headers["Origin"] = ALLOWED
    obj = upload_ok(s, b"hello cors")
    r = s.get(s.base + f"/v1/files/{obj['id']}/content", headers={"Range": "bytes=0-1"}, timeout=10)
    assert r.status_code == 206
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert r.headers["Vary"] == "Origin"
    exposed = {h.strip().lower() for h in r.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "x-request-id", "content-disposition", "content-range", "idempotent-replayed"} <= exposed
    # Errors carry the headers too, so the browser lets the page read them.
    r = requests.get(csrv.url + "/v1/files", headers={"Origin": ALLOWED}, timeout=10)
    assert r.status_code == 401
    assert r.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_options_on_unknown_route_is_404(csrv):
    r = preflight(csrv, "/v1/nothing-here", ALLOWED)
    assert r.status_code == 404


def test_no_cors_without_configuration(server):
    r = preflight(server, "/v1/files", ALLOWED)
    assert r.status_code == 204
    assert "Access-Control-Allow-Origin" not in r.headers
