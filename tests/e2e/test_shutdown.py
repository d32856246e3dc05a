"""Shutdown drain (SIGTERM/SIGINT, --shutdown-grace) and the request log as an operator reads it:
requests in flight finish and are answered while new ones get 503 with Retry-After; what is still
running when the grace is over (or at a second signal) is cut and logged; log lines are on stdout as
requests end, with fixed-point times and no credential of a signed URL."""

import json
import os
import re
import signal
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import requests

from e2e_util import RawConn, multipart_body, new_boundary, request_head, sha256_hex, upload_parts


def wait_for(pred, what: str, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start_upload(srv, key: str, data: bytes, first: int) -> tuple[RawConn, bytes]:
    """POST /v1/files over a raw socket, sending only the first `first` body bytes."""
    b = new_boundary()
    body = multipart_body(upload_parts(data, "drain.bin"), b)
    c = RawConn("127.0.0.1", srv.port, timeout=30)
    c.send(request_head("POST", "/v1/files", {"Authorization": f"Bearer {key}", "Content-Length": str(len(body)),
                                              "Content-Type": f"multipart/form-data; boundary={b}"}))
    c.send(body[:first])
    return c, body


def exited_within(srv, timeout: float) -> int:
    try:
        return srv.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"filesd still running {timeout}s later:\n{srv.stderr_since_start()[-2000:]}")


def test_upload_in_flight_finishes_while_new_requests_get_503(server_factory):
    srv = server_factory(start=False, flags={"shutdown-grace": 60})
    key = srv.create_key("drain")
    srv.start()
    auth = {"Authorization": f"Bearer {key}"}
    data = os.urandom(3 << 20)
    upload, body = start_upload(srv, key, data, 1 << 20)
    # A kept-alive connection, idle when the drain starts: it is closed.
    idle = RawConn("127.0.0.1", srv.port)
    idle.send(request_head("GET", "/healthz", {}))
    assert idle.read_response().status == 200
    time.sleep(0.3)  # the upload's first megabyte is in

    srv.proc.send_signal(signal.SIGTERM)
    wait_for(lambda: "draining 1 request for up to 60 s" in srv.stderr_since_start(), "the drain's log line")
    closed, _ = idle.wait_closed(5)
    assert closed, "an idle keep-alive connection stays open during the drain"

    # New requests are refused in their route's envelope, with Retry-After and Connection: close.
    r = requests.get(srv.url + "/v1/files", headers=auth, timeout=5)
    assert r.status_code == 503, r.text
    assert r.headers.get("Retry-After", "").isdigit(), r.headers
    assert r.headers.get("Connection", "").lower() == "close", r.headers
    assert r.json()["error"]["code"] == "shutting_down", r.text
    assert r.json()["error"]["type"] == "server_error", r.text
    r = requests.post(srv.url + "/v1/files/upload-url", headers=auth, json={"filename": "a.csv"}, timeout=5)
    assert r.status_code == 503 and r.headers.get("Retry-After"), r.text
    assert r.json()["success"] is False and r.json()["code"] == "shutting_down", r.text
    assert requests.get(srv.url + "/readyz", timeout=5).status_code == 503
    assert requests.get(srv.url + "/healthz", timeout=5).status_code == 200
    assert srv.alive(), "the server stopped with an upload in flight"

    # The upload goes on, slowly, and is answered.
    rest = body[1 << 20:]
    for i in range(0, len(rest), 256 << 10):
        upload.send(rest[i:i + (256 << 10)])
        time.sleep(0.05)
    _, resp = upload.read_final_response(timeout=30)
    assert resp.status == 200, resp.body[:500]
    fid = resp.json()["id"]
    upload.close()
    # Exits once the last request is answered, long before the 60 s grace.
    assert exited_within(srv, 10) == 0
    err = srv.stderr_since_start()
    assert "every request was answered" in err, err[-2000:]
    assert "cut by shutdown" not in err

    srv.start()
    got = requests.get(srv.url + f"/v1/files/{fid}/content", headers=auth, timeout=30)
    assert got.status_code == 200 and sha256_hex(got.content) == sha256_hex(data)


