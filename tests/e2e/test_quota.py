"""Per-project quotas and GET /v1/usage (API.md section 8): `filesd projects set-quota/show`, 429
storage_quota_exceeded from Content-Length before any body byte, while streaming a chunked body, and
on the file count, with nothing left behind (no file listed, no blob, usage unchanged)."""

import os

import pytest
import requests

from e2e_util import (RawConn, assert_openai_error, chunked, multipart_body, new_boundary, request_head,
                      unique_project, upload, upload_ok, upload_parts)


@pytest.fixture(scope="module")
def qsrv(module_server_factory):
    return module_server_factory({"max-file-bytes": 8 << 20})


def project_key(srv):
    name = unique_project("quota")
    return name, srv.create_key(name)


def usage(sess):
    r = sess.get(sess.base + "/v1/usage", timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def blob_files(srv):
    out = []
    for root, _dirs, names in os.walk(srv.data_dir / "blobs"):
        out += [os.path.join(root, n) for n in names]
    return sorted(out)


def raw_error(resp):
    class R:
        status_code = resp.status
        headers = requests.structures.CaseInsensitiveDict(resp.headers)
        text = resp.body.decode(errors="replace")
        request = None

        def json(self):
            return resp.json()
    return R()


def test_usage_without_quota_and_after_uploads(qsrv):
    _, key = project_key(qsrv)
    s = qsrv.session(key)
    u = usage(s)
    assert {k: u[k] for k in ("bytes", "files", "quota_bytes", "quota_files")} == {
        "bytes": 0, "files": 0, "quota_bytes": None, "quota_files": None}
    upload_ok(s, b"x" * 10)
    upload_ok(s, b"y" * 5)
    u = usage(s)
    assert (u["bytes"], u["files"]) == (15, 2)
    assert requests.get(qsrv.url + "/v1/usage", timeout=10).status_code == 401


def test_cli_set_quota_and_show(qsrv):
    name, key = project_key(qsrv)
    out = qsrv.cli("projects", "set-quota", name, "--bytes", "1000", "--files", "3").stdout
    assert "quota_bytes  1000" in out and "quota_files  3" in out
    u = usage(qsrv.session(key))
    assert (u["quota_bytes"], u["quota_files"]) == (1000, 3)
    # An omitted flag keeps its value; "none" removes the quota.
    qsrv.cli("projects", "set-quota", name, "--files", "none")
    u = usage(qsrv.session(key))
    assert (u["quota_bytes"], u["quota_files"]) == (1000, None)
    show = qsrv.cli("projects", "show", name).stdout
    assert "quota_files  none" in show and "quota_bytes  1000" in show
    assert qsrv.cli("projects", "set-quota", name, "--bytes", "lots", check=False).returncode != 0
    assert qsrv.cli("projects", "show", unique_project("nobody"), check=False).returncode != 0


def test_file_count_quota(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--files", "2")
    s = qsrv.session(key)
    first = upload_ok(s, b"one")
    upload_ok(s, b"two")
    blobs = blob_files(qsrv)
    assert_openai_error(upload(s, b"three"), 429, "storage_quota_exceeded")
    assert blob_files(qsrv) == blobs
    assert usage(s)["files"] == 2
    assert s.delete(s.base + "/v1/files/" + first["id"], timeout=10).status_code == 200
    upload_ok(s, b"three")


def test_bytes_quota_refused_from_content_length_before_any_body_byte(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000")
    blobs = blob_files(qsrv)
    with RawConn("127.0.0.1", qsrv.port) as c:
        c.send(request_head("POST", "/v1/files", {
            "Authorization": f"Bearer {key}", "Content-Type": "multipart/form-data; boundary=b",
            "Content-Length": str(4 << 20)}))
        interim, resp = c.read_final_response(timeout=5)  # no body byte sent
        assert resp.status == 429, (resp.status, resp.body[:300])
    assert_openai_error(raw_error(resp), 429, "storage_quota_exceeded")
    assert blob_files(qsrv) == blobs
    assert usage(qsrv.session(key))["bytes"] == 0


def test_bytes_quota_refused_while_streaming(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000")
    s = qsrv.session(key)
    upload_ok(s, b"a" * 600)
    blobs = blob_files(qsrv)
    # Within Content-Length's allowance, so refused once the file part passes the room left.
    assert_openai_error(upload(s, b"b" * 600), 429, "storage_quota_exceeded")
    # Chunked: no length known up front.
    b = new_boundary()
    body = multipart_body(upload_parts(os.urandom(2 << 20)), b)
    with RawConn("127.0.0.1", qsrv.port) as c:
        c.send(request_head("POST", "/v1/files", {
            "Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={b}",
            "Transfer-Encoding": "chunked"}))
        sent = c.send_until_answer(chunked(body, 16384))  # the 0-size chunk is never sent
        _, resp = c.read_final_response(timeout=10)
        assert resp.status == 429, (resp.status, resp.body[:300])
    assert_openai_error(raw_error(resp), 429, "storage_quota_exceeded")
    assert blob_files(qsrv) == blobs
    listed = s.get(s.base + "/v1/files", timeout=10).json()["data"]
    assert len(listed) == 1
    u = usage(s)
    assert (u["bytes"], u["files"]) == (600, 1)
    upload_ok(s, b"c" * 400)  # exactly up to the quota is fine
