"""GET/HEAD /v1/files/{id}/content (API.md section 3): byte-exact content, headers, single Range (206/416),
several ranges (200), HEAD, ETag and If-None-Match, and Content-Disposition for non-ASCII names."""

import http.client
import os
import subprocess

import pytest

from e2e_util import (Part, multipart_body, new_boundary, parse_content_disposition, sha256_hex, upload_ok,
                      upload_parts)


@pytest.fixture(scope="module")
def stored(_shared_server):
    """Files of several sizes in one project: {size: (file object, bytes)}."""
    s = _shared_server.session(_shared_server.create_key("content-" + os.urandom(4).hex()))
    out = {}
    for size in (0, 1, 1000, (1 << 20) + 1):
        data = os.urandom(size)
        out[size] = (upload_ok(s, data, filename=f"r{size}.bin"), data)
    return s, out


def content_url(s, fid):
    return s.base + f"/v1/files/{fid}/content"


def check_common_headers(r, obj):
    assert r.headers.get("ETag") == f'"{obj["sha256"]}"', r.headers
    assert r.headers.get("Accept-Ranges") == "bytes", r.headers
    assert r.headers.get("X-Request-Id")
    ctype = r.headers.get("Content-Type", "")
    assert ctype.split(";")[0].strip().lower() == obj["mime_type"].split(";")[0].strip().lower(), (ctype, obj)
    dtype, params = parse_content_disposition(r.headers["Content-Disposition"])
    assert dtype == "attachment"
    assert params.get("filename*", params.get("filename")) == obj["filename"]


@pytest.mark.parametrize("size", [0, 1, 1000, (1 << 20) + 1])
def test_content_is_byte_exact(stored, size):
    s, files = stored
    obj, data = files[size]
    r = s.get(content_url(s, obj["id"]), timeout=30)
    assert r.status_code == 200, r.text[:300]
    assert r.content == data
    assert int(r.headers["Content-Length"]) == size
    check_common_headers(r, obj)
    assert obj["sha256"] == sha256_hex(r.content), "ETag/sha256 must be the sha256 of the content"


def test_content_streamed_in_small_reads(stored):
    s, files = stored
    obj, data = files[(1 << 20) + 1]
    with s.get(content_url(s, obj["id"]), stream=True, timeout=30) as r:
        got = b"".join(r.iter_content(777))
    assert got == data


RANGES = [
    # header, first, last (inclusive), on a file of 1000 bytes
    ("bytes=0-0", 0, 0),
    ("bytes=10-19", 10, 19),
    ("bytes=0-999", 0, 999),
    ("bytes=500-", 500, 999),
    ("bytes=999-", 999, 999),
    ("bytes=-1", 999, 999),
    ("bytes=-10", 990, 999),
    ("bytes=-5000", 0, 999),      # suffix longer than the file: the whole file
    ("bytes=990-5000", 990, 999),  # last past the end: clamped
    ("bytes=0-9223372036854775807", 0, 999),
]


@pytest.mark.parametrize("header,first,last", RANGES)
def test_single_range_is_206(stored, header, first, last):
    s, files = stored
    obj, data = files[1000]
    r = s.get(content_url(s, obj["id"]), headers={"Range": header}, timeout=10)
    assert r.status_code == 206, (header, r.status_code, r.text[:200])
    assert r.content == data[first : last + 1], header
    assert r.headers["Content-Range"] == f"bytes {first}-{last}/1000", (header, r.headers)
    assert int(r.headers["Content-Length"]) == last - first + 1
    assert r.headers.get("ETag") == f'"{obj["sha256"]}"'


def test_range_on_the_big_file(stored):
    s, files = stored
    obj, data = files[(1 << 20) + 1]
    n = len(data)
    r = s.get(content_url(s, obj["id"]), headers={"Range": f"bytes={n - 3}-"}, timeout=10)
    assert r.status_code == 206 and r.content == data[-3:]
    assert r.headers["Content-Range"] == f"bytes {n - 3}-{n - 1}/{n}"
    r = s.get(content_url(s, obj["id"]), headers={"Range": "bytes=65530-700000"}, timeout=10)
    assert r.status_code == 206 and r.content == data[65530:700001]


