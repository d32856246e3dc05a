"""Idempotency-Key on every creating POST (API.md section 8): a repeat with the same key and the same
request answers the first answer again and creates nothing (no file, no stored copy); the same key
with another request is 409; racing identical requests create exactly one file; keys are per
project; a failed first request leaves the key free; a claim left by a killed server is taken over
after a restart. Both error envelopes."""

import base64
import concurrent.futures
import os
import signal
import threading
import time

import pytest
import requests

from e2e_util import (RawConn, assert_openai_error, describe, multipart_body, new_boundary, request_head,
                      unique_project, upload, upload_parts)
from test_presigned import presigned_error


def key_header(key: str) -> dict:
    return {"Idempotency-Key": key}


def fresh_key() -> str:
    return "idem-" + os.urandom(8).hex()


def all_files(sess) -> list[dict]:
    r = sess.get(sess.base + "/v1/files?limit=1000", timeout=10)
    assert r.status_code == 200, describe(r)
    return r.json()["data"]


def stored_files(srv) -> list[str]:
    out = []
    for root, _dirs, names in os.walk(srv.data_dir / "blobs"):
        out += [os.path.join(root, n) for n in names]
    return sorted(out)


def assert_replayed(first: requests.Response, again: requests.Response):
    assert again.status_code == first.status_code, describe(again)
    assert again.json() == first.json(), (first.text, again.text)
    assert again.headers.get("Idempotent-Replayed") == "true", describe(again)
    assert "Idempotent-Replayed" not in first.headers


# ------------------------------------------------------------------------------------------------
# POST /v1/files


def test_repeat_upload_answers_the_first_answer_and_stores_nothing(server, api):
    key = fresh_key()
    data = os.urandom(300_000)
    first = upload(api, data, filename="once.bin", headers=key_header(key))
    assert first.status_code == 200, describe(first)
    stored = stored_files(server)
    # requests picks a new multipart boundary each time: the same request in another framing.
    again = upload(api, data, filename="once.bin", headers=key_header(key))
    assert_replayed(first, again)
    assert [f["id"] for f in all_files(api)] == [first.json()["id"]]
    assert stored_files(server) == stored, "the repeat stored a copy"
    assert api.get(api.base + f"/v1/files/{first.json()['id']}/content", timeout=10).content == data


def test_same_key_with_another_request_is_409(api):
    key = fresh_key()
    assert upload(api, b"first", headers=key_header(key)).status_code == 200
    for changed in (upload(api, b"second", headers=key_header(key)),
                    upload(api, b"first", filename="other.bin", headers=key_header(key)),
                    upload(api, b"first", purpose="assistants", headers=key_header(key))):
        assert_openai_error(changed, 409, "idempotency_key_reused")
        assert changed.headers.get("x-should-retry") == "false"
    assert len(all_files(api)) == 1
    # The key also covers the route: another creating route with it is another request.
    r = api.post(api.base + "/v1/uploads", json={"filename": "s.bin"}, headers=key_header(key),
                 timeout=10)
    assert_openai_error(r, 409, "idempotency_key_reused")


def test_keys_are_per_project(server, api, new_key):
    other = server.session(new_key())
    key = fresh_key()
    a = upload(api, b"same bytes", headers=key_header(key))
    b = upload(other, b"same bytes", headers=key_header(key))
    assert a.status_code == b.status_code == 200
    assert a.json()["id"] != b.json()["id"]
    assert "Idempotent-Replayed" not in b.headers
    assert len(all_files(other)) == 1


def test_a_failed_first_request_leaves_the_key_free(api):
    key = fresh_key()
    bad = api.post(api.base + "/v1/files", files={"file": ("x.bin", b"abc")}, headers=key_header(key),
                   timeout=10)  # no purpose
    assert_openai_error(bad, 400)
    good = upload(api, b"abc", headers=key_header(key))
    assert good.status_code == 200, describe(good)
    assert "Idempotent-Replayed" not in good.headers
    assert_replayed(good, upload(api, b"abc", headers=key_header(key)))


@pytest.mark.parametrize("value", ["", "x" * 256, "caf\u00e9"])
def test_malformed_keys_are_400(api, value):
    r = api.post(api.base + "/v1/files", files={"file": ("x.bin", b"abc")}, data={"purpose": "user_data"},
                 headers={"Idempotency-Key": value.encode("utf-8")}, timeout=10)
    assert_openai_error(r, 400, "invalid_idempotency_key")
    assert all_files(api) == []


