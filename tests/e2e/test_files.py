"""GET and DELETE /v1/files/{id} (API.md section 3): 404 for unknown, malformed and other projects' ids,
soft delete, and isolation between projects on every route."""

import pytest
import requests

from e2e_util import assert_openai_error, random_uuid4, upload_ok

ID_ROUTES = [("GET", "/v1/files/{}"), ("GET", "/v1/files/{}/content"), ("HEAD", "/v1/files/{}/content"),
             ("DELETE", "/v1/files/{}")]


def check_404(resp):
    if resp.request.method == "HEAD":
        assert resp.status_code == 404, resp.status_code
        assert resp.content == b""
        assert resp.headers.get("X-Request-Id")
    else:
        assert_openai_error(resp, 404)


@pytest.mark.parametrize("bad_id", [
    "not-a-uuid", "12345", "550e8400-e29b-41d4-a716-44665544000", "550e8400-e29b-41d4-a716-4466554400000",
    "550e8400e29b41d4a716446655440000", "%2e%2e", "file-abc123", "zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz",
    "550e8400-e29b-41d4-a716-446655440000%00", "'%20OR%201=1--",
])
def test_malformed_id_is_404(api, bad_id):
    for method, pattern in ID_ROUTES:
        r = api.request(method, api.base + pattern.format(bad_id), timeout=10)
        check_404(r)


def test_unknown_uuid_is_404(api):
    fid = random_uuid4()
    for method, pattern in ID_ROUTES:
        check_404(api.request(method, api.base + pattern.format(fid), timeout=10))


def test_other_projects_file_is_404_on_every_route(server, new_key):
    a = server.session(new_key())
    b = server.session(new_key())
    fa = upload_ok(a, b"secret of project A", filename="a.txt")
    fb = upload_ok(b, b"project B", filename="b.txt")
    for method, pattern in ID_ROUTES:
        r = b.request(method, b.base + pattern.format(fa["id"]), timeout=10)
        check_404(r)
        if method != "HEAD":
            assert "secret of project A" not in r.text and "a.txt" not in r.text
    # The foreign id answers exactly like an id that never existed (API.md section 1).
    uid = random_uuid4()
    foreign = b.get(b.base + f"/v1/files/{fa['id']}", timeout=10).json()["error"]
    unknown = b.get(b.base + f"/v1/files/{uid}", timeout=10).json()["error"]
    assert foreign["code"] == unknown["code"] and foreign["type"] == unknown["type"]
    assert foreign["message"].replace(fa["id"], "<id>") == unknown["message"].replace(uid, "<id>")
    # B's delete attempt did not delete A's file.
    r = a.get(a.base + f"/v1/files/{fa['id']}", timeout=10)
    assert r.status_code == 200 and r.json()["id"] == fa["id"]
    assert a.get(a.base + f"/v1/files/{fa['id']}/content", timeout=10).content == b"secret of project A"
    # Each list holds only its own file.
    la = a.get(a.base + "/v1/files", timeout=10).json()
    lb = b.get(b.base + "/v1/files", timeout=10).json()
    assert [f["id"] for f in la["data"]] == [fa["id"]] and la["total"] == 1
    assert [f["id"] for f in lb["data"]] == [fb["id"]] and lb["total"] == 1


def test_delete_then_everything_is_404(api):
    keep = upload_ok(api, b"keep me", filename="keep.txt")
    gone = upload_ok(api, b"delete me", filename="gone.txt")
    assert api.get(api.base + "/v1/files", timeout=10).json()["total"] == 2

    r = api.delete(api.base + f"/v1/files/{gone['id']}", timeout=10)
    assert r.status_code == 200, r.text
    assert r.json() == {"id": gone["id"], "object": "file", "deleted": True}

    for method, pattern in ID_ROUTES:
        check_404(api.request(method, api.base + pattern.format(gone["id"]), timeout=10))
    lst = api.get(api.base + "/v1/files", timeout=10).json()
    assert [f["id"] for f in lst["data"]] == [keep["id"]] and lst["total"] == 1
    assert api.get(api.base + f"/v1/files/{keep['id']}/content", timeout=10).content == b"keep me"


def test_delete_is_404_for_an_unauthorised_project_and_is_not_a_delete(server, new_key):
    a = server.session(new_key())
    f = upload_ok(a, b"x", filename="x.txt")
    r = requests.delete(server.url + f"/v1/files/{f['id']}", timeout=10)
    assert_openai_error(r, 401, code="missing_api_key")
    r = requests.delete(server.url + f"/v1/files/{f['id']}", headers={"Authorization": "Bearer fsd_nope_nope"},
                        timeout=10)
    assert_openai_error(r, 403, code="invalid_api_key")
    assert a.get(a.base + f"/v1/files/{f['id']}", timeout=10).status_code == 200


def test_unknown_route_and_method(api):
    r = api.get(api.base + "/v1/nothing-here", timeout=10)
    assert r.status_code == 404, r.status_code
    r = api.put(api.base + "/v1/files", data=b"x", timeout=10)
    assert_openai_error(r, 405, code="method_not_allowed")
    assert {m.strip() for m in r.headers["Allow"].split(",")} == {"GET", "HEAD", "POST", "OPTIONS"}
