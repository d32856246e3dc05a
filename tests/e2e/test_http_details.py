"""HTTP details real clients rely on (issue 9, section 4): 405 answers carry `Allow` with exactly the
methods the path accepts; HEAD works wherever GET does (same status and headers, GET's Content-Length,
no body); error messages repeat a client's id only when it is well-formed; every JSON body ends with
a newline (so `curl -s` output ends its line)."""

import shutil
import subprocess
from urllib.parse import quote

import pytest
import requests

from e2e_util import (RawConn, assert_openai_error, describe, random_uuid4, raw_error, request_head,
                      upload_ok)

UUID = "550e8400-e29b-41d4-a716-446655440000"
CSV = b"city,population\nParis,2100000\nLyon,520000\n"


def methods(value: str) -> list[str]:
    return [m.strip() for m in value.split(",") if m.strip()]


# ------------------------------------------------------------------------------------------------
# 405 and Allow

# (method refused, path, exactly what the path accepts)
NOT_ALLOWED = [
    ("PUT", "/v1/files", {"GET", "HEAD", "POST", "OPTIONS"}),
    ("PATCH", f"/v1/files/{UUID}", {"GET", "HEAD", "DELETE", "OPTIONS"}),
    ("POST", f"/v1/files/{UUID}/content", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", f"/v1/files/{UUID}/text", {"GET", "HEAD", "OPTIONS"}),
    ("GET", f"/v1/files/upload/{UUID}", {"PUT", "OPTIONS"}),
    ("GET", "/v1/uploads", {"POST", "OPTIONS"}),
    ("GET", f"/v1/uploads/{UUID}", {"PUT", "OPTIONS"}),
    ("GET", f"/v1/uploads/{UUID}/complete", {"POST", "OPTIONS"}),
    ("PUT", "/v1/usage", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", "/healthz", {"GET", "HEAD", "OPTIONS"}),
    ("POST", "/metrics", {"GET", "HEAD", "OPTIONS"}),
    ("DELETE", f"/files/{UUID}/content", {"GET", "HEAD", "OPTIONS"}),
    ("GET", "/uploads", {"POST", "OPTIONS"}),
]


@pytest.mark.parametrize("method, path, accepted", NOT_ALLOWED, ids=[f"{m} {p}" for m, p, _ in NOT_ALLOWED])
def test_405_carries_allow_with_exactly_the_accepted_methods(server, method, path, accepted):
    r = requests.request(method, server.url + path, timeout=10)
    err = assert_openai_error(r, 405, code="method_not_allowed")
    listed = methods(r.headers.get("Allow", ""))
    assert set(listed) == accepted and len(listed) == len(accepted), (path, r.headers.get("Allow"))
    for m in accepted:
        assert m in err["message"], err
    # OPTIONS names the same methods.
    o = requests.options(server.url + path, timeout=10)
    assert o.status_code == 204 and set(methods(o.headers.get("Allow", ""))) == accepted, o.headers
    # Every method Allow lists is really accepted (no key: 401/403/404, never 405).
    for m in accepted:
        got = requests.request(m, server.url + path, timeout=10)
        assert got.status_code != 405, (m, path, describe(got))


def test_405_for_a_method_beast_does_not_know(server):
    with RawConn("127.0.0.1", server.port) as c:
        c.send(request_head("BREW", "/healthz", {}))
        resp = c.read_response()
    assert resp.status == 405, resp
    assert set(methods(resp.headers["allow"])) == {"GET", "HEAD", "OPTIONS"}, resp.headers


def test_unknown_path_is_404_without_allow(server):
    r = requests.put(server.url + "/v1/nothing-here", timeout=10)
    assert_openai_error(r, 404)
    assert "Allow" not in r.headers


# ------------------------------------------------------------------------------------------------
# HEAD wherever GET


def head_then_get(server, target: str, headers: dict) -> tuple:
    """HEAD then GET of `target` on one keep-alive connection: a HEAD answer that sent body bytes would
    corrupt the GET answer that follows it."""
    with RawConn("127.0.0.1", server.port) as c:
        c.send(request_head("HEAD", target, headers) + request_head("GET", target, headers))
        head = c.read_response(head_only=True)
        get = c.read_response()
        assert not c.readable(0.2), "bytes after the GET answer: the HEAD answer carried a body"
    return head, get


def assert_head_matches_get(head, get, target, volatile=()):
    assert head.status == get.status, (target, head, get)
    skip = {"x-request-id", *volatile}
    assert {k: v for k, v in head.headers.items() if k not in skip} == \
           {k: v for k, v in get.headers.items() if k not in skip}, target
    assert int(head.headers["content-length"]) == len(get.body) or "content-length" in volatile, target
    assert head.headers["x-request-id"] != get.headers["x-request-id"]


def test_head_works_wherever_get_does(server, api):
    f = upload_ok(api, CSV, filename="cities.csv", content_type="text/csv")
    assert f["status"] == "processed", f
    auth = {"Authorization": api.headers["Authorization"]}
    routes = [
        ("/healthz", {}), ("/readyz", {}),
        ("/v1/files", auth), ("/v1/files?limit=1&order=asc", auth), (f"/v1/files/{f['id']}", auth),
        (f"/v1/files/{f['id']}/content", auth), (f"/v1/files/{f['id']}/text", auth), ("/v1/usage", auth),
        (f"/files/{f['id']}", auth), (f"/files/{f['id']}/content", auth),
        # Errors too: the GET route's error, header only.
        (f"/v1/files/{random_uuid4()}", auth), ("/v1/files/not-a-uuid/content", auth), ("/v1/files", {}),
        ("/v1/files?limit=0", auth),
    ]
    for target, headers in routes:
        head, get = head_then_get(server, target, headers)
        assert_head_matches_get(head, get, target)
        if get.status == 200:
            assert len(get.body) > 0, target
    # Metrics change between two requests: same status and type, a length of its own.
    head, get = head_then_get(server, "/metrics", {})
    assert_head_matches_get(head, get, "/metrics", volatile=("content-length",))
    assert int(head.headers["content-length"]) > 0


def test_head_with_requests_has_no_body(server, api):
    f = upload_ok(api, CSV, filename="c.csv", content_type="text/csv")
    for path in ("/v1/files", f"/v1/files/{f['id']}", f"/v1/files/{f['id']}/text", "/v1/usage"):
        g = api.get(api.base + path, timeout=10)
        h = api.head(api.base + path, timeout=10)
        assert h.status_code == g.status_code == 200, (path, h.status_code)
        assert h.content == b"" and int(h.headers["Content-Length"]) == len(g.content), path
        assert h.headers["Content-Type"] == g.headers["Content-Type"], path


# ------------------------------------------------------------------------------------------------
# Errors repeat only well-formed ids

LONG = "a" * 6000
PATHLIKE = "../../etc/passwd"


def assert_not_echoed(resp, *sent):
    text = resp.text
    assert len(resp.content) < 600, f"{len(resp.content)} bytes: {describe(resp)}"
    for s in sent:
        assert s not in text, describe(resp)
    assert "etc/passwd" not in text and "aaaaaaaaaaaaaaaa" not in text, describe(resp)


@pytest.mark.parametrize("bad", [LONG, PATHLIKE, "x\u202eevil", "%00"], ids=["long", "path", "bidi", "nul"])
def test_malformed_path_ids_are_not_echoed(api, bad):
    enc = quote(bad, safe="")
    for method, path, code in [
        ("GET", f"/v1/files/{enc}", "file_not_found"),
        ("DELETE", f"/v1/files/{enc}", "file_not_found"),
        ("GET", f"/v1/files/{enc}/content", "file_not_found"),
        ("GET", f"/v1/files/{enc}/text", "file_not_found"),
        ("GET", f"/files/{enc}", "file_not_found"),
        ("POST", f"/v1/uploads/{enc}/cancel", "upload_not_found"),
        ("POST", f"/v1/uploads/{enc}/complete", "upload_not_found"),
    ]:
        r = api.request(method, api.base + path, json={} if method == "POST" else None, timeout=10)
        err = assert_openai_error(r, 404, code=code)
        assert_not_echoed(r, bad)
        assert err["param"] in ("file_id", "upload_id"), err
    r = api.put(api.base + f"/v1/uploads/{enc}", json={"data": "aGk="}, timeout=10)
    assert_openai_error(r, 404, code="upload_not_found")
    assert_not_echoed(r, bad)


def test_well_formed_unknown_ids_are_named(api):
    fid = random_uuid4()
    r = api.get(api.base + f"/v1/files/{fid}", timeout=10)
    assert fid in assert_openai_error(r, 404, code="file_not_found")["message"]
    r = api.post(api.base + f"/v1/uploads/{fid}/cancel", timeout=10)
    assert fid in assert_openai_error(r, 404, code="upload_not_found")["message"]


def test_confirm_upload_does_not_echo_a_malformed_file_id(api):
    for bad in (LONG, PATHLIKE):
        r = api.post(api.base + "/v1/files/confirm-upload",
                     json={"file_id": bad, "filename": "a.csv", "file_size": 1}, timeout=10)
        assert r.status_code == 404 and r.json()["success"] is False, describe(r)
        assert_not_echoed(r, bad)


def test_complete_does_not_echo_malformed_part_ids(api):
    s = api.post(api.base + "/v1/uploads", json={"filename": "p.bin", "purpose": "user_data"}, timeout=10)
    assert s.status_code == 200, describe(s)
    sid = s.json()["id"]
    for bad in (LONG, PATHLIKE):
        r = api.post(api.base + f"/v1/uploads/{sid}/complete", json={"part_ids": [bad]}, timeout=10)
        assert_openai_error(r, 400, field_name="part_ids")
        assert_not_echoed(r, bad)
    # A well-formed part id that is not this upload's is named.
    other = "part_" + random_uuid4()
    r = api.post(api.base + f"/v1/uploads/{sid}/complete", json={"part_ids": [other]}, timeout=10)
    assert other in assert_openai_error(r, 400, field_name="part_ids")["message"]


def test_query_values_are_not_echoed(api):
    for bad in (LONG, PATHLIKE):
        r = api.get(api.base + "/v1/files", params={"purpose": bad}, timeout=10)
        assert_openai_error(r, 400, field_name="purpose")
        assert_not_echoed(r, bad)
        r = api.get(api.base + "/v1/files", params={"after": bad}, timeout=10)
        assert_openai_error(r, 400, field_name="after")
        assert_not_echoed(r, bad)


# ------------------------------------------------------------------------------------------------
# JSON bodies end with a newline


def test_every_json_body_ends_with_a_newline(server, api):
    f = upload_ok(api, CSV, filename="n.csv", content_type="text/csv")
    got = api.post(api.base + "/v1/files/upload-url", json={"filename": "n.csv"}, timeout=10)
    responses = [
        requests.get(server.url + "/healthz", timeout=10),
        requests.get(server.url + "/readyz", timeout=10),
        api.get(api.base + "/v1/files", timeout=10),
        api.get(api.base + f"/v1/files/{f['id']}", timeout=10),
        api.get(api.base + "/v1/usage", timeout=10),
        api.post(api.base + "/v1/uploads", json={"filename": "n.bin", "purpose": "user_data"}, timeout=10),
        got,
        requests.put(got.json()["upload_url"], data=CSV, timeout=10),
        api.post(api.base + "/v1/files/confirm-upload",
                 json={"file_id": got.json()["file_id"], "filename": "n.csv", "file_size": len(CSV)}, timeout=30),
        api.delete(api.base + f"/v1/files/{f['id']}", timeout=10),
        # errors, both envelopes
        requests.get(server.url + "/v1/files", timeout=10),
        api.get(api.base + f"/v1/files/{random_uuid4()}", timeout=10),
        api.put(api.base + "/v1/files", timeout=10),
        api.get(api.base + "/no/such/route", timeout=10),
        api.post(api.base + "/v1/files/upload-url", json={}, timeout=10),
        requests.put(got.json()["upload_url"] + "x", data=CSV, timeout=10),
    ]
    for r in responses:
        assert r.headers["Content-Type"] == "application/json", describe(r)
        assert r.content.endswith(b"}\n") and r.content.count(b"\n") == 1, describe(r)
        r.json()


def test_idempotent_replay_is_byte_identical(api):
    headers = {"Idempotency-Key": "http-details-" + random_uuid4()}
    first = api.post(api.base + "/v1/files/upload-url", json={"filename": "i.csv"}, headers=headers, timeout=10)
    again = api.post(api.base + "/v1/files/upload-url", json={"filename": "i.csv"}, headers=headers, timeout=10)
    assert first.status_code == again.status_code == 200, describe(again)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.content == first.content and first.content.endswith(b"\n")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_output_ends_its_line(server, api):
    key = api.headers["Authorization"].split(" ", 1)[1]
    for args in (["-s", server.url + "/healthz"],
                 ["-s", server.url + "/v1/files", "-H", f"Authorization: Bearer {key}"],
                 ["-s", server.url + f"/v1/files/{random_uuid4()}", "-H", f"Authorization: Bearer {key}"]):
        out = subprocess.run(["curl", *args], capture_output=True, timeout=20, check=True).stdout
        assert out.endswith(b"\n") and out.startswith(b"{"), out[:200]
