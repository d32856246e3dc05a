"""Upload sessions and OpenAI Uploads (API.md section 5), end to end over HTTP.

Appends with and without offsets, content readable while open and byte-exact after complete, the
chunk limit (413), bad Base64/JSON (400), conflicts (409: offset, after complete, mixing modes),
expiry (404), the seed's bare routes, OpenAI parts out of order, cancel, checksum mismatch."""

from __future__ import annotations

import base64
import hashlib
import os
import time

import pytest
import requests

from e2e_util import sha256_hex

MIB = 1 << 20


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def create(api, filename="s.bin", prefix="/v1", **extra) -> dict:
    r = api.post(f"{api.base}{prefix}/uploads", json={"filename": filename, **extra})
    assert r.status_code == 200, r.text
    return r.json()


def append(api, fid, data: bytes, offset=None, prefix="/v1") -> requests.Response:
    body = {"data": b64(data)}
    if offset is not None:
        body["offset"] = offset
    return api.put(f"{api.base}{prefix}/uploads/{fid}", json=body)


def content(api, fid, prefix="/v1") -> bytes:
    r = api.get(f"{api.base}{prefix}/files/{fid}/content")
    assert r.status_code == 200, r.text
    return r.content


def error_message(r) -> str:
    return r.json()["error"]["message"]


def test_create_append_read_complete(api):
    s = create(api, "notes.txt")
    # OpenAI's Upload object, with the seed's session fields.
    assert s["object"] == "upload"
    assert s["status"] == "pending" and s["file"] is None
    assert s["purpose"] == "user_data"
    assert s["size"] == 0 and s["bytes"] == 0
    assert s["file_id"] == s["id"] and s["filename"] == "notes.txt"
    assert s["updated_at"] == s["created_at"]
    assert s["expires_at"] - s["created_at"] == 86400  # the default --session-ttl
    fid = s["id"]
    # The file object keeps its own status.
    assert api.get(f"{api.base}/v1/files/{fid}").json()["status"] == "uploading"
    assert content(api, fid) == b""

    chunks = [os.urandom(n) for n in (1, 1000, 3 * MIB + 7, 0, 12345)]
    total = b""
    for c in chunks:
        r = append(api, fid, c)
        assert r.status_code == 200, r.text
        total += c
        # The seed's append answer: the file object with the new total size.
        assert r.json()["object"] == "file" and r.json()["file_id"] == fid
        assert r.json()["size"] == len(total) and r.json()["bytes"] == len(total)
        assert r.json()["status"] == "uploading"
        # Readable while still open, exactly the acknowledged bytes.
        got = api.get(f"{api.base}/v1/files/{fid}").json()
        assert got["size"] == len(total)
        assert content(api, fid) == total

    r = api.post(f"{api.base}/v1/uploads/{fid}/complete", json={"sha256": sha256_hex(total)})
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["object"] == "upload" and done["id"] == fid and done["status"] == "completed", done
    assert done["size"] == len(total) and done["bytes"] == len(total)
    f = done["file"]
    assert f["object"] == "file" and f["id"] == fid, done
    assert f["status"] in ("uploaded", "processed", "error"), f
    assert f["size"] == len(total) and f["sha256"] == sha256_hex(total)
    assert f == api.get(f"{api.base}/v1/files/{fid}").json()
    assert content(api, fid) == total
    # A closed session takes no more chunks, parts or completes.
    r = append(api, fid, b"more")
    assert r.status_code == 409, r.text
    r = api.post(f"{api.base}/v1/uploads/{fid}/complete", json={})
    assert r.status_code == 409
    assert content(api, fid) == total


