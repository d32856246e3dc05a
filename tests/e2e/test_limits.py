"""Limits and misbehaving clients, against a server with small limits and a fast janitor:
413 (Content-Length, chunked, Expect), 431, Expect: 100-continue, a client that disconnects mid-upload,
a client that stalls (--read-timeout 2), and purge of deleted content after the retention period.
Whatever a client does, no file is listed and DIR/tmp ends up empty once the janitor has run."""

import json
import os
import subprocess
import time

import pytest
import requests

from e2e_util import (RawConn, assert_openai_error, chunked, multipart_body, new_boundary, raw_error,
                      request_head, sha256_hex, unique_project, upload_ok, upload_parts)

MAX_FILE = 1 << 20
LIMITED_FLAGS = {
    "max-file-bytes": MAX_FILE,
    "read-timeout": 2,
    "janitor-interval": 1,
    "deleted-retention": 1,
    "max-header-bytes": 8192,
}


@pytest.fixture(scope="module")
def limited(module_server_factory):
    return module_server_factory(LIMITED_FLAGS)


@pytest.fixture
def lsrv(limited):
    assert limited.alive(), "the limited filesd died:\n" + limited.stderr_text()[-3000:]
    return limited


@pytest.fixture
def lkey(lsrv):
    return lsrv.create_key(unique_project("lim"))


def files_under(d):
    out = []
    for root, _dirs, names in os.walk(d):
        out += [os.path.join(root, n) for n in names]
    return sorted(out)


def wait_until(pred, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def assert_nothing_left(srv, key, blobs_before, what):
    """No file listed for the project; DIR/tmp empty and no new blob once the janitor (1 s) has run."""
    r = requests.get(srv.url + "/v1/files", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert r.status_code == 200 and r.json()["total"] == 0, f"{what}: a file is listed: {r.text[:400]}"
    assert wait_until(lambda: files_under(srv.data_dir / "tmp") == [], 10), \
        f"{what}: DIR/tmp still holds {files_under(srv.data_dir / 'tmp')} after the janitor ran"
    assert wait_until(lambda: files_under(srv.data_dir / "blobs") == blobs_before, 10), \
        f"{what}: orphan blobs {sorted(set(files_under(srv.data_dir / 'blobs')) - set(blobs_before))}"
    assert requests.get(srv.url + "/healthz", timeout=5).status_code == 200


def upload_head(key, length=None, boundary="b", chunked_body=False, expect=False, extra=None):
    h = {"Authorization": f"Bearer {key}", "Content-Type": f"multipart/form-data; boundary={boundary}"}
    if chunked_body:
        h["Transfer-Encoding"] = "chunked"
    else:
        h["Content-Length"] = str(length)
    if expect:
        h["Expect"] = "100-continue"
    h.update(extra or {})
    return request_head("POST", "/v1/files", h)


# ----------------------------------------------------------------------------------------------
# 413


def test_under_the_limit_is_accepted(lsrv, lkey):
    s = lsrv.session(lkey)
    data = os.urandom(MAX_FILE - 4096)
    obj = upload_ok(s, data)
    assert obj["bytes"] == len(data) and obj["sha256"] == sha256_hex(data)


def test_413_from_content_length_before_any_body_byte(lsrv, lkey):
    blobs = files_under(lsrv.data_dir / "blobs")
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(upload_head(lkey, length=10 * MAX_FILE))
        interim, resp = c.read_final_response(timeout=5)  # no body byte sent
        assert resp.status == 413, (resp.status, resp.body[:300])
        assert not interim, "no 100 Continue was asked for"
    assert_openai_error(raw_error(resp), 413)
    assert_nothing_left(lsrv, lkey, blobs, "413 by Content-Length")


def test_413_with_expect_is_sent_instead_of_100_continue(lsrv, lkey):
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(upload_head(lkey, length=4 * MAX_FILE, expect=True))
        resp = c.read_response(timeout=5)
        assert resp.status == 413, f"expected 413 instead of {resp.status} {resp.reason}"


def test_413_chunked_while_streaming(lsrv, lkey):
    blobs = files_under(lsrv.data_dir / "blobs")
    b = new_boundary()
    body = multipart_body(upload_parts(os.urandom(3 * MAX_FILE)), b)
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(upload_head(lkey, boundary=b, chunked_body=True))
        # The last chunk (0-size) is never sent: an answer proves the server decided while streaming.
        sent = c.send_until_answer(chunked(body, 16384))
        interim, resp = c.read_final_response(timeout=10)
        assert resp.status == 413, (resp.status, resp.body[:300])
        assert sent >= MAX_FILE, f"413 after only {sent} bytes, under the limit"
    assert_openai_error(raw_error(resp), 413)
    assert_nothing_left(lsrv, lkey, blobs, "413 while streaming chunked")


def test_413_with_curl_without_expect(lsrv, lkey, tmp_path):
    """curl sending the whole body (Expect disabled): the 413 must still reach curl intact."""
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2 * MAX_FILE))
    p = subprocess.run(["curl", "-sS", "-o", str(tmp_path / "out.json"), "-w", "%{http_code}", "-H", "Expect:",
                        "-H", f"Authorization: Bearer {lkey}", "-F", f"file=@{big}", "-F", "purpose=user_data",
                        lsrv.url + "/v1/files"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, f"curl failed ({p.returncode}): {p.stderr} (connection reset instead of a 413?)"
    assert p.stdout == "413", p.stdout
    assert "error" in (tmp_path / "out.json").read_text()


def test_413_with_curl_and_expect(lsrv, lkey, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(2 * MAX_FILE))
    t0 = time.monotonic()
    p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}",
                        "-H", "Expect: 100-continue", "--expect100-timeout", "5",
                        "-H", f"Authorization: Bearer {lkey}", "-F", f"file=@{big}", "-F", "purpose=user_data",
                        lsrv.url + "/v1/files"], capture_output=True, text=True, timeout=30)
    took = time.monotonic() - t0
    assert p.returncode == 0, p.stderr
    code, uploaded = p.stdout.split()
    assert code == "413"
    assert int(uploaded) < MAX_FILE, f"curl sent {uploaded} bytes: the server let it send the body first"
    assert took < 4, f"{took:.1f}s: the server did not answer before curl's expect timeout"