def test_a_key_of_255_characters_works(api):
    key = "k" * 255
    first = upload(api, b"long key", headers=key_header(key))
    assert first.status_code == 200, describe(first)
    assert_replayed(first, upload(api, b"long key", headers=key_header(key)))


def test_racing_identical_uploads_create_exactly_one_file(server, new_key):
    api_key = new_key()
    key = fresh_key()
    data = os.urandom(4 << 20)
    stored_before = len(stored_files(server))

    def one(_):
        return upload(server.session(api_key), data, filename="race.bin", headers=key_header(key))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(8)))
    ok = [r for r in answers if r.status_code == 200]
    assert ok, [describe(r) for r in answers]
    for r in answers:
        if r.status_code != 200:
            assert_openai_error(r, 409, "idempotency_key_in_use")
            assert r.headers.get("Retry-After") == "1"
    assert len({r.json()["id"] for r in ok}) == 1
    files = all_files(server.session(api_key))
    assert [f["id"] for f in files] == [ok[0].json()["id"]]
    assert len(stored_files(server)) == stored_before + 1  # one content blob, no text for .bin
    # Once the first has answered, every repeat is a replay of its answer.
    again = one(0)
    assert again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true", describe(again)
    assert again.json() == ok[0].json()


# ------------------------------------------------------------------------------------------------
# The JSON routes: upload-url and confirm-upload (pre-signed envelope), uploads and complete.


def test_upload_url_and_confirm_replay_in_the_presigned_envelope(api):
    key = fresh_key()
    body = {"filename": "t.txt", "purpose": "user_data", "file_size": 5}
    first = api.post(api.base + "/v1/files/upload-url", json=body, headers=key_header(key), timeout=10)
    assert first.status_code == 200, describe(first)
    # Same JSON with keys in another order.
    reordered = dict(reversed(list(body.items())))
    again = api.post(api.base + "/v1/files/upload-url", json=reordered, headers=key_header(key), timeout=10)
    assert_replayed(first, again)
    assert len(all_files(api)) == 1
    other = api.post(api.base + "/v1/files/upload-url", json={**body, "filename": "u.txt"},
                     headers=key_header(key), timeout=10)
    err = presigned_error(other, 409)
    assert err["code"] == "idempotency_key_reused", err

    fid = first.json()["file_id"]
    assert requests.put(first.json()["upload_url"], data=b"hello", timeout=10).status_code == 200
    ckey = fresh_key()
    confirm = {"file_id": fid, "filename": "t.txt", "file_size": 5}
    c1 = api.post(api.base + "/v1/files/confirm-upload", json=confirm, headers=key_header(ckey), timeout=60)
    assert c1.status_code == 200, describe(c1)
    c2 = api.post(api.base + "/v1/files/confirm-upload", json=confirm, headers=key_header(ckey), timeout=60)
    assert_replayed(c1, c2)
    c3 = api.post(api.base + "/v1/files/confirm-upload", json={**confirm, "file_size": 6},
                  headers=key_header(ckey), timeout=60)
    assert presigned_error(c3, 409)["code"] == "idempotency_key_reused"


def test_upload_sessions_create_and_complete_replay(api):
    key = fresh_key()
    first = api.post(api.base + "/v1/uploads", json={"filename": "s.txt", "bytes": 3},
                     headers=key_header(key), timeout=10)
    assert first.status_code == 200, describe(first)
    assert_replayed(first, api.post(api.base + "/v1/uploads", json={"bytes": 3, "filename": "s.txt"},
                                    headers=key_header(key), timeout=10))
    # The bare seed path is the same route.
    assert_replayed(first, api.post(api.base + "/uploads", json={"bytes": 3, "filename": "s.txt"},
                                    headers=key_header(key), timeout=10))
    assert len(all_files(api)) == 1
    sid = first.json()["id"]
    assert api.put(api.base + f"/v1/uploads/{sid}", json={"data": base64.b64encode(b"abc").decode()},
                   timeout=10).status_code == 200
    ckey = fresh_key()
    done = api.post(api.base + f"/v1/uploads/{sid}/complete", json={}, headers=key_header(ckey), timeout=60)
    assert done.status_code == 200, describe(done)
    assert_replayed(done, api.post(api.base + f"/v1/uploads/{sid}/complete", json={},
                                   headers=key_header(ckey), timeout=60))
    wrong = api.post(api.base + f"/v1/uploads/{sid}/complete", json={"md5": "0" * 32},
                     headers=key_header(ckey), timeout=60)
    assert_openai_error(wrong, 409, "idempotency_key_reused")


