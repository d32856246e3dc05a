"""Operations (API.md section 9): health routes, request ids in headers and in the JSON request log,
Prometheus metrics, no first-start key when keys exist (test_cli.py has the first key itself),
configuration by environment, restart, graceful shutdown."""

import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest
import requests

from e2e_util import (UUID4_RE, RawConn, assert_openai_error, multipart_body, new_boundary, random_uuid4, request_head, sha256_hex,
                      upload_ok, upload_parts)
from filesd_server import KEY_RE


def test_health_routes(server):
    for path in ("/healthz", "/readyz"):
        r = requests.get(server.url + path, timeout=5)
        assert r.status_code == 200, (path, r.status_code, r.text)


def test_every_response_has_a_distinct_request_id(server, api):
    ids = set()
    responses = [
        requests.get(server.url + "/healthz", timeout=5),
        requests.get(server.url + "/metrics", timeout=5),
        requests.get(server.url + "/v1/files", timeout=5),                      # 401
        api.get(server.url + "/v1/files", timeout=5),                           # 200
        api.get(server.url + f"/v1/files/{random_uuid4()}", timeout=5),         # 404
        api.get(server.url + "/v1/files", params={"limit": "0"}, timeout=5),    # 400
        api.get(server.url + "/no/such/route", timeout=5),
    ]
    for r in responses:
        rid = r.headers.get("X-Request-Id")
        assert rid, f"{r.request.method} {r.request.url} -> {r.status_code} without X-Request-Id"
        assert rid not in ids
        ids.add(rid)


def test_request_is_logged_as_one_json_line_with_its_id(server, api):
    fid = random_uuid4()
    r = api.get(server.url + f"/v1/files/{fid}", timeout=5)
    rid = r.headers["X-Request-Id"]
    rec = server.wait_for_log(lambda rec: rid in json.dumps(rec))
    flat = json.dumps(rec)
    assert "404" in flat, f"the log line should carry the status: {rec}"
    assert "GET" in flat, f"the log line should carry the method: {rec}"
    # Exactly one line for that request.
    assert sum(rid in json.dumps(x) for x in server.log_records()) == 1


def metric_samples(text: str) -> list[tuple[str, dict, float]]:
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$", line)
        assert m, f"not a Prometheus sample line: {line!r}"
        labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def total(samples, name, **match):
    return sum(v for n, lab, v in samples if n == name and all(lab.get(k) == want for k, want in match.items()))


def test_metrics(server, api):
    before = metric_samples(requests.get(server.url + "/metrics", timeout=5).text)
    data = os.urandom(100_000)
    f = upload_ok(api, data)
    for _ in range(3):
        assert api.get(server.url + f"/v1/files/{random_uuid4()}", timeout=5).status_code == 404
    assert api.get(server.url + f"/v1/files/{f['id']}/content", timeout=5).content == data
    r = requests.get(server.url + "/metrics", timeout=5)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain"), r.headers["Content-Type"]
    text = r.text
    assert re.search(r"^# TYPE filesd_http_requests_total counter$", text, re.M), text[:2000]
    assert re.search(r"^# TYPE filesd_upload_duration_seconds histogram$", text, re.M), text[:2000]
    after = metric_samples(text)

    req_samples = [lab for n, lab, _ in after if n == "filesd_http_requests_total"]
    assert req_samples and all({"route", "method", "status"} <= set(lab) for lab in req_samples), req_samples[:5]
    assert total(after, "filesd_http_requests_total", method="GET", status="404") - \
        total(before, "filesd_http_requests_total", method="GET", status="404") >= 3
    assert total(after, "filesd_http_requests_total", method="POST", status="200") - \
        total(before, "filesd_http_requests_total", method="POST", status="200") >= 1
    assert total(after, "filesd_http_request_bytes_total") - total(before, "filesd_http_request_bytes_total") \
        >= len(data)
    assert total(after, "filesd_http_response_bytes_total") - total(before, "filesd_http_response_bytes_total") \
        >= len(data)
    assert total(after, "filesd_upload_duration_seconds_count") - total(before, "filesd_upload_duration_seconds_count") >= 1
    assert total(after, "filesd_upload_duration_seconds_bucket", le="+Inf") == \
        total(after, "filesd_upload_duration_seconds_count")
    # Routes are labelled by template, never by file id (unbounded label values).
    assert f["id"] not in text
    assert not re.search(UUID4_RE.pattern.strip("^$"), text), "a UUID appears in /metrics"


def test_no_default_key_when_keys_exist(server_factory):
    srv = server_factory(start=False)
    key = srv.create_key("ops")
    srv.start()
    assert not KEY_RE.findall(srv.stderr_text()), "a key existed: no default key should be made"
    assert not (srv.data_dir / "initial-api-key").exists()
    assert requests.get(srv.url + "/v1/files", headers={"Authorization": f"Bearer {key}"}, timeout=5).status_code == 200