# ----------------------------------------------------------------------------------------------
# Expect: 100-continue


def test_expect_100_continue_accepted_raw(lsrv, lkey):
    data = os.urandom(300_000)
    b = new_boundary()
    body = multipart_body(upload_parts(data, "expect.bin"), b)
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(upload_head(lkey, length=len(body), boundary=b, expect=True))
        first = c.read_response(timeout=3)
        assert first.status == 100, f"expected 100 Continue before the body, got {first.status}"
        c.send(body)
        interim, resp = c.read_final_response(timeout=10)
        assert resp.status == 200, (resp.status, resp.body[:300])
        obj = resp.json()
    assert obj["sha256"] == sha256_hex(data) and obj["bytes"] == len(data)


def test_expect_100_continue_with_curl(server, api, tmp_path):
    data = os.urandom(3 << 20)
    f = tmp_path / "e.bin"
    f.write_bytes(data)
    t0 = time.monotonic()
    p = subprocess.run(["curl", "-sS", "-v", "-H", "Expect: 100-continue", "--expect100-timeout", "10",
                        "-H", f"Authorization: {api.headers['Authorization']}",
                        "-F", f"file=@{f}", "-F", "purpose=user_data", server.url + "/v1/files"],
                       capture_output=True, text=True, timeout=60)
    took = time.monotonic() - t0
    assert p.returncode == 0, p.stderr[-2000:]
    assert "< HTTP/1.1 100 Continue" in p.stderr, "the server did not send 100 Continue"
    assert took < 8, f"{took:.1f}s: curl waited for its expect timeout"
    obj = json.loads(p.stdout)
    assert obj["sha256"] == sha256_hex(data) and obj["bytes"] == len(data)