def test_offsets_refuse_mismatch_with_current_size(api):
    fid = create(api)["id"]
    assert append(api, fid, b"0123456789", offset=0).status_code == 200
    r = append(api, fid, b"abc", offset=0)  # a retry of a chunk that did land
    assert r.status_code == 409
    assert "10" in error_message(r) and "offset 0" in error_message(r)
    r = append(api, fid, b"abc", offset=11)
    assert r.status_code == 409 and "current size 10" in error_message(r)
    assert api.get(f"{api.base}/v1/files/{fid}").json()["size"] == 10
    r = append(api, fid, b"abc", offset=10)
    assert r.status_code == 200 and r.json()["size"] == 13
    assert content(api, fid) == b"0123456789abc"


def test_chunk_limit_and_bad_bodies_append_nothing(api):
    fid = create(api)["id"]
    assert append(api, fid, b"x" * 5).status_code == 200
    # Exactly 5 MiB is accepted; one byte more is 413.
    r = append(api, fid, b"y" * (5 * MIB + 1))
    assert r.status_code == 413, r.text
    r = api.put(f"{api.base}/v1/uploads/{fid}", data=b'{"data":"@@@@"}',
                headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    r = api.put(f"{api.base}/v1/uploads/{fid}", data=b'{"data":', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = api.put(f"{api.base}/v1/uploads/{fid}", json={"offset": 5})
    assert r.status_code == 400
    assert api.get(f"{api.base}/v1/files/{fid}").json()["size"] == 5
    r = append(api, fid, b"z" * (5 * MIB))
    assert r.status_code == 200 and r.json()["size"] == 5 + 5 * MIB
    assert content(api, fid) == b"x" * 5 + b"z" * (5 * MIB)


def test_unknown_and_foreign_sessions_are_404(server, api, new_key):
    r = append(api, "00000000-0000-4000-8000-000000000000", b"a")
    assert r.status_code == 404
    assert append(api, "not-a-uuid", b"a").status_code == 404
    fid = create(api)["id"]
    other = server.session(new_key())
    assert append(other, fid, b"a").status_code == 404
    assert other.post(f"{other.base}/v1/uploads/{fid}/complete", json={}).status_code == 404


def test_create_validation(api):
    assert api.post(f"{api.base}/v1/uploads", json={}).status_code == 400
    assert api.post(f"{api.base}/v1/uploads", json={"filename": "a/b"}).status_code == 400
    assert api.post(f"{api.base}/v1/uploads", json={"filename": "a", "purpose": "nope"}).status_code == 400
    r = api.post(f"{api.base}/v1/uploads", json={"filename": "a", "bytes": 1 << 40})
    assert r.status_code == 413
    s = create(api, "a.csv", purpose="assistants", bytes=10, mime_type="text/csv",
               expires_after={"anchor": "created_at", "seconds": 7200})
    assert s["purpose"] == "assistants" and s["mime_type"] == "text/csv"
    assert s["expires_at"] - s["created_at"] == 7200


def test_bare_seed_routes(api):
    s = create(api, "seed.bin", prefix="")
    fid = s["file_id"]
    r = append(api, fid, b"hello ", prefix="")
    assert r.status_code == 200 and r.json()["size"] == 6
    r = append(api, fid, b"world", prefix="")
    assert r.json()["size"] == 11
    got = api.get(f"{api.base}/files/{fid}")
    assert got.status_code == 200 and got.json()["size"] == 11
    assert content(api, fid, prefix="") == b"hello world"
    r = api.post(f"{api.base}/uploads/{fid}/complete", json={})
    assert r.status_code == 200 and r.json()["file"]["sha256"] == sha256_hex(b"hello world")
    # Bare routes need the key like the others.
    assert requests.get(f"{api.base}/files/{fid}").status_code == 401


def test_sha256_mismatch_keeps_the_session_open(api):
    fid = create(api)["id"]
    append(api, fid, b"abc")
    r = api.post(f"{api.base}/v1/uploads/{fid}/complete", json={"sha256": "0" * 64})
    assert r.status_code == 400, r.text
    assert api.get(f"{api.base}/v1/files/{fid}").json()["status"] == "uploading"
    assert append(api, fid, b"def", offset=3).status_code == 200
    r = api.post(f"{api.base}/v1/uploads/{fid}/complete",
                 json={"sha256": sha256_hex(b"abcdef"), "md5": hashlib.md5(b"abcdef").hexdigest()})
    assert r.status_code == 200, r.text
    assert content(api, fid) == b"abcdef"


def add_part(api, fid, data: bytes) -> requests.Response:
    return api.post(f"{api.base}/v1/uploads/{fid}/parts", files={"data": ("blob", data)})


def test_parts_out_of_order_and_md5(api):
    s = create(api, "parts.bin", bytes=300000, mime_type="application/octet-stream")
    fid = s["id"]
    pieces = [os.urandom(100000 + i) for i in range(3)]
    ids = {}
    for i in (2, 0, 1):  # arrive out of order
        r = add_part(api, fid, pieces[i])
        assert r.status_code == 200, r.text
        p = r.json()
        assert p["object"] == "upload.part" and p["upload_id"] == fid and p["id"].startswith("part_")
        ids[i] = p["id"]
    whole = b"".join(pieces)
    # Parts and appends do not mix.
    assert append(api, fid, b"x").status_code == 409
    r = api.post(f"{api.base}/v1/uploads/{fid}/complete", json={"part_ids": [ids[0], "part_nope"]})
    assert r.status_code == 400
    r = api.post(f"{api.base}/v1/uploads/{fid}/complete",
                 json={"part_ids": [ids[0], ids[1], ids[2]], "md5": hashlib.md5(whole).hexdigest()})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "completed"
    assert r.json()["file"]["size"] == len(whole) and r.json()["file"]["sha256"] == sha256_hex(whole)
    assert content(api, fid) == whole
    assert add_part(api, fid, b"late").status_code == 409


def test_appends_refuse_parts(api):
    fid = create(api)["id"]
    append(api, fid, b"abc")
    assert add_part(api, fid, b"p").status_code == 409
    r = api.post(f"{api.base}/v1/uploads/{fid}/complete", json={"part_ids": ["part_x"]})
    assert r.status_code == 409


def test_part_over_64_mib_is_413(api):
    fid = create(api)["id"]
    # Refused from Content-Length alone: nothing is sent beyond the header.
    r = api.post(f"{api.base}/v1/uploads/{fid}/parts", data=b"",
                 headers={"Content-Type": "multipart/form-data; boundary=x",
                          "Content-Length": str(65 * MIB)})
    assert r.status_code == 413


def test_cancel(api):
    fid = create(api)["id"]
    append(api, fid, b"secret")
    r = api.post(f"{api.base}/v1/uploads/{fid}/cancel")
    assert r.status_code == 200, r.text
    assert r.json()["object"] == "upload" and r.json()["id"] == fid
    assert r.json()["status"] == "cancelled" and r.json()["file"] is None
    assert api.get(f"{api.base}/v1/files/{fid}").status_code == 404
    assert append(api, fid, b"x").status_code == 404
    assert api.post(f"{api.base}/v1/uploads/{fid}/complete", json={}).status_code == 404


def test_session_expiry_is_404_and_purged(server_factory):
    srv = server_factory({"session-ttl": 2, "janitor-interval": 1})
    api = srv.session(srv.create_key("exp"))
    fid = api.post(f"{srv.url}/v1/uploads", json={"filename": "e.bin"}).json()["id"]
    api.base = srv.url
    assert append(api, fid, b"abc").status_code == 200
    blobs = srv.data_dir / "blobs" / "content" / fid
    assert blobs.exists()
    time.sleep(3.2)
    assert append(api, fid, b"d").status_code == 404
    assert api.get(f"{srv.url}/v1/files/{fid}").status_code == 404
    assert api.get(f"{srv.url}/files/{fid}/content").status_code == 404
    deadline = time.monotonic() + 10
    while blobs.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not blobs.exists(), "the janitor did not delete the expired session's content"