def test_configuration_from_environment(server_factory):
    srv = server_factory({}, use_env_for_listen=True, env={"FILESD_MAX_FILE_BYTES": "4096"}, start=False)
    key = srv.create_key("env")
    srv.start()
    s = srv.session(key)
    assert upload_ok(s, b"x" * 1000)["bytes"] == 1000
    r = s.post(srv.url + "/v1/files", files={"file": ("big", b"y" * 20000)}, data={"purpose": "user_data"},
               timeout=10)
    assert r.status_code == 413, r.status_code
    assert (srv.data_dir / "filesd.db").exists(), "FILESD_DATA_DIR was not used"


def test_restart_keeps_files_and_keys(server_factory):
    srv = server_factory(start=False)
    key = srv.create_key("persist")
    srv.start()
    data = os.urandom(123_457)
    f = upload_ok(srv.session(key), data, filename="persist.bin")
    assert srv.stop() == 0
    assert (srv.data_dir / "filesd.db").exists() and (srv.data_dir / "blobs").is_dir()
    srv.start()
    s = srv.session(key)
    got = s.get(srv.url + f"/v1/files/{f['id']}", timeout=5)
    assert got.status_code == 200 and got.json()["sha256"] == sha256_hex(data)
    assert s.get(srv.url + f"/v1/files/{f['id']}/content", timeout=10).content == data


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown_with_idle_connections(server_factory, sig):
    srv = server_factory(start=False)
    key = srv.create_key("shutdown")
    srv.start()
    s = srv.session(key)
    assert s.get(srv.url + "/v1/files", timeout=5).status_code == 200  # leaves a keep-alive connection open
    idle = socket.create_connection(("127.0.0.1", srv.port))             # a connection that never speaks
    t0 = time.monotonic()
    code = srv.stop(sig, timeout=10)
    took = time.monotonic() - t0
    idle.close()
    assert code == 0, f"exit code {code} after {sig!r}"
    assert took < 6, f"shutdown took {took:.1f}s with idle connections"
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()


def test_graceful_shutdown_finishes_a_request_in_flight(server_factory):
    """SIGTERM during an upload: the server exits 0, and the upload either completed (listed, exact)
    or left nothing visible behind."""
    srv = server_factory(start=False)
    key = srv.create_key("inflight")
    srv.start()
    data = os.urandom(400_000)
    b = new_boundary()
    body = multipart_body(upload_parts(data, "inflight.bin"), b)
    c = RawConn("127.0.0.1", srv.port)
    c.send(request_head("POST", "/v1/files", {"Authorization": f"Bearer {key}", "Content-Length": str(len(body)),
                                              "Content-Type": f"multipart/form-data; boundary={b}"}))
    c.send(body[:200_000])
    time.sleep(0.3)
    srv.proc.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    status = None
    try:
        c.send(body[200_000:])
        _, resp = c.read_final_response(timeout=10)
        status = resp.status
    except (OSError, ConnectionError, TimeoutError):
        pass
    c.close()
    code = srv.stop(timeout=15)
    assert code == 0
    srv.start()
    lst = requests.get(srv.url + "/v1/files", headers={"Authorization": f"Bearer {key}"}, timeout=5).json()
    if status == 200:
        assert lst["total"] == 1 and lst["data"][0]["sha256"] == sha256_hex(data)
    else:
        assert lst["total"] in (0, 1)
        if lst["total"] == 1:
            assert lst["data"][0]["sha256"] == sha256_hex(data), "a partial upload became visible"


def test_pipelined_requests_are_answered_in_order(server, api):
    key = api.headers["Authorization"]
    missing = random_uuid4()
    three = (request_head("GET", "/v1/files", {"Authorization": key}) +
             request_head("GET", f"/v1/files/{missing}", {"Authorization": key}) +
             request_head("GET", "/healthz", {}))
    with RawConn("127.0.0.1", server.port) as c:
        c.send(three)
        r1, r2, r3 = c.read_response(), c.read_response(), c.read_response()
    assert (r1.status, r2.status, r3.status) == (200, 404, 200)
    assert r1.json()["object"] == "list"
    assert r2.json()["error"]["message"]