@pytest.mark.parametrize("auth,status", [(None, 401), ("Bearer fsd_unknown_nope", 403)])
def test_expect_rejected_without_the_body(lsrv, auth, status):
    h = {"Content-Type": "multipart/form-data; boundary=b", "Content-Length": str(MAX_FILE // 2),
         "Expect": "100-continue"}
    if auth:
        h["Authorization"] = auth
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(request_head("POST", "/v1/files", h))
        resp = c.read_response(timeout=3)
        assert resp.status == status, f"expected {status} without a body, got {resp.status} {resp.reason}"
    assert_openai_error(raw_error(resp), status)


def test_bad_key_with_curl_does_not_upload_the_body(lsrv, tmp_path):
    f = tmp_path / "b.bin"
    f.write_bytes(os.urandom(MAX_FILE // 2 + (1 << 20)))
    t0 = time.monotonic()
    p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code} %{size_upload}",
                        "-H", "Expect: 100-continue", "--expect100-timeout", "5",
                        "-H", "Authorization: Bearer fsd_unknown_nope", "-F", f"file=@{f}", "-F", "purpose=user_data",
                        lsrv.url + "/v1/files"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    code, uploaded = p.stdout.split()
    assert code == "403"
    assert int(uploaded) < 65536, f"curl sent {uploaded} bytes before the 403"
    assert time.monotonic() - t0 < 4


# ----------------------------------------------------------------------------------------------
# Clients that go away or stall


def test_client_disconnects_mid_upload(lsrv, lkey):
    blobs = files_under(lsrv.data_dir / "blobs")
    b = new_boundary()
    body = multipart_body(upload_parts(os.urandom(MAX_FILE - 8192), "half.bin"), b)
    for cut in (len(body) // 2, len(body) - 5):  # mid-file, and just before the closing boundary
        c = RawConn("127.0.0.1", lsrv.port)
        c.send(upload_head(lkey, length=len(body), boundary=b))
        c.send(body[:cut])
        time.sleep(0.3)  # let the server write what it got
        c.close()
    time.sleep(0.5)
    assert_nothing_left(lsrv, lkey, blobs, "client disconnected mid-upload")
    # The server still takes uploads.
    upload_ok(lsrv.session(lkey), b"after the disconnects")


def test_client_disconnects_mid_chunked_upload(lsrv, lkey):
    blobs = files_under(lsrv.data_dir / "blobs")
    b = new_boundary()
    body = multipart_body(upload_parts(os.urandom(500_000), "half.bin"), b)
    c = RawConn("127.0.0.1", lsrv.port)
    c.send(upload_head(lkey, boundary=b, chunked_body=True))
    for piece in list(chunked(body, 50_000))[:5]:
        c.send(piece)
    time.sleep(0.3)
    c.close()
    assert_nothing_left(lsrv, lkey, blobs, "client disconnected mid chunked upload")


def test_stalled_upload_is_cut_after_the_read_timeout(lsrv, lkey):
    blobs = files_under(lsrv.data_dir / "blobs")
    b = new_boundary()
    body = multipart_body(upload_parts(os.urandom(MAX_FILE - 8192), "stall.bin"), b)
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(upload_head(lkey, length=len(body), boundary=b))
        c.send(body[: len(body) // 3])
        t0 = time.monotonic()
        closed, got = c.wait_closed(timeout=10)
        took = time.monotonic() - t0
    assert closed, "the server kept a stalled upload open for 10 s with --read-timeout 2"
    assert took >= 1.0, f"closed after {took:.2f}s, before the read timeout"
    if got:
        assert got.startswith(b"HTTP/1.1 408") or got.startswith(b"HTTP/1.1 4"), got[:200]
    assert_nothing_left(lsrv, lkey, blobs, "stalled upload")


def test_stalled_request_header_is_cut(lsrv):
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(b"GET /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        closed, _ = c.wait_closed(timeout=10)
    assert closed, "a client that never finishes its header must be cut after --read-timeout"


def test_slow_but_steady_upload_is_not_cut(lsrv, lkey):
    """--read-timeout bounds the wait for each read, not the whole request: a body arriving every
    second for 5 s (longer than the 2 s timeout) must succeed."""
    data = os.urandom(60_000)
    b = new_boundary()
    body = multipart_body(upload_parts(data, "slow.bin"), b)
    with RawConn("127.0.0.1", lsrv.port, timeout=20) as c:
        c.send(upload_head(lkey, length=len(body), boundary=b))
        step = len(body) // 5 + 1
        for i in range(0, len(body), step):
            c.send(body[i : i + step])
            time.sleep(1.0)
        interim, resp = c.read_final_response(timeout=10)
    assert resp.status == 200, (resp.status, resp.body[:300])
    assert resp.json()["sha256"] == sha256_hex(data)


# ----------------------------------------------------------------------------------------------
# 431


def test_oversized_header_is_431(lsrv, lkey):
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(request_head("GET", "/v1/files", {"Authorization": f"Bearer {lkey}", "X-Big": "a" * 16384}))
        resp = c.read_response(timeout=5)
    assert resp.status == 431, resp.status
    assert resp.headers.get("x-request-id"), "every response carries X-Request-Id"
    with RawConn("127.0.0.1", lsrv.port) as c:
        many = {f"X-H{i}": "b" * 100 for i in range(120)}
        c.send(request_head("GET", "/v1/files", {"Authorization": f"Bearer {lkey}", **many}))
        resp = c.read_response(timeout=5)
    assert resp.status == 431, resp.status
    # A header well under the limit is fine.
    r = requests.get(lsrv.url + "/v1/files", headers={"Authorization": f"Bearer {lkey}", "X-Mid": "c" * 4000},
                     timeout=10)
    assert r.status_code == 200
    # A very long request target.
    with RawConn("127.0.0.1", lsrv.port) as c:
        c.send(request_head("GET", "/v1/files?purpose=" + "x" * 16384, {"Authorization": f"Bearer {lkey}"}))
        resp = c.read_response(timeout=5)
    assert resp.status in (414, 431), resp.status


# ----------------------------------------------------------------------------------------------
# Purge after retention


def blob_files_with(srv, data: bytes):
    return [p for p in files_under(srv.data_dir / "blobs")
            if os.path.getsize(p) == len(data) and open(p, "rb").read() == data]


def test_deleted_content_is_purged_after_retention(lsrv, lkey):
    s = lsrv.session(lkey)
    gone_data, kept_data = os.urandom(20_000), os.urandom(20_001)
    gone = upload_ok(s, gone_data)
    kept = upload_ok(s, kept_data)
    gone_blobs = blob_files_with(lsrv, gone_data)
    assert len(gone_blobs) == 1, f"expected the content once under DIR/blobs, found {gone_blobs}"
    assert len(blob_files_with(lsrv, kept_data)) == 1
    r = s.delete(lsrv.url + f"/v1/files/{gone['id']}", timeout=10)
    assert r.status_code == 200
    assert s.get(lsrv.url + f"/v1/files/{gone['id']}/content", timeout=10).status_code == 404
    assert wait_until(lambda: not os.path.exists(gone_blobs[0]), 15), \
        "the deleted file's blob is still in DIR/blobs 15 s after a 1 s retention"
    # The janitor purged only what was deleted.
    time.sleep(2)
    assert len(blob_files_with(lsrv, kept_data)) == 1, "the janitor removed a live file's blob"
    r = s.get(lsrv.url + f"/v1/files/{kept['id']}/content", timeout=10)
    assert r.status_code == 200 and r.content == kept_data


def test_kill_9_mid_upload_then_janitor_cleans_tmp(server_factory):
    """A crash (SIGKILL) in the middle of an upload: after a restart, the janitor (with a short orphan
    grace) empties DIR/tmp, nothing half-written is listed, and acknowledged files are intact."""
    srv = server_factory({"janitor-interval": 1, "orphan-grace": 1}, start=False)
    key = srv.create_key("crash")
    srv.start()
    s = srv.session(key)
    kept = os.urandom(100_000)
    kept_obj = upload_ok(s, kept)
    b = new_boundary()
    body = multipart_body(upload_parts(os.urandom(4 << 20), "crash.bin"), b)
    c = RawConn("127.0.0.1", srv.port)
    c.send(upload_head(key, length=len(body), boundary=b))
    c.send(body[: 3 << 20])
    assert wait_until(lambda: sum(os.path.getsize(p) for p in files_under(srv.data_dir / "tmp")) > 0, 5), \
        "no upload data reached DIR/tmp"
    srv.proc.kill()
    srv.proc.wait()
    c.close()
    assert files_under(srv.data_dir / "tmp"), "expected a leftover in DIR/tmp after the crash"
    srv.start()
    assert wait_until(lambda: files_under(srv.data_dir / "tmp") == [], 15), \
        f"DIR/tmp still holds {files_under(srv.data_dir / 'tmp')} after restart and janitor runs"
    lst = s.get(srv.url + "/v1/files", timeout=10).json()
    assert [f["id"] for f in lst["data"]] == [kept_obj["id"]]
    assert s.get(srv.url + f"/v1/files/{kept_obj['id']}/content", timeout=10).content == kept