@pytest.mark.parametrize("header", [
    "bytes=1000-", "bytes=1000-1000", "bytes=5000-6000", "bytes=-0", "bytes=abc", "bytes=5-2", "bytes=--1",
    "bytes=", "bytes=1-2-3", "bytes=99999999999999999999999-",
])
def test_unsatisfiable_or_malformed_range_is_416(stored, header):
    s, files = stored
    obj, _ = files[1000]
    r = s.get(content_url(s, obj["id"]), headers={"Range": header}, timeout=10)
    assert r.status_code == 416, (header, r.status_code)
    assert r.headers.get("Content-Range") == "bytes */1000", (header, r.headers)


def test_any_range_of_an_empty_file_is_416(stored):
    s, files = stored
    obj, _ = files[0]
    for header in ("bytes=0-", "bytes=0-0", "bytes=-1"):
        r = s.get(content_url(s, obj["id"]), headers={"Range": header}, timeout=10)
        assert r.status_code == 416, (header, r.status_code)
        assert r.headers.get("Content-Range") == "bytes */0"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=0-0, -1", "items=0-10"])
def test_several_ranges_or_other_units_get_the_whole_content(stored, header):
    s, files = stored
    obj, data = files[1000]
    r = s.get(content_url(s, obj["id"]), headers={"Range": header}, timeout=10)
    assert r.status_code == 200, (header, r.status_code)
    assert r.content == data
    assert "Content-Range" not in r.headers


@pytest.mark.parametrize("size", [0, 1000])
def test_head_has_the_get_headers_and_no_body(stored, server, size):
    s, files = stored
    obj, _ = files[size]
    get = s.get(content_url(s, obj["id"]), timeout=10)
    # http.client on one keep-alive connection: a HEAD answer that carried a body would corrupt the
    # next response on the same connection.
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    auth = {"Authorization": s.headers["Authorization"]}
    conn.request("HEAD", f"/v1/files/{obj['id']}/content", headers=auth)
    head = conn.getresponse()
    assert head.status == 200
    assert head.read() == b""
    hh = {k.lower(): v for k, v in head.getheaders()}
    for name in ("content-type", "content-length", "content-disposition", "etag", "accept-ranges"):
        assert hh.get(name) == get.headers.get(name), (name, hh.get(name), get.headers.get(name))
    assert int(hh["content-length"]) == size
    conn.request("GET", f"/v1/files/{obj['id']}", headers=auth)
    nxt = conn.getresponse()
    assert nxt.status == 200, "the HEAD answer left bytes on the connection"
    assert b'"id"' in nxt.read()
    # HEAD with a Range answers like the GET would.
    if size:
        conn.request("HEAD", f"/v1/files/{obj['id']}/content", headers={**auth, "Range": "bytes=0-9"})
        hr = conn.getresponse()
        assert hr.status == 206 and hr.read() == b""
        assert hr.getheader("Content-Range") == f"bytes 0-9/{size}" and hr.getheader("Content-Length") == "10"
    conn.close()


def test_if_none_match(stored):
    s, files = stored
    obj, data = files[1000]
    etag = f'"{obj["sha256"]}"'
    r = s.get(content_url(s, obj["id"]), headers={"If-None-Match": etag}, timeout=10)
    assert r.status_code == 304, r.status_code
    assert r.content == b""
    assert r.headers.get("ETag") == etag
    # RFC 9110 section 13.1.2: a list of tags matches if any does.
    r = s.get(content_url(s, obj["id"]), headers={"If-None-Match": f'"abc", {etag}'}, timeout=10)
    assert r.status_code == 304, r.status_code
    # Another tag: the full content.
    r = s.get(content_url(s, obj["id"]), headers={"If-None-Match": '"' + "0" * 64 + '"'}, timeout=10)
    assert r.status_code == 200 and r.content == data
    # The tag of another file does not match.
    other, _ = files[1]
    r = s.get(content_url(s, obj["id"]), headers={"If-None-Match": f'"{other["sha256"]}"'}, timeout=10)
    assert r.status_code == 200 and r.content == data
    # HEAD too.
    r = s.head(content_url(s, obj["id"]), headers={"If-None-Match": etag}, timeout=10)
    assert r.status_code == 304