@pytest.mark.parametrize("case", ["bad-purpose-first", "missing-boundary", "unknown-key"])
def test_body_after_an_early_answer_is_never_read_as_requests(server, api, case):
    """A server that answers an upload before reading its whole body must close the connection or
    skip the rest of the body: body bytes must never be parsed as further requests."""
    key = api.headers["Authorization"]
    b = new_boundary()
    # File bytes that look like requests: a server parsing them as such would answer each one.
    smuggled = request_head("DELETE", f"/v1/files/{random_uuid4()}", {"Authorization": key}) * 200
    headers = {"Authorization": key, "Content-Type": f"multipart/form-data; boundary={b}"}
    status = 400
    if case == "bad-purpose-first":
        body = multipart_body(upload_parts(smuggled, "s.txt", purpose="bogus"), b)
    elif case == "missing-boundary":
        body = multipart_body(upload_parts(smuggled, "s.txt"), b)
        headers["Content-Type"] = "multipart/form-data"
    else:
        body = multipart_body(upload_parts(smuggled, "s.txt"), b)
        headers["Authorization"] = "Bearer fsd_unknown_key"
        status = 403
    headers["Content-Length"] = str(len(body))
    with RawConn("127.0.0.1", server.port) as c:
        c.send(request_head("POST", "/v1/files", headers))
        sent = c.send_until_answer([body[i:i + 1024] for i in range(0, len(body), 1024)])
        try:
            c.send(body[sent:] + request_head("GET", "/healthz", {}))
        except OSError:
            pass  # the server closed the connection: fine
        r1 = c.read_response(timeout=5)
        assert r1.status == status, r1.status
        _closed, rest = c.wait_closed(timeout=3)
    # After the first answer there is at most the answer to the GET /healthz.
    answers = rest.count(b"HTTP/1.1 ")
    assert answers <= 1, f"the server answered body bytes as requests: {rest[:600]!r}"
    if answers == 1:
        assert rest.startswith(b"HTTP/1.1 200"), rest[:300]


def test_readyz_and_uploads_when_the_blob_store_is_unreachable(server_factory):
    """DIR/blobs replaced by a regular file: /readyz is 503, an upload is 503 (API.md section 1: a
    backing store is unreachable) without internal detail, and all is well again once it is back."""
    srv = server_factory(start=False)
    key = srv.create_key("unreachable")
    srv.start()
    s = srv.session(key)
    f = upload_ok(s, b"stored before")
    blobs = srv.data_dir / "blobs"
    assert requests.get(srv.url + "/readyz", timeout=5).status_code == 200
    blobs.rename(srv.data_dir / "blobs.away")
    blobs.write_bytes(b"")
    try:
        assert requests.get(srv.url + "/readyz", timeout=5).status_code == 503
        r = s.post(srv.url + "/v1/files", files={"file": ("x.txt", b"x")}, data={"purpose": "user_data"}, timeout=10)
        err = assert_openai_error(r, 503)
        assert "directory" not in err["message"].lower(), f"internal cause sent to the client: {err}"
        r = s.get(srv.url + f"/v1/files/{f['id']}/content", timeout=10)
        assert r.status_code in (500, 503), r.status_code
    finally:
        blobs.unlink()
        (srv.data_dir / "blobs.away").rename(blobs)
    assert requests.get(srv.url + "/readyz", timeout=5).status_code == 200
    assert s.get(srv.url + f"/v1/files/{f['id']}/content", timeout=10).content == b"stored before"
    upload_ok(s, b"stored after")


def test_configuration_file_and_its_precedence(server_factory, tmp_path):
    """A config file (--config or FILESD_CONFIG) sets flags by name; FILESD_* variables and flags
    override it; an unknown setting is refused with its file and line."""
    conf = tmp_path / "filesd.ini"
    conf.write_text("# filesd settings\n[serve]\nmax-file-bytes = 4096\n")
    big = b"y" * 20000

    def big_upload_status(srv, key):
        return srv.session(key).post(srv.url + "/v1/files", files={"file": ("big", big)},
                                     data={"purpose": "user_data"}, timeout=10).status_code

    for flags, env, expected in (
        ({"config": str(conf)}, {}, 413),                                   # the file applies
        ({}, {"FILESD_CONFIG": str(conf)}, 413),                            # named by the environment
        ({"config": str(conf)}, {"FILESD_MAX_FILE_BYTES": "100000"}, 200),  # environment beats file
        ({"config": str(conf), "max-file-bytes": 100000}, {}, 200),         # flag beats file
    ):
        srv = server_factory(flags, env=env, start=False)
        key = srv.create_key("conf")
        srv.start()
        assert big_upload_status(srv, key) == expected, (flags, env)
        assert srv.stop() == 0

    bad = tmp_path / "bad.ini"
    bad.write_text("max-file-bytes = 4096\nno-such-setting = 1\n")
    p = subprocess.run([os.environ["FILESD_BIN"], "serve", "--config", str(bad), "--data-dir",
                        str(tmp_path / "d")], capture_output=True, text=True, timeout=10)
    assert p.returncode != 0
    assert f"{bad}:2" in p.stderr and "no-such-setting" in p.stderr, p.stderr
