"""Large downloads (issue 15): content of the local store is sent zero-copy (sendfile), other content
(an open upload session's segments) streamed through two large buffers. Ranged bytes stay exact, HEAD
keeps the GET headers, a client that leaves mid-download costs nothing (no descriptor kept, the server
serves on, one access-log line with the bytes really sent), and a client that stops reading is cut by
the write timeout."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time

import pytest
import requests

from e2e_util import sha256_hex, upload_ok

MIB = 1 << 20
BIG = 40 * MIB + 123  # several sendfile turns and far more than the socket buffers hold


@pytest.fixture(scope="module")
def big(module_server_factory):
    srv = module_server_factory({"max-file-bytes": 256 << 20})
    key = srv.create_key("download")
    s = srv.session(key)
    data = os.urandom(BIG)
    obj = upload_ok(s, data, filename="big.bin")
    return srv, s, key, obj, data


def content_url(s, fid) -> str:
    return f"{s.base}/v1/files/{fid}/content"


def test_whole_content_matches(big):
    _, s, _, obj, data = big
    r = s.get(content_url(s, obj["id"]), timeout=60)
    assert r.status_code == 200
    assert int(r.headers["Content-Length"]) == BIG
    assert sha256_hex(r.content) == obj["sha256"] == sha256_hex(data)


@pytest.mark.parametrize("first,last", [
    (0, BIG - 1),                      # bytes=0-: the whole content as one range
    (1000, 33 * MIB + 7),              # an odd offset, crossing many turns
    (17 * MIB, 17 * MIB),              # one byte in the middle
    (BIG - 5 * MIB - 3, BIG - 1),      # a tail
])
def test_large_ranges_are_byte_exact(big, first, last):
    _, s, _, obj, data = big
    r = s.get(content_url(s, obj["id"]), headers={"Range": f"bytes={first}-{last}"}, timeout=60)
    assert r.status_code == 206, r.text[:300]
    assert r.headers["Content-Range"] == f"bytes {first}-{last}/{BIG}"
    assert int(r.headers["Content-Length"]) == last - first + 1
    assert r.content == data[first:last + 1]


def test_suffix_range_and_416(big):
    _, s, _, obj, data = big
    r = s.get(content_url(s, obj["id"]), headers={"Range": f"bytes=-{3 * MIB + 1}"}, timeout=60)
    assert r.status_code == 206
    assert r.content == data[-(3 * MIB + 1):]
    r = s.get(content_url(s, obj["id"]), headers={"Range": f"bytes={BIG}-"}, timeout=60)
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{BIG}"


def test_head_has_the_get_headers(big):
    srv, s, _, obj, _ = big
    for extra in ({}, {"Range": "bytes=100-199"}):
        head = s.head(content_url(s, obj["id"]), headers=extra, timeout=30)
        with s.get(content_url(s, obj["id"]), headers=extra, stream=True, timeout=30) as get:
            get_headers = dict(get.headers)
        assert head.content == b""
        assert head.status_code == get.status_code
        volatile = {"x-request-id", "date"}
        assert {k.lower(): v for k, v in head.headers.items() if k.lower() not in volatile} == \
               {k.lower(): v for k, v in get_headers.items() if k.lower() not in volatile}
    # The HEAD of the whole content announces its length.
    assert int(s.head(content_url(s, obj["id"]), timeout=30).headers["Content-Length"]) == BIG


def raw_get(srv, key, path, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.connect(("127.0.0.1", srv.port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\n\r\n".encode())
    return sock


def read_header(sock) -> tuple[dict, bytes]:
    """The response header's fields (lower-case names) and the body bytes read with it."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before the header ended"
        buf += chunk
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    assert lines[0].startswith("HTTP/1.1 200"), lines[0]
    fields = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:]}
    return fields, rest


def open_fds(srv) -> int:
    return len(os.listdir(f"/proc/{srv.pid}/fd"))