# Names whose multipart encoding is unambiguous (no '"', '\\' or '%': browsers, curl and SDKs disagree
# on how those are escaped inside a multipart filename="...").
NAMES = ["résumé 東京.pdf", "semi;colon, comma.txt", "emoji 📄.txt", "plain-ascii_name.txt", "it's (1).txt"]


@pytest.mark.parametrize("name", NAMES)
def test_filename_round_trip_and_content_disposition(api, name):
    data = b"named " + name.encode()
    b = new_boundary()
    body = multipart_body(upload_parts(data, filename=name, content_type="text/plain"), b)
    # The name as browsers and curl send it: raw UTF-8 in the quoted filename (with %22 for '"').
    r = api.post(api.base + "/v1/files", data=body, headers={"Content-Type": f"multipart/form-data; boundary={b}"},
                 timeout=10)
    assert r.status_code == 200, r.text
    obj = r.json()
    assert obj["filename"] == name, (obj["filename"], name)
    assert api.get(api.base + f"/v1/files/{obj['id']}", timeout=10).json()["filename"] == name

    c = api.get(api.base + f"/v1/files/{obj['id']}/content", timeout=10)
    assert c.content == data
    raw = c.raw._original_response.msg.get("Content-Disposition")  # as sent, decoded as latin-1
    assert all(ord(ch) < 128 for ch in raw), f"Content-Disposition must be ASCII (RFC 8187 for the rest): {raw!r}"
    dtype, params = parse_content_disposition(raw)
    assert dtype == "attachment", raw
    assert "filename" in params, f"an ASCII fallback filename= is expected: {raw!r}"
    if name.isascii():
        assert params.get("filename*", name) == name
        assert params["filename"] == name, raw
    else:
        assert params.get("filename*") == name, f"filename* must carry the exact name: {raw!r}"


def test_curl_download_matches(stored, tmp_path):
    s, files = stored
    obj, data = files[(1 << 20) + 1]
    out = tmp_path / "dl.bin"
    p = subprocess.run(["curl", "-sS", "-f", "-o", str(out), "-H", f"Authorization: {s.headers['Authorization']}",
                        content_url(s, obj["id"])], capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == data
    # curl resuming a download (-C -) uses a Range request.
    out.write_bytes(data[:300_000])
    p = subprocess.run(["curl", "-sS", "-f", "-C", "-", "-o", str(out), "-H",
                        f"Authorization: {s.headers['Authorization']}", content_url(s, obj["id"])],
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == data


def test_part_content_type_sets_mime_type_or_is_sniffed(api):
    data = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    obj = upload_ok(api, data, filename="doc.pdf", content_type="application/pdf")
    assert obj["mime_type"] == "application/pdf", obj
    r = api.get(api.base + f"/v1/files/{obj['id']}/content", timeout=10)
    assert r.headers["Content-Type"].split(";")[0] == "application/pdf"


def test_multipart_part_with_explicit_headers(api):
    data = os.urandom(100)
    b = new_boundary()
    parts = [Part("purpose", b"user_data"), Part("file", data, "bin.dat", "application/octet-stream")]
    r = api.post(api.base + "/v1/files", data=multipart_body(parts, b),
                 headers={"Content-Type": f"multipart/form-data; boundary={b}"}, timeout=10)
    assert r.status_code == 200 and r.json()["sha256"] == sha256_hex(data)
