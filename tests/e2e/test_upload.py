"""POST /v1/files (API.md sections 2 and 3): the file object, purposes, expires_after, and every 400 of a
malformed multipart request. A refused upload creates nothing and leaves nothing in DIR/tmp."""

import os
import time

import pytest
import requests

from e2e_util import (FILE_FIELDS, PURPOSES, Part, assert_file_object, assert_openai_error, multipart_body,
                      new_boundary, sha256_hex, upload, upload_ok, upload_parts)


def files_in(d):
    out = []
    for root, _dirs, names in os.walk(d):
        out += [os.path.join(root, n) for n in names]
    return sorted(out)


def wait_until(pred, timeout=5.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def post_raw(api, body: bytes, content_type: str | None):
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return api.post(api.base + "/v1/files", data=body, headers=headers, timeout=30)


def test_upload_returns_the_complete_file_object(server, api):
    data = os.urandom(1000)
    t0 = time.time()
    r = upload(api, data, filename="report.bin", purpose="user_data")
    assert r.status_code == 200, r.text
    assert r.headers.get("Content-Type", "").startswith("application/json")
    obj = r.json()
    assert_file_object(obj, data=data, filename="report.bin", purpose="user_data", now=t0)
    assert obj["expires_at"] is None
    # API.md: until processing exists a file stays `uploaded` with null metadata; once it exists,
    # POST /v1/files answers the processed object.
    assert obj["status"] in ("uploaded", "processed", "error"), obj

    got = api.get(server.url + f"/v1/files/{obj['id']}", timeout=10)
    assert got.status_code == 200, got.text
    g = got.json()
    assert_file_object(g, data=data, filename="report.bin", purpose="user_data")
    for k in ("id", "bytes", "created_at", "filename", "purpose", "sha256", "mime_type", "expires_at"):
        assert g[k] == obj[k], (k, g[k], obj[k])
    assert set(FILE_FIELDS) <= set(g)


@pytest.mark.parametrize("purpose", PURPOSES)
def test_every_purpose_is_accepted(api, purpose):
    obj = upload_ok(api, b"x" * 10, purpose=purpose, filename=f"{purpose}.bin")
    assert obj["purpose"] == purpose


def test_purpose_after_the_file_part(api):
    """The file part streams to storage before `purpose` is known; the order of parts must not matter."""
    data = os.urandom(200_000)
    b = new_boundary()
    r = post_raw(api, multipart_body(upload_parts(data, "late.bin", "batch", purpose_first=False), b),
                 f"multipart/form-data; boundary={b}")
    assert r.status_code == 200, r.text
    assert_file_object(r.json(), data=data, filename="late.bin", purpose="batch")


def test_empty_file(api):
    obj = upload_ok(api, b"", filename="empty.bin")
    assert obj["bytes"] == 0 and obj["size"] == 0
    assert obj["sha256"] == sha256_hex(b"")


def test_chunked_request_body(api):
    """A client streaming its body without Content-Length (Transfer-Encoding: chunked)."""
    data = os.urandom(300_000)
    b = new_boundary()
    body = multipart_body(upload_parts(data, "chunked.bin"), b)

    def gen():
        for i in range(0, len(body), 7000):
            yield body[i : i + 7000]

    r = api.post(api.base + "/v1/files", data=gen(), headers={"Content-Type": f"multipart/form-data; boundary={b}"},
                 timeout=30)
    assert r.request.headers.get("Transfer-Encoding") == "chunked"
    assert r.status_code == 200, r.text
    assert_file_object(r.json(), data=data, filename="chunked.bin")


def test_unknown_extra_fields_are_ignored(api):
    data = b"abc"
    b = new_boundary()
    parts = [Part("note", b"ignored"), *upload_parts(data, "x.txt")]
    r = post_raw(api, multipart_body(parts, b), f"multipart/form-data; boundary={b}")
    assert r.status_code == 200, r.text


def test_boundary_parameter_may_be_quoted(api):
    data = b"quoted boundary"
    b = new_boundary()
    r = post_raw(api, multipart_body(upload_parts(data, "q.txt"), b), f'multipart/form-data; boundary="{b}"')
    assert r.status_code == 200, r.text
    assert r.json()["sha256"] == sha256_hex(data)


# ----------------------------------------------------------------------------------------------
# 400s. Each case: (body builder, content type builder, field the message must name or None)

def _bad_cases():
    data = os.urandom(5000)
    cases = {}

    def add(name, body_fn, ctype_fn, field):
        cases[name] = (body_fn, ctype_fn, field)

    mp = lambda b: f"multipart/form-data; boundary={b}"  # noqa: E731
    add("missing-file", lambda b: multipart_body([Part("purpose", b"user_data")], b), mp, "file")
    add("missing-purpose", lambda b: multipart_body(upload_parts(data, purpose=None), b), mp, "purpose")
    add("unknown-purpose", lambda b: multipart_body(upload_parts(data, purpose="training"), b), mp, "purpose")
    add("empty-purpose", lambda b: multipart_body(upload_parts(data, purpose=""), b), mp, "purpose")
    add("unknown-purpose-after-file",
        lambda b: multipart_body(upload_parts(data, purpose="nope", purpose_first=False), b), mp, "purpose")
    add("missing-purpose-file-only-streamed",
        lambda b: multipart_body([Part("file", data, "f.bin", "application/octet-stream")], b), mp, "purpose")
    add("no-boundary-param", lambda b: multipart_body(upload_parts(data), b),
        lambda b: "multipart/form-data", None)
    add("empty-boundary-param", lambda b: multipart_body(upload_parts(data), b),
        lambda b: "multipart/form-data; boundary=", None)
    add("wrong-boundary", lambda b: multipart_body(upload_parts(data), b),
        lambda b: "multipart/form-data; boundary=not-the-one-used", None)
    add("not-multipart", lambda b: b'{"purpose":"user_data"}', lambda b: "application/json", None)
    add("no-content-type", lambda b: multipart_body(upload_parts(data), b), lambda b: None, None)
    add("empty-body", lambda b: b"", mp, None)
    add("unterminated-after-parts", lambda b: multipart_body(upload_parts(data), b, terminate=False), mp, None)
    add("cut-inside-file-part",
        lambda b: multipart_body(upload_parts(data), b)[: len(multipart_body(upload_parts(data), b)) // 2], mp, None)
    add("garbage-body", lambda b: os.urandom(3000), mp, None)
    add("expires-after-seconds-too-small",
        lambda b: multipart_body([Part("expires_after[anchor]", b"created_at"),
                                  Part("expires_after[seconds]", b"3599"), *upload_parts(data)], b), mp,
        "expires_after")
    add("expires-after-seconds-too-large",
        lambda b: multipart_body([Part("expires_after[anchor]", b"created_at"),
                                  Part("expires_after[seconds]", b"2592001"), *upload_parts(data)], b), mp,
        "expires_after")
    add("expires-after-seconds-not-integer",
        lambda b: multipart_body([Part("expires_after[anchor]", b"created_at"),
                                  Part("expires_after[seconds]", b"soon"), *upload_parts(data)], b), mp,
        "expires_after")
    add("expires-after-unknown-anchor",
        lambda b: multipart_body([Part("expires_after[anchor]", b"last_active_at"),
                                  Part("expires_after[seconds]", b"3600"), *upload_parts(data)], b), mp,
        "expires_after")
    add("file-part-without-filename",
        lambda b: multipart_body([Part("purpose", b"user_data"), Part("file", data)], b), mp, "file")
    add("part-header-too-long", lambda b: multipart_body(upload_parts(data, filename="n" * 200_000), b), mp, None)
    add("purpose-of-4-mib", lambda b: multipart_body(upload_parts(data, purpose="u" * (4 << 20)), b), mp, None)
    return cases


BAD = _bad_cases()


@pytest.mark.parametrize("case", sorted(BAD))
def test_malformed_upload_is_400_and_creates_nothing(server, api, case):
    body_fn, ctype_fn, field = BAD[case]
    b = new_boundary()
    blobs_before = files_in(server.data_dir / "blobs")
    r = post_raw(api, body_fn(b), ctype_fn(b))
    assert_openai_error(r, 400, field_name=field, secret_words=(str(server.data_dir),))
    lst = api.get(server.url + "/v1/files", timeout=10).json()
    assert lst["total"] == 0 and lst["data"] == [], f"a refused upload is listed: {lst}"
    assert wait_until(lambda: files_in(server.data_dir / "tmp") == []), \
        f"DIR/tmp not empty after a refused upload: {files_in(server.data_dir / 'tmp')}"
    assert wait_until(lambda: files_in(server.data_dir / "blobs") == blobs_before), \
        "a refused upload left a blob behind"
    # The connection (or a new one) still works.
    assert api.get(server.url + "/v1/files", timeout=10).status_code == 200


def test_expires_after(api):
    b = new_boundary()
    parts = [Part("expires_after[anchor]", b"created_at"), Part("expires_after[seconds]", b"3600"),
             *upload_parts(b"temp", "t.txt")]
    r = post_raw(api, multipart_body(parts, b), f"multipart/form-data; boundary={b}")
    assert r.status_code == 200, r.text
    obj = r.json()
    assert obj["expires_at"] == obj["created_at"] + 3600, obj
    got = api.get(api.base + f"/v1/files/{obj['id']}", timeout=10).json()
    assert got["expires_at"] == obj["expires_at"]


def test_request_without_auth_but_with_good_body_is_401_not_400(server):
    b = new_boundary()
    r = requests.post(server.url + "/v1/files", data=multipart_body(upload_parts(b"x"), b),
                      headers={"Content-Type": f"multipart/form-data; boundary={b}"}, timeout=10)
    assert_openai_error(r, 401, code="missing_api_key")


def test_concurrent_uploads_and_downloads(server, api):
    """Eight uploads at once on separate connections, then eight downloads at once: every file intact."""
    from concurrent.futures import ThreadPoolExecutor
    auth = api.headers["Authorization"]
    datas = [os.urandom(2_000_000 + i) for i in range(8)]

    def up(i):
        with requests.Session() as s:
            s.headers["Authorization"] = auth
            s.base = server.url
            return upload_ok(s, datas[i], filename=f"c{i}.bin")

    with ThreadPoolExecutor(8) as ex:
        objs = list(ex.map(up, range(8)))
    assert len({o["id"] for o in objs}) == 8
    for o, d in zip(objs, datas):
        assert o["sha256"] == sha256_hex(d) and o["bytes"] == len(d)

    def down(i):
        return requests.get(server.url + f"/v1/files/{objs[i]['id']}/content", headers={"Authorization": auth},
                            timeout=60).content

    with ThreadPoolExecutor(8) as ex:
        got = list(ex.map(down, range(8)))
    assert all(g == d for g, d in zip(got, datas))
    assert api.get(server.url + "/v1/files", timeout=10).json()["total"] == 8


def test_same_content_twice_gives_two_files(api):
    data = os.urandom(5000)
    a = upload_ok(api, data, filename="a.bin")
    b = upload_ok(api, data, filename="b.bin")
    assert a["id"] != b["id"] and a["sha256"] == b["sha256"]
    assert api.delete(api.base + f"/v1/files/{a['id']}", timeout=10).status_code == 200
    r = api.get(api.base + f"/v1/files/{b['id']}/content", timeout=10)
    assert r.status_code == 200 and r.content == data


def test_filename_with_a_path_is_not_a_path(api):
    r = upload(api, b"x", filename="../../etc/passwd")
    if r.status_code == 200:
        assert "/" not in r.json()["filename"] and ".." not in r.json()["filename"], r.json()
    else:
        assert_openai_error(r, 400, field_name="filename")