def test_client_leaving_mid_download(big):
    srv, s, key, obj, data = big
    path = f"/v1/files/{obj['id']}/content"
    assert s.get(content_url(s, obj["id"]), timeout=60).status_code == 200
    s.close()  # no kept-alive connection of ours in the count
    fds_before = open_fds(srv)
    ids = []
    for i in range(6):
        sock = raw_get(srv, key, path)
        fields, got = read_header(sock)
        ids.append(fields["x-request-id"])
        while len(got) < 2 * MIB:
            got += sock.recv(1 << 20)
        if i % 2:  # half of them reset the connection, half close it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    for rid in ids:
        rec = srv.wait_for_log(lambda r, rid=rid: r.get("request_id") == rid, timeout=30)
        assert rec["status"] == 200 and rec["route"] == "files.content", rec
        assert 2 * MIB <= rec["bytes_out"] < BIG, rec
        assert rec.get("error", "").startswith("write failed"), rec
    # Every descriptor of those downloads (the blob's file, the socket) is closed.
    deadline = time.monotonic() + 10
    while open_fds(srv) > fds_before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_fds(srv) <= fds_before, sorted(os.listdir(f"/proc/{srv.pid}/fd"))
    # And the server serves on.
    with requests.Session() as fresh:
        r = fresh.get(f"{srv.url}{path}", headers={"Authorization": f"Bearer {key}"}, timeout=60)
    assert r.status_code == 200 and r.content == data


def test_complete_download_is_logged_with_its_bytes(big):
    srv, _, key, obj, _ = big
    with requests.Session() as fresh:
        r = fresh.get(f"{srv.url}/v1/files/{obj['id']}/content", headers={"Authorization": f"Bearer {key}",
                                                                            "Range": "bytes=10-"}, timeout=60)
    assert r.status_code == 206
    rid = r.headers["X-Request-Id"]
    rec = srv.wait_for_log(lambda rec: rec.get("request_id") == rid, timeout=30)
    assert rec["bytes_out"] == BIG - 10 and "error" not in rec, rec


def test_a_client_that_stops_reading_is_cut_by_the_write_timeout(server_factory):
    srv = server_factory({"max-file-bytes": 64 << 20, "write-timeout": 1})
    key = srv.create_key("slow")
    s = srv.session(key)
    size = 32 * MIB
    obj = upload_ok(s, os.urandom(size), filename="slow.bin")
    sock = raw_get(srv, key, f"/v1/files/{obj['id']}/content", rcvbuf=64 * 1024)
    fields, got = read_header(sock)
    rid = fields["x-request-id"]
    # Read nothing more: the server's socket fills and it can send no more.
    rec = srv.wait_for_log(lambda rec: rec.get("request_id") == rid, timeout=30)
    assert rec["status"] == 200 and rec["bytes_out"] < size, rec
    assert "timeout" in rec.get("error", ""), rec
    # The connection was closed: what is left to read ends before the promised length.
    sock.settimeout(30)
    total = len(got)
    try:
        while chunk := sock.recv(1 << 20):
            total += len(chunk)
    except ConnectionResetError:
        pass
    sock.close()
    assert total < size
    assert s.get(f"{srv.url}/v1/files/{obj['id']}", timeout=30).status_code == 200


def test_open_session_content_streams_in_pieces(api):
    """Content without one file (an open session's segments) takes the buffered path; several
    appends of odd sizes make pieces that end mid-buffer."""
    r = api.post(f"{api.base}/v1/uploads", json={"filename": "open.bin"})
    assert r.status_code == 200, r.text
    fid = r.json()["id"]
    whole = b""
    for n in (3 * MIB + 1, 5, 4 * MIB - 7, 2 * MIB):
        piece = os.urandom(n)
        r = api.put(f"{api.base}/v1/uploads/{fid}", json={"data": base64.b64encode(piece).decode()})
        assert r.status_code == 200, r.text
        whole += piece
    r = api.get(f"{api.base}/v1/files/{fid}/content", timeout=60)
    assert r.status_code == 200 and r.content == whole
    first, last = MIB + 3, 7 * MIB + 11
    r = api.get(f"{api.base}/v1/files/{fid}/content", headers={"Range": f"bytes={first}-{last}"}, timeout=60)
    assert r.status_code == 206 and r.content == whole[first:last + 1]