def test_a_stuck_upload_is_cut_when_the_grace_is_over_and_logged(server_factory):
    srv = server_factory(start=False, flags={"shutdown-grace": 2})
    key = srv.create_key("stuck")
    srv.start()
    upload, _ = start_upload(srv, key, os.urandom(1 << 20), 100_000)  # then nothing more
    time.sleep(0.3)
    t0 = time.monotonic()
    srv.proc.send_signal(signal.SIGTERM)
    assert exited_within(srv, 10) == 0
    took = time.monotonic() - t0
    assert 1.5 < took < 8, f"exited {took:.1f}s after SIGTERM with a 2 s grace"
    upload.close()
    err = srv.stderr_since_start()
    assert re.search(r"request \w+ \(POST /v1/files\) cut by shutdown", err), err[-2000:]
    assert "1 request cut" in err, err[-2000:]
    cut = [r for r in srv.log_records() if r.get("route") == "files.create"]
    assert len(cut) == 1 and cut[0]["status"] == 503 and "cut by shutdown" in cut[0].get("error", ""), cut

    srv.start()  # nothing of the cut upload is visible
    lst = requests.get(srv.url + "/v1/files", headers={"Authorization": f"Bearer {key}"}, timeout=5).json()
    assert lst["data"] == [], lst


def test_a_second_signal_ends_the_drain_at_once(server_factory):
    srv = server_factory(start=False, flags={"shutdown-grace": 120})
    key = srv.create_key("twice")
    srv.start()
    upload, _ = start_upload(srv, key, os.urandom(1 << 20), 100_000)
    time.sleep(0.3)
    srv.proc.send_signal(signal.SIGINT)
    wait_for(lambda: "draining 1 request" in srv.stderr_since_start(), "the drain's log line")
    assert srv.alive()
    srv.proc.send_signal(signal.SIGTERM)
    assert exited_within(srv, 10) == 0  # long before the 120 s grace
    upload.close()
    err = srv.stderr_since_start()
    assert "second signal" in err and "1 request cut" in err, err[-2000:]
    assert err.rstrip().endswith("filesd stopped"), err[-500:]


def test_no_grace_stops_at_once(server_factory):
    srv = server_factory(start=False, flags={"shutdown-grace": 0})
    key = srv.create_key("nograce")
    srv.start()
    upload, _ = start_upload(srv, key, os.urandom(1 << 20), 100_000)
    time.sleep(0.3)
    srv.proc.send_signal(signal.SIGTERM)
    assert exited_within(srv, 5) == 0
    upload.close()
    assert "1 request cut" in srv.stderr_since_start()


def test_log_line_of_a_signed_put_has_no_signature_and_fixed_point_times(server_factory):
    srv = server_factory(start=False)
    key = srv.create_key("logged")
    srv.start()
    s = srv.session(key)
    r = s.post(srv.url + "/v1/files/upload-url", json={"filename": "t.csv"}, timeout=10)
    assert r.status_code == 200, r.text
    url = r.json()["upload_url"]
    sig = parse_qs(urlsplit(url).query)["sig"][0]
    assert len(sig) >= 16
    put = requests.put(url, data=b"a,b\n1,2\n", headers={"Content-Type": "text/csv"}, timeout=10)
    assert put.status_code == 200, put.text
    rid = put.headers["X-Request-Id"]
    # The line is on stdout while the server runs: no waiting for a flush at shutdown.
    rec = srv.wait_for_log(lambda rec: rec.get("request_id") == rid, timeout=2)
    assert rec["route"] == "files.upload_put" and rec["status"] == 200, rec
    assert "sig=REDACTED" in rec["path"] and rec["path"].startswith(urlsplit(url).path + "?"), rec
    line = next(l for l in srv.stdout_text().splitlines() if rid in l)
    assert re.match(r'^\{"ts":\d{10}\.\d{3},', line), line
    assert re.search(r'"duration_ms":\d+\.\d{3}[,}]', line), line
    assert not re.search(r":-?\d+(\.\d+)?[eE][-+]?\d", line), f"a number in exponent notation: {line}"
    for text in (srv.stdout_text(), srv.stderr_text()):
        assert sig not in text, "the signature of an upload URL is in the server's output"
    assert srv.stop() == 0
    out, err = srv.stdout_text(), srv.stderr_text()
    assert sig not in out and sig not in err
    for l in out.splitlines():
        json.loads(l)  # every line whole JSON
