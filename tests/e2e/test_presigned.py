"""The pre-signed upload flow (API.md section 4, and section 8's size/type binding): upload-url, the
signed PUT (no API key), confirm-upload, and every error of the flow in its envelope
{"success": false, "error": ...}. Whatever a PUT does wrong, the file stays `pending` with no content
and nothing is left in storage; the URL can then be used again while it is valid."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
import urllib.parse

import pytest
import requests

from e2e_util import (UUID4_RE, RawConn, assert_file_object, assert_openai_error, chunked, describe,
                      request_head, sha256_hex, unique_project)

CSV = b"id,name,price\n1,apple,1.5\n2,pear,2.25\n3,plum,0.75\n"
SMALL_MAX = 1 << 20
SMALL_FLAGS = {"max-file-bytes": SMALL_MAX, "janitor-interval": 1, "read-timeout": 3}
AUTH_REQUIRED = {"error": "Authentication required",
                 "message": "API key must be provided in Authorization header"}
INVALID_KEY = {"error": "Invalid API key",
               "message": "The provided API key is invalid, inactive, or expired"}
LEAKS = ("/tmp/", "/home/", "/var/", "/work/", ".cc:", ".h:", "Traceback", "what():", "SQLITE")


# ------------------------------------------------------------------------------------------------
# Helpers


def presigned_error(resp, status: int, error: str | None = None) -> dict:
    """Checks an answer in the pre-signed envelope and returns its body."""
    assert resp.status_code == status, f"expected {status}: {describe(resp)}"
    assert resp.headers.get("Content-Type", "").split(";")[0] == "application/json", describe(resp)
    assert resp.headers.get("X-Request-Id"), describe(resp)
    body = resp.json()
    assert body.get("success") is False, f"no success:false: {describe(resp)}"
    assert isinstance(body.get("error"), str) and body["error"], describe(resp)
    assert set(body) <= {"success", "error", "message", "code"}, describe(resp)
    if error is not None:
        assert body["error"] == error, f"error {body['error']!r} != {error!r}: {describe(resp)}"
    for w in LEAKS:
        assert w not in resp.text, f"the error leaks {w!r}: {describe(resp)}"
    return body


def new_upload_url(sess, filename="data.csv", **fields) -> dict:
    r = sess.post(sess.base + "/v1/files/upload-url", json={"filename": filename, **fields}, timeout=10)
    assert r.status_code == 200, describe(r)
    return r.json()


def put(url: str, data: bytes, content_type: str | None = None, **kw) -> requests.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    return requests.put(url, data=data, headers=headers, timeout=30, **kw)


def confirm(sess, file_id, filename, file_size, **extra) -> requests.Response:
    body = {"file_id": file_id, "filename": filename, "file_size": file_size, **extra}
    return sess.post(sess.base + "/v1/files/confirm-upload", json=body, timeout=60)


def get_file(sess, file_id) -> dict:
    r = sess.get(sess.base + f"/v1/files/{file_id}", timeout=10)
    assert r.status_code == 200, describe(r)
    return r.json()


def assert_still_pending(sess, file_id):
    f = get_file(sess, file_id)
    assert f["status"] == "pending" and f["bytes"] == 0 and f["sha256"] is None, f
    assert sess.get(sess.base + f"/v1/files/{file_id}/content", timeout=10).status_code == 404


def with_query(url: str, **changes) -> str:
    """The URL with query parameters replaced (value None removes one)."""
    parts = urllib.parse.urlsplit(url)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    out, seen = [], set()
    for k, v in query:
        if k in changes:
            seen.add(k)
            if changes[k] is None:
                continue
            v = changes[k]
        out.append((k, v))
    out += [(k, v) for k, v in changes.items() if k not in seen and v is not None]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(out)))


def blob_files_of(srv, file_id) -> list[str]:
    found = []
    for root, _dirs, names in os.walk(srv.data_dir / "blobs"):
        if file_id in root:
            found += [os.path.join(root, n) for n in names]
    return found


def wait_until(pred, timeout=10.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


@pytest.fixture(scope="module")
def small(module_server_factory):
    """A server with a 1 MiB file limit and a fast janitor, whose storage the tests inspect."""
    return module_server_factory(SMALL_FLAGS)


@pytest.fixture
def ssess(small):
    assert small.alive(), small.stderr_text()[-3000:]
    s = small.session(small.create_key(unique_project("ps")))
    yield s
    s.close()


# ------------------------------------------------------------------------------------------------
# upload-url


def test_upload_url_answers_the_seed_shape_and_creates_a_pending_file(server, api):
    t0 = time.time()
    r = api.post(server.url + "/v1/files/upload-url", json={"filename": "data.csv"}, timeout=10)
    assert r.status_code == 200, describe(r)
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"success", "file_id", "upload_url", "storage_path", "expires_at"}, body
    assert body["success"] is True
    assert UUID4_RE.match(body["file_id"]), body
    assert body["storage_path"] == f"files/{body['file_id']}.csv"
    assert body["upload_url"].startswith(f"{server.url}/v1/files/upload/{body['file_id']}.csv?"), body
    assert isinstance(body["expires_at"], int) and abs(body["expires_at"] - (t0 + 60)) <= 5, body

    f = get_file(api, body["file_id"])
    assert f["status"] == "pending" and f["bytes"] == 0 and f["filename"] == "data.csv", f
    assert f["metadata"] is None and f["sha256"] is None and f["processed_at"] is None, f
    assert f["mime_type"] == "text/csv", f
    listed = api.get(server.url + "/v1/files", timeout=10).json()
    assert [x["id"] for x in listed["data"]] == [body["file_id"]]


def test_storage_path_extension(api):
    assert new_upload_url(api, "Report.PDF")["storage_path"].endswith(".pdf")
    no_ext = new_upload_url(api, "README")
    assert no_ext["storage_path"] == f"files/{no_ext['file_id']}"


@pytest.mark.parametrize("body", [{}, {"filename": ""}, {"filename": None}, {"other": "x.csv"}, None])
def test_missing_filename_is_the_seeds_400(api, body):
    kw = {} if body is None else {"json": body}
    r = api.post(api.base + "/v1/files/upload-url", timeout=10, **kw)
    assert r.status_code == 400, describe(r)
    assert r.json() == {"success": False, "error": "filename is required"}


@pytest.mark.parametrize("filename", ["a/b.csv", "x\u0000.csv", "x" * 252 + ".csv" + "y",
                                      "tab\there.csv"])
def test_bad_filenames_are_400(api, filename):
    r = api.post(api.base + "/v1/files/upload-url", json={"filename": filename}, timeout=10)
    body = presigned_error(r, 400)
    assert "filename" in body["error"], body
    assert api.get(api.base + "/v1/files", timeout=10).json()["total"] == 0


def test_backslashes_and_quotes_are_part_of_a_filename(api):
    # Only '/' separates paths; the name is never a path here (content is stored under the file id).
    name = 'back\\slash "q".csv'
    got = new_upload_url(api, name)
    assert got["storage_path"] == f"files/{got['file_id']}.csv", got
    assert get_file(api, got["file_id"])["filename"] == name


def test_filename_of_255_bytes_is_accepted(api):
    name = "é" * 125 + "x.csv"  # 250 + 5 bytes of UTF-8
    assert len(name.encode()) == 255
    got = new_upload_url(api, name)
    assert get_file(api, got["file_id"])["filename"] == name


@pytest.mark.parametrize("body, word", [
    ({"filename": 7}, "filename"),
    ({"filename": "a.csv", "file_size": -1}, "file_size"),
    ({"filename": "a.csv", "file_size": 1.5}, "file_size"),
    ({"filename": "a.csv", "file_size": "10"}, "file_size"),
    ({"filename": "a.csv", "content_type": "text/csv\r\nX: y"}, "content_type"),
    ({"filename": "a.csv", "content_type": 5}, "content_type"),
    ({"filename": "a.csv", "expires_after": {"anchor": "created_at", "seconds": 10}}, "expires_after"),
    ({"filename": "a.csv", "purpose": "nope"}, "purpose"),
])
def test_bad_optional_fields_are_400(api, body, word):
    r = api.post(api.base + "/v1/files/upload-url", json=body, timeout=10)
    assert word in presigned_error(r, 400)["error"]


def test_malformed_json_is_400(api):
    r = api.post(api.base + "/v1/files/upload-url", data=b'{"filename": "a.csv"',
                 headers={"Content-Type": "application/json"}, timeout=10)
    presigned_error(r, 400)
    r = api.post(api.base + "/v1/files/upload-url", json=["data.csv"], timeout=10)
    presigned_error(r, 400)


def test_expires_after_sets_the_file_expiry(api):
    t0 = time.time()
    got = new_upload_url(api, "t.csv", expires_after={"anchor": "created_at", "seconds": 3600})
    f = get_file(api, got["file_id"])
    assert abs(f["expires_at"] - (t0 + 3600)) <= 5, f


# ------------------------------------------------------------------------------------------------
# Authentication, in the seed's wording


@pytest.mark.parametrize("route", ["/v1/files/upload-url", "/v1/files/confirm-upload"])
def test_missing_or_wrong_key_in_the_seeds_words(server, new_key, route):
    url = server.url + route
    body = {"filename": "a.csv", "file_id": "550e8400-e29b-41d4-a716-446655440000", "file_size": 1}
    for headers in ({}, {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer"}):
        r = requests.post(url, json=body, headers=headers, timeout=10)
        got = presigned_error(r, 401)
        assert {k: got[k] for k in ("error", "message")} == AUTH_REQUIRED, got
    for key in ("ik_your_api_key", "fsd_nokey_" + "A" * 43):
        r = requests.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        got = presigned_error(r, 403)
        assert {k: got[k] for k in ("error", "message")} == INVALID_KEY, got
    # A revoked key is refused the same way.
    key = new_key()
    server.cli("keys", "revoke", server.key_id_of(key))
    r = requests.post(url, json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10)
    got = presigned_error(r, 403)
    assert {k: got[k] for k in ("error", "message")} == INVALID_KEY, got


# ------------------------------------------------------------------------------------------------
# The signed PUT


def test_put_needs_no_key_and_confirm_processes(server, api):
    got = new_upload_url(api, "data.csv")
    r = put(got["upload_url"], CSV, "text/csv")
    assert r.status_code == 200, describe(r)
    answer = r.json()
    assert answer["success"] is True and answer["file_id"] == got["file_id"], answer
    assert answer["file_size"] == len(CSV) and answer["sha256"] == sha256_hex(CSV), answer

    f = get_file(api, got["file_id"])
    assert f["status"] == "uploaded" and f["metadata"] is None, f
    assert_file_object(f, data=CSV, filename="data.csv", purpose="user_data")
    content = api.get(server.url + f"/v1/files/{got['file_id']}/content", timeout=10)
    assert content.status_code == 200 and content.content == CSV

    t0 = time.time()
    r = confirm(api, got["file_id"], "data.csv", len(CSV))
    assert r.status_code == 200, describe(r)
    c = r.json()
    assert set(c) == {"success", "file_id", "filename", "file_size", "processed_at", "metadata",
                      "processing_summary"}, c
    assert c["success"] is True and c["file_id"] == got["file_id"] and c["filename"] == "data.csv"
    assert c["file_size"] == len(CSV)
    assert isinstance(c["processed_at"], int) and abs(c["processed_at"] - t0) <= 10, c
    m = c["metadata"]
    assert m["type"] == "csv" and m["row_count"] == 3 and m["column_count"] == 3, m
    assert [col["name"] for col in m["columns"]] == ["id", "name", "price"], m
    assert [col["type"] for col in m["columns"]] == ["integer", "string", "float"], m
    assert m["preview"][0] == ["1", "apple", "1.5"], m
    assert isinstance(c["processing_summary"], str) and "3 rows" in c["processing_summary"], c

    f = get_file(api, got["file_id"])
    assert f["status"] == "processed" and f["metadata"] == m and f["processed_at"] == c["processed_at"]
    assert f["processing_summary"] == c["processing_summary"]
    text = api.get(server.url + f"/v1/files/{got['file_id']}/text", timeout=10)
    assert text.status_code == 200 and text.content == CSV


def test_confirming_again_answers_the_same_without_processing_again(api):
    got = new_upload_url(api, "again.json")
    data = json.dumps({"a": 1, "b": [1, 2, 3]}).encode()
    assert put(got["upload_url"], data).status_code == 200
    first = confirm(api, got["file_id"], "again.json", len(data))
    assert first.status_code == 200, describe(first)
    before = get_file(api, got["file_id"])
    time.sleep(1.1)  # a second analysis would move processed_at and updated_at
    second = confirm(api, got["file_id"], "again.json", len(data))
    assert second.status_code == 200, describe(second)
    assert second.json() == first.json()
    after = get_file(api, got["file_id"])
    assert after["updated_at"] == before["updated_at"] and after["processed_at"] == before["processed_at"]


def test_concurrent_confirms_process_once_and_agree(api):
    got = new_upload_url(api, "par.csv")
    assert put(got["upload_url"], CSV).status_code == 200
    results = [None] * 4

    def run(i):
        results[i] = confirm(api, got["file_id"], "par.csv", len(CSV))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        assert r.status_code == 200, describe(r)
    assert all(r.json() == results[0].json() for r in results)


def test_tampered_urls_are_403_and_store_nothing(small, ssess):
    got = new_upload_url(ssess, "data.csv")
    url = got["upload_url"]
    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    sig = q["sig"]
    other = "B" if sig[0] != "B" else "C"
    fid = got["file_id"]
    forged_id = fid[:-1] + ("0" if fid[-1] != "0" else "1")
    tampered = {
        "signature": with_query(url, sig=other + sig[1:]),
        "truncated signature": with_query(url, sig=sig[:-2]),
        "no signature": with_query(url, sig=None),
        "expiry": with_query(url, expires=str(int(q["expires"]) + 3600)),
        "project": with_query(url, project="0b8f6a0e-3d0c-4f59-9f52-1c6a7b0d9e11"),
        "file id": url.replace(fid, forged_id, 1),
        "extension": url.replace(".csv?", ".pdf?", 1),
        "added size": with_query(url, size="10"),
        "added type": with_query(url, type="text/csv"),
    }
    for what, bad in tampered.items():
        r = put(bad, CSV, "text/csv")
        body = presigned_error(r, 403)
        assert "signature" in body["error"], (what, body)
    assert_still_pending(ssess, fid)
    assert blob_files_of(small, fid) == []
    # The genuine URL still works afterwards.
    assert put(url, CSV).status_code == 200


def test_put_with_a_key_of_another_kind_is_still_checked_by_signature(server, api):
    got = new_upload_url(api, "k.csv")
    bad = with_query(got["upload_url"], sig="A" * 43)
    r = requests.put(bad, data=CSV, headers={"Authorization": api.headers["Authorization"]}, timeout=10)
    presigned_error(r, 403)


def test_expired_url_is_403_and_a_new_url_works(server_factory):
    srv = server_factory({"upload-url-ttl": 1})
    sess = srv.session(srv.create_key(unique_project("ttl")))
    got = new_upload_url(sess, "late.csv")
    assert got["expires_at"] - time.time() <= 2
    time.sleep(2.2)
    body = presigned_error(put(got["upload_url"], CSV), 403)
    assert "expired" in body["error"], body
    assert_still_pending(sess, got["file_id"])
    fresh = new_upload_url(sess, "late.csv")
    assert put(fresh["upload_url"], CSV).status_code == 200
    # confirm-upload of the file whose URL expired before its PUT: no content.
    presigned_error(confirm(sess, got["file_id"], "late.csv", len(CSV)), 404, "File not found in storage")


def test_second_put_is_409_and_keeps_the_first_content(api):
    got = new_upload_url(api, "once.csv")
    assert put(got["upload_url"], CSV).status_code == 200
    body = presigned_error(put(got["upload_url"], b"other,content\n"), 409)
    assert "already" in body["error"], body
    assert api.get(api.base + f"/v1/files/{got['file_id']}/content", timeout=10).content == CSV
    # Also after the file was processed.
    assert confirm(api, got["file_id"], "once.csv", len(CSV)).status_code == 200
    presigned_error(put(got["upload_url"], CSV), 409)


def test_racing_puts_one_wins_the_other_is_409(small, ssess):
    got = new_upload_url(ssess, "race.bin")
    bodies = [os.urandom(600_000), os.urandom(600_000)]
    results = [None, None]
    start = threading.Barrier(2)

    def run(i):
        start.wait()
        results[i] = put(got["upload_url"], bodies[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [describe(r) for r in results]
    winner = bodies[[r.status_code for r in results].index(200)]
    presigned_error(results[[r.status_code for r in results].index(409)], 409)
    content = ssess.get(ssess.base + f"/v1/files/{got['file_id']}/content", timeout=10)
    assert content.content == winner
    # Only the winner's blob is kept.
    assert wait_until(lambda: len(blob_files_of(small, got["file_id"])) == 1), blob_files_of(small, got["file_id"])


def test_interrupted_put_leaves_nothing_and_can_be_retried(small, ssess):
    got = new_upload_url(ssess, "cut.bin")
    parts = urllib.parse.urlsplit(got["upload_url"])
    target = parts.path + "?" + parts.query
    data = os.urandom(300_000)
    with RawConn("127.0.0.1", small.port) as c:
        c.send(request_head("PUT", target, {"Content-Length": str(len(data)),
                                            "Content-Type": "application/octet-stream"}))
        c.send(data[:100_000])
        time.sleep(0.3)
    assert wait_until(lambda: blob_files_of(small, got["file_id"]) == []), blob_files_of(small, got["file_id"])
    assert_still_pending(ssess, got["file_id"])
    presigned_error(confirm(ssess, got["file_id"], "cut.bin", len(data)), 404, "File not found in storage")
    # A chunked PUT cut short, too.
    with RawConn("127.0.0.1", small.port) as c:
        c.send(request_head("PUT", target, {"Transfer-Encoding": "chunked"}))
        for piece in list(chunked(data, 50_000))[:2]:
            c.send(piece)
        time.sleep(0.3)
    assert wait_until(lambda: blob_files_of(small, got["file_id"]) == [])
    assert_still_pending(ssess, got["file_id"])
    # The same URL, while valid, takes the retry.
    r = put(got["upload_url"], data)
    assert r.status_code == 200, describe(r)
    assert ssess.get(ssess.base + f"/v1/files/{got['file_id']}/content", timeout=10).content == data


def test_empty_put_is_an_empty_file(api):
    got = new_upload_url(api, "empty.txt")
    r = put(got["upload_url"], b"")
    assert r.status_code == 200, describe(r)
    f = get_file(api, got["file_id"])
    assert f["status"] == "uploaded" and f["bytes"] == 0 and f["sha256"] == sha256_hex(b""), f


def test_chunked_put(small, ssess):
    got = new_upload_url(ssess, "chunks.csv")
    data = CSV * 2000
    r = put(got["upload_url"], iter([data[i:i + 7000] for i in range(0, len(data), 7000)]))
    assert r.status_code == 200, describe(r)
    assert ssess.get(ssess.base + f"/v1/files/{got['file_id']}/content", timeout=10).content == data


def raw_put(srv, url: str, headers: dict, chunks=None):
    """A PUT over a raw socket: the head, then `chunks` until the server answers; the answer."""
    parts = urllib.parse.urlsplit(url)
    with RawConn("127.0.0.1", srv.port) as c:
        c.send(request_head("PUT", parts.path + "?" + parts.query, headers))
        sent = c.send_until_answer(chunks) if chunks is not None else 0
        _, resp = c.read_final_response(timeout=10)
    return resp, sent


def test_put_over_the_size_limit_is_413(small, ssess):
    got = new_upload_url(ssess, "big.bin")
    # Refused from the header: no body byte is sent.
    resp, _ = raw_put(small, got["upload_url"], {"Content-Length": str(SMALL_MAX + 1)})
    assert resp.status == 413, (resp.status, resp.body[:300])
    body = resp.json()
    assert body["success"] is False and str(SMALL_MAX) in body["error"], body
    assert_still_pending(ssess, got["file_id"])
    # Chunked, so the limit is only found while streaming (the last chunk is never sent).
    resp, sent = raw_put(small, got["upload_url"], {"Transfer-Encoding": "chunked"},
                         chunked(b"x" * (3 * SMALL_MAX), 65536))
    assert resp.status == 413, (resp.status, resp.body[:300])
    assert resp.json()["success"] is False, resp.body[:300]  # found mid-body: same envelope
    assert sent >= SMALL_MAX
    assert wait_until(lambda: blob_files_of(small, got["file_id"]) == [])
    assert_still_pending(ssess, got["file_id"])
    assert put(got["upload_url"], b"x" * SMALL_MAX).status_code == 200
    # upload-url refuses a declared size over the limit.
    r = ssess.post(ssess.base + "/v1/files/upload-url", json={"filename": "b.bin", "file_size": SMALL_MAX + 1},
                   timeout=10)
    presigned_error(r, 400, "File too large")


# ------------------------------------------------------------------------------------------------
# Size and type bound to the URL (API.md section 8)


def test_bound_size_refuses_other_lengths(small, ssess):
    got = new_upload_url(ssess, "sized.csv", file_size=len(CSV))
    assert "size=" in got["upload_url"]
    for data in (CSV + b"x", CSV[:-1], b""):
        body = presigned_error(put(got["upload_url"], data), 403)
        assert "size" in body["error"], body
    assert_still_pending(ssess, got["file_id"])
    # Chunked bodies declare no length: the bytes that arrive are counted.
    r = put(got["upload_url"], iter([CSV[:-1]]))
    presigned_error(r, 403)
    r = put(got["upload_url"], iter([CSV, b"more bytes"]))
    presigned_error(r, 403)  # found mid-body, still in the pre-signed envelope
    assert wait_until(lambda: blob_files_of(small, got["file_id"]) == [])
    assert_still_pending(ssess, got["file_id"])
    # Removing the binding from the URL breaks the signature.
    presigned_error(put(with_query(got["upload_url"], size=None), CSV + b"x"), 403)
    assert put(got["upload_url"], iter([CSV[:10], CSV[10:]])).status_code == 200


def test_bound_type_refuses_other_types(ssess):
    got = new_upload_url(ssess, "typed.csv", content_type="text/csv")
    assert got["upload_url"].count("type=") == 1
    for ctype in ("application/pdf", "text/plain", "text/csvx", "text/csv, application/pdf", "text/csv; charset",
                  "", None):
        body = presigned_error(put(got["upload_url"], CSV, ctype), 403)
        assert "Content-Type" in body["error"], body
    assert_still_pending(ssess, got["file_id"])
    presigned_error(put(with_query(got["upload_url"], type="application/pdf"), CSV, "application/pdf"), 403)
    r = put(got["upload_url"], CSV, "TEXT/CSV")  # media types compare case-insensitively
    assert r.status_code == 200, describe(r)
    assert get_file(ssess, got["file_id"])["mime_type"] == "text/csv"


@pytest.mark.parametrize("sent", ["text/csv; charset=utf-8", "TEXT/CSV; Charset=UTF-8", "text/csv ;charset=\"utf-8\"",
                                  "Text/Csv; header=present"])
def test_bound_type_accepts_the_same_media_type_with_parameters(ssess, sent):
    # Only the media type is bound: parameters the binding does not name do not matter.
    got = new_upload_url(ssess, "p.csv", content_type="text/csv")
    r = put(got["upload_url"], CSV, sent)
    assert r.status_code == 200, describe(r)


def test_bound_type_with_parameters_requires_them(ssess):
    ctype = "text/csv; charset=utf-8"
    got = new_upload_url(ssess, "p.csv", content_type=ctype, file_size=len(CSV))
    for other in ("text/csv", "text/csv; charset=latin1", "text/csv; header=present",
                  "text/plain; charset=utf-8"):
        presigned_error(put(got["upload_url"], CSV, other), 403)
    assert_still_pending(ssess, got["file_id"])
    # The bound parameter, in any case for charset and with extra parameters, is accepted.
    assert put(got["upload_url"], CSV, "text/csv; header=present; charset=UTF-8").status_code == 200


def test_bound_type_with_parameters_round_trips(ssess):
    ctype = "text/csv; charset=utf-8"
    got = new_upload_url(ssess, "p.csv", content_type=ctype, file_size=len(CSV))
    assert put(got["upload_url"], CSV, ctype).status_code == 200


@pytest.mark.parametrize("bad", ["csv", "text/", "text/csv; charset", "text/csv; a=\"b", "text /csv"])
def test_content_type_to_bind_must_be_a_media_type(ssess, bad):
    r = ssess.post(ssess.base + "/v1/files/upload-url", json={"filename": "a.csv", "content_type": bad}, timeout=10)
    assert "content_type" in presigned_error(r, 400)["error"]


# ------------------------------------------------------------------------------------------------
# confirm-upload errors


def test_confirm_before_put_is_404(api):
    got = new_upload_url(api, "early.csv")
    body = presigned_error(confirm(api, got["file_id"], "early.csv", len(CSV)), 404,
                           "File not found in storage")
    assert body.get("message"), body


def test_confirm_of_unknown_or_foreign_file_is_404(server, api, new_key):
    presigned_error(confirm(api, "550e8400-e29b-41d4-a716-446655440000", "a.csv", 1), 404,
                    "File not found in storage")
    presigned_error(confirm(api, "not-a-uuid", "a.csv", 1), 404, "File not found in storage")
    other = server.session(new_key())
    got = new_upload_url(other, "theirs.csv")
    assert put(got["upload_url"], CSV).status_code == 200
    presigned_error(confirm(api, got["file_id"], "theirs.csv", len(CSV)), 404, "File not found in storage")
    assert other.get(other.base + f"/v1/files/{got['file_id']}", timeout=10).json()["status"] == "uploaded"


def test_confirm_with_the_wrong_size_is_400(api):
    got = new_upload_url(api, "size.csv")
    assert put(got["upload_url"], CSV).status_code == 200
    for wrong in (len(CSV) + 1, len(CSV) - 1, 0):
        body = presigned_error(confirm(api, got["file_id"], "size.csv", wrong), 400)
        assert "size" in (body["error"] + body.get("message", "")).lower(), body
    assert get_file(api, got["file_id"])["status"] == "uploaded"  # nothing was processed


@pytest.mark.parametrize("body, word", [
    ({"filename": "a.csv", "file_size": 1}, "file_id"),
    ({"file_id": "550e8400-e29b-41d4-a716-446655440000", "file_size": 1}, "filename"),
    ({"file_id": "550e8400-e29b-41d4-a716-446655440000", "filename": "a.csv"}, "file_size"),
    ({"file_id": "550e8400-e29b-41d4-a716-446655440000", "filename": "a.csv", "file_size": -3}, "file_size"),
    ({"file_id": "550e8400-e29b-41d4-a716-446655440000", "filename": "a.csv", "file_size": 1,
      "sha256": "xyz"}, "sha256"),
])
def test_confirm_with_missing_or_bad_fields_is_400(api, body, word):
    r = api.post(api.base + "/v1/files/confirm-upload", json=body, timeout=10)
    assert word in presigned_error(r, 400)["error"]


def assert_refused(sess, file_id, body):
    """The file's state says what the refusal said: error with the answer's words, no metadata; still
    listed as error, still stored (counted in usage) until deleted."""
    f = get_file(sess, file_id)
    assert f["status"] == "error", f
    assert f["status_details"] == f"{body['error']}: {body['message']}", (f, body)
    assert f["metadata"] is None and f["processing_summary"] is None and f["processed_at"] is None, f
    listed = {x["id"]: x for x in sess.get(sess.base + "/v1/files", timeout=10).json()["data"]}
    assert listed[file_id]["status"] == "error", listed[file_id]
    assert listed[file_id]["status_details"] == f["status_details"]
    assert sess.get(sess.base + f"/v1/files/{file_id}/text", timeout=10).status_code == 404


def test_confirm_of_an_unsupported_type_is_400_invalid_file_type(api):
    data = bytes(range(256)) * 40 + os.urandom(4096)
    docx = b"PK\x03\x04" + b"[Content_Types].xml" + b"word/document.xml" + data
    cases = {"blob.bin": data, "archive.zip": b"PK\x03\x04" + data, "looks.csv": data,
             "report.docx": docx, "zeros.csv": bytes(200_000)}
    used = 0
    for name, payload in cases.items():
        got = new_upload_url(api, name)
        assert put(got["upload_url"], payload).status_code == 200
        body = presigned_error(confirm(api, got["file_id"], name, len(payload)), 400, "Invalid file type")
        assert body.get("message"), body
        assert_refused(api, got["file_id"], body)
        updated_at = get_file(api, got["file_id"])["updated_at"]
        # Asking again gives the same answer, and changes nothing.
        again = presigned_error(confirm(api, got["file_id"], name, len(payload)), 400, "Invalid file type")
        assert again == body
        assert get_file(api, got["file_id"])["updated_at"] == updated_at
        used += len(payload)
    # Refused files stay stored until deleted: they count in usage, and DELETE frees them.
    assert api.get(api.base + "/v1/usage", timeout=10).json()["bytes"] == used
    for f in api.get(api.base + "/v1/files", timeout=10).json()["data"]:
        assert api.delete(api.base + f"/v1/files/{f['id']}", timeout=10).status_code == 200
    assert api.get(api.base + "/v1/usage", timeout=10).json()["bytes"] == 0


def test_confirm_of_a_binary_file_from_post_files_refuses_without_changing_it(api):
    # POST /v1/files accepts any type; confirming such a file is refused, and the file stays as it was.
    data = os.urandom(4096)
    created = api.post(api.base + "/v1/files", files={"file": ("blob.bin", data)},
                       data={"purpose": "user_data"}, timeout=30)
    assert created.status_code == 200, created.text
    before = created.json()
    assert before["status"] == "processed" and before["metadata"]["type"] == "binary"
    presigned_error(confirm(api, before["id"], "blob.bin", len(data)), 400, "Invalid file type")
    assert get_file(api, before["id"]) == before


def test_confirm_over_a_lowered_size_limit_is_400_file_too_large_and_recorded(server_factory):
    srv = server_factory()
    key = srv.create_key("limit")
    sess = srv.session(key)
    got = new_upload_url(sess, "big.csv")
    data = b"a,b\n" + b"1,2\n" * 1000
    assert put(got["upload_url"], data).status_code == 200
    srv.stop()
    srv.flags["max-file-bytes"] = 1000
    srv.start()
    sess = srv.session(key)  # the restarted server may listen elsewhere
    body = presigned_error(confirm(sess, got["file_id"], "big.csv", len(data)), 400, "File too large")
    assert "1000" in body["message"], body
    assert_refused(sess, got["file_id"], body)
    again = presigned_error(confirm(sess, got["file_id"], "big.csv", len(data)), 400, "File too large")
    assert again == body


def test_confirm_checks_a_given_sha256(api):
    got = new_upload_url(api, "digest.csv")
    assert put(got["upload_url"], CSV).status_code == 200
    wrong = hashlib.sha256(b"something else").hexdigest()
    presigned_error(confirm(api, got["file_id"], "digest.csv", len(CSV), sha256=wrong), 400)
    assert get_file(api, got["file_id"])["status"] == "uploaded"
    r = confirm(api, got["file_id"], "digest.csv", len(CSV), sha256=sha256_hex(CSV).upper())
    assert r.status_code == 200, describe(r)


def test_processing_failure_is_500_and_leaves_the_file_in_error(api):
    got = new_upload_url(api, "broken.pdf")
    data = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" + b"\x00garbage" * 200
    assert put(got["upload_url"], data, "application/pdf").status_code == 200
    r = confirm(api, got["file_id"], "broken.pdf", len(data))
    body = presigned_error(r, 500, "Processing failed")
    assert isinstance(body.get("message"), str) and body["message"], body
    f = get_file(api, got["file_id"])
    assert f["status"] == "error" and f["status_details"], f
    assert f["metadata"] is None, f
    # The same answer again, without another analysis.
    again = presigned_error(confirm(api, got["file_id"], "broken.pdf", len(data)), 500, "Processing failed")
    assert again == body
    assert get_file(api, got["file_id"])["updated_at"] == f["updated_at"]


def test_put_to_a_deleted_file_is_404(api):
    got = new_upload_url(api, "gone.csv")
    assert api.delete(api.base + f"/v1/files/{got['file_id']}", timeout=10).status_code == 200
    presigned_error(put(got["upload_url"], CSV), 404)


def test_text_route_errors(server, api, new_key):
    r = api.get(server.url + "/v1/files/550e8400-e29b-41d4-a716-446655440000/text", timeout=10)
    assert_openai_error(r, 404)
    got = new_upload_url(api, "t.csv")
    assert_openai_error(api.get(server.url + f"/v1/files/{got['file_id']}/text", timeout=10), 404)
    assert put(got["upload_url"], CSV).status_code == 200
    assert_openai_error(api.get(server.url + f"/v1/files/{got['file_id']}/text", timeout=10), 404)
    assert confirm(api, got["file_id"], "t.csv", len(CSV)).status_code == 200
    other = server.session(new_key())
    assert_openai_error(other.get(server.url + f"/v1/files/{got['file_id']}/text", timeout=10), 404)
    r = requests.get(server.url + f"/v1/files/{got['file_id']}/text", timeout=10)
    assert_openai_error(r, 401, "missing_api_key")