def test_racing_identical_session_creates_make_one_session(server, new_key):
    api_key = new_key()
    key = fresh_key()

    def one(_):
        s = server.session(api_key)
        return s.post(s.base + "/v1/uploads", json={"filename": "r.bin"}, headers=key_header(key), timeout=10)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(one, range(16)))
    ok = [r for r in answers if r.status_code == 200]
    for r in answers:
        if r.status_code != 200:
            assert_openai_error(r, 409, "idempotency_key_in_use")
    assert len({r.json()["id"] for r in ok}) == 1
    assert len(all_files(server.session(api_key))) == 1


# ------------------------------------------------------------------------------------------------
# A claim left behind by a server that died


def test_claim_of_a_killed_server_is_taken_over_after_restart(server_factory):
    srv = server_factory()
    api_key = srv.create_key(unique_project("idem"))
    key = fresh_key()
    b = new_boundary()
    body = multipart_body(upload_parts(b"x" * 100_000, filename="k.bin"), b)
    with RawConn("127.0.0.1", srv.port) as c:
        c.send(request_head("POST", "/v1/files", {
            "Authorization": f"Bearer {api_key}", "Content-Type": f"multipart/form-data; boundary={b}",
            "Content-Length": str(len(body)), "Idempotency-Key": key}))
        c.send(body[:1000])  # the request is running: its claim is held
        time.sleep(0.3)
        s = srv.session(api_key)
        assert_openai_error(upload(s, b"x" * 100_000, filename="k.bin", headers=key_header(key)), 409,
                            "idempotency_key_in_use")
        srv.stop(signal.SIGKILL)
    srv.start()
    s = srv.session(api_key)
    r = upload(s, b"x" * 100_000, filename="k.bin", headers=key_header(key))
    assert r.status_code == 200, describe(r)
    assert "Idempotent-Replayed" not in r.headers
    assert_replayed(r, upload(s, b"x" * 100_000, filename="k.bin", headers=key_header(key)))
    assert len(all_files(s)) == 1


def test_a_second_server_on_the_same_data_dir_is_refused(server_factory):
    srv = server_factory()
    twin = server_factory(start=False, data_dir=srv.data_dir)
    with pytest.raises(AssertionError, match="another filesd server is already serving"):
        twin.start(timeout=5)
    assert srv.alive()


def test_a_file_created_by_a_killed_server_is_answered_not_created_twice(server_factory, tmp_path):
    """The server dies after it created the file but before it recorded the answer (here: while the
    file is being analysed, by a worker that never answers). The retry after the restart finds the
    file under the id its claim reserved, and answers it instead of creating a second one."""
    hang = tmp_path / "hanging-worker"
    hang.write_text("#!/bin/sh\nexec sleep 20\n")
    hang.chmod(0o755)
    srv = server_factory({"worker-path": hang, "process-timeout": 60})
    api_key = srv.create_key(unique_project("idem"))
    key = fresh_key()
    data = b"name,n\na,1\n"
    s = srv.session(api_key)

    def first():
        try:
            upload(srv.session(api_key), data, filename="t.csv", headers=key_header(key))
        except requests.RequestException:
            pass  # the server is killed under it

    t = threading.Thread(target=first)
    t.start()
    deadline = time.monotonic() + 10
    while not all_files(s) and time.monotonic() < deadline:
        time.sleep(0.05)
    [created] = all_files(s)
    assert created["status"] in ("uploaded", "processing"), created
    srv.stop(signal.SIGKILL)
    t.join(timeout=10)

    del srv.flags["worker-path"]
    srv.start()
    s = srv.session(api_key)
    r = upload(s, data, filename="t.csv", headers=key_header(key))
    assert r.status_code == 200, describe(r)
    assert r.json()["id"] == created["id"]
    assert "Idempotent-Replayed" not in r.headers
    assert_replayed(r, upload(s, data, filename="t.csv", headers=key_header(key)))
    assert [f["id"] for f in all_files(s)] == [created["id"]]
