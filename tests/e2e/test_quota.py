"""Per-project quotas and GET /v1/usage (API.md section 8): `filesd projects set-quota/show`, 429
storage_quota_exceeded from Content-Length before any body byte, while streaming a chunked body, and
on the file count, with nothing left behind (no file listed, no blob, usage unchanged); on every
upload flow (multipart, pre-signed, session appends and parts); and racing uploads that never pass a
quota together."""

import base64
import concurrent.futures
import os

import pytest
import requests

from e2e_util import (RawConn, assert_openai_error, chunked, describe, multipart_body, new_boundary, raw_error,
                      request_head, unique_project, upload, upload_ok, upload_parts)


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


# ------------------------------------------------------------------------------------------------
# The pre-signed flow and upload sessions obey the same quotas.

def presigned_quota_error(resp):
    assert resp.status_code == 429, describe(resp)
    body = resp.json()
    assert body["success"] is False and body["error"] == "Storage quota exceeded", body
    assert body["code"] == "storage_quota_exceeded" and "quota" in body["message"], body
    return body


def test_upload_url_refuses_a_declared_size_or_a_file_over_the_quota(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000", "--files", "2")
    s = qsrv.session(key)
    url = s.base + "/v1/files/upload-url"
    presigned_quota_error(s.post(url, json={"filename": "a.bin", "file_size": 1001}, timeout=10))
    assert usage(s)["files"] == 0  # nothing was created
    assert s.post(url, json={"filename": "a.bin", "file_size": 1000}, timeout=10).status_code == 200
    assert s.post(url, json={"filename": "b.bin"}, timeout=10).status_code == 200
    # A pending file counts as a file.
    presigned_quota_error(s.post(url, json={"filename": "c.bin"}, timeout=10))
    assert usage(s)["files"] == 2


def test_signed_put_over_the_quota_is_refused_before_any_byte_or_while_streaming(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000")
    s = qsrv.session(key)
    upload_ok(s, b"u" * 600)
    grant = s.post(s.base + "/v1/files/upload-url", json={"filename": "p.bin"}, timeout=10).json()
    blobs = blob_files(qsrv)
    target = grant["upload_url"][len(qsrv.url):]
    # From Content-Length: refused before any body byte is sent.
    with RawConn("127.0.0.1", qsrv.port) as c:
        c.send(request_head("PUT", target, {"Content-Length": str(4 << 20),
                                            "Content-Type": "application/octet-stream"}))
        _interim, resp = c.read_final_response(timeout=5)
        assert resp.status == 429, (resp.status, resp.body[:300])
    presigned_quota_error(raw_error(resp))
    # Chunked, no length known: refused once the bytes pass the 400 left.
    with RawConn("127.0.0.1", qsrv.port) as c:
        c.send(request_head("PUT", target, {"Transfer-Encoding": "chunked",
                                            "Content-Type": "application/octet-stream"}))
        c.send_until_answer(chunked(b"v" * (1 << 20), 1024))
        _interim, resp = c.read_final_response(timeout=10)
        assert resp.status == 429, (resp.status, resp.body[:300])
    presigned_quota_error(raw_error(resp))
    assert blob_files(qsrv) == blobs
    f = s.get(s.base + "/v1/files/" + grant["file_id"], timeout=10).json()
    assert (f["status"], f["bytes"]) == ("pending", 0), f
    # The same URL still takes a file that fits, exactly up to the quota.
    r = requests.put(grant["upload_url"], data=b"w" * 400, timeout=10)
    assert r.status_code == 200, describe(r)
    assert (usage(s)["bytes"], usage(s)["files"]) == (1000, 2)


def create_session(s, **body):
    return s.post(s.base + "/v1/uploads", json={"filename": "s.bin", **body}, timeout=10)


def append(s, fid, data):
    return s.put(s.base + f"/v1/uploads/{fid}", json={"data": base64.b64encode(data).decode()},
                 timeout=10)


def test_sessions_refuse_a_declared_size_and_appends_over_the_quota(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000")
    s = qsrv.session(key)
    assert_openai_error(create_session(s, bytes=1001), 429, "storage_quota_exceeded")
    assert usage(s)["files"] == 0
    r = create_session(s, bytes=1000)
    assert r.status_code == 200, describe(r)
    fid = r.json()["id"]
    assert append(s, fid, b"a" * 600).status_code == 200
    assert_openai_error(append(s, fid, b"b" * 401), 429, "storage_quota_exceeded")
    # Nothing of the refused chunk is visible; the session goes on from 600.
    assert s.get(s.base + f"/v1/files/{fid}/content", timeout=10).content == b"a" * 600
    assert append(s, fid, b"c" * 400).status_code == 200
    assert usage(s)["bytes"] == 1000
    r = s.post(s.base + f"/v1/uploads/{fid}/complete", json={}, timeout=30)
    assert r.status_code == 200, describe(r)


def test_session_parts_are_checked_when_sent_and_when_completed(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000")
    s = qsrv.session(key)
    fid = create_session(s).json()["id"]

    def part(data):
        return s.post(s.base + f"/v1/uploads/{fid}/parts", files={"data": ("blob", data)}, timeout=10)

    assert_openai_error(part(b"x" * 1001), 429, "storage_quota_exceeded")
    p1 = part(b"y" * 700)
    p2 = part(b"z" * 700)
    assert p1.status_code == 200 and p2.status_code == 200, (describe(p1), describe(p2))
    ids = [p1.json()["id"], p2.json()["id"]]
    # Each part fits alone; together they do not: complete is refused and the session stays open.
    r = s.post(s.base + f"/v1/uploads/{fid}/complete", json={"part_ids": ids}, timeout=30)
    assert_openai_error(r, 429, "storage_quota_exceeded")
    assert usage(s)["bytes"] == 0
    r = s.post(s.base + f"/v1/uploads/{fid}/complete", json={"part_ids": ids[:1]}, timeout=30)
    assert r.status_code == 200, describe(r)
    assert usage(s)["bytes"] == 700


def test_racing_uploads_never_pass_the_quota_together(qsrv):
    """Twelve uploads start at once while the project is empty, so every one passes the early checks;
    the binding check, in the transaction that creates the file, lets exactly as many land as fit and
    refuses the others with nothing left behind."""
    name, key = project_key(qsrv)
    size = 200 * 1024
    qsrv.cli("projects", "set-quota", name, "--bytes", str(5 * size + size // 2))
    s = qsrv.session(key)
    blobs_before = len(blob_files(qsrv))

    def one(i):
        return upload(qsrv.session(key), os.urandom(size), filename=f"r{i}.bin")

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(one, range(12)))
    ok = [r for r in answers if r.status_code == 200]
    for r in answers:
        if r.status_code != 200:
            assert_openai_error(r, 429, "storage_quota_exceeded")
    assert len(ok) == 5, [r.status_code for r in answers]
    u = usage(s)
    assert (u["bytes"], u["files"]) == (5 * size, 5)
    listed = s.get(s.base + "/v1/files?limit=100", timeout=10).json()["data"]
    assert sorted(f["id"] for f in listed) == sorted(r.json()["id"] for r in ok)
    # Only the five files' content remains on disk (binary files have no extracted text).
    assert len(blob_files(qsrv)) == blobs_before + 5


def test_racing_session_appends_never_pass_the_quota_together(qsrv):
    name, key = project_key(qsrv)
    qsrv.cli("projects", "set-quota", name, "--bytes", "1000000")
    s = qsrv.session(key)
    sessions = [create_session(s).json()["id"] for _ in range(6)]

    def fill(fid):
        acknowledged = 0
        sess = qsrv.session(key)
        while True:
            r = append(sess, fid, b"q" * 65536)
            if r.status_code != 200:
                assert_openai_error(r, 429, "storage_quota_exceeded")
                return acknowledged
            acknowledged = r.json()["bytes"]

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        sizes = list(pool.map(fill, sessions))
    # Together they fill the quota to within one chunk, and never past it.
    assert 1000000 - 65536 < sum(sizes) <= 1000000, sizes
    assert usage(s)["bytes"] == sum(sizes)
    for fid, size in zip(sessions, sizes):
        assert len(s.get(s.base + f"/v1/files/{fid}/content", timeout=10).content) == size
