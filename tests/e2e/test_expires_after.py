"""expires_after on every creating route (API.md section 8): POST /v1/files, upload-url,
confirm-upload, POST /v1/uploads and complete all take OpenAI's {"anchor":"created_at","seconds":N},
N from 3600 to 2592000, and the file's expires_at becomes created_at + N; bad values are 400 in the
route's envelope. (The janitor's purge at expiry is tested with a fake clock in
tests/unit/lifecycle/janitor_test.cc; the session e2e test shows it on a short session TTL.)"""

import base64

import pytest
import requests

from e2e_util import assert_openai_error, describe
from test_presigned import presigned_error

DAY = 86400


def after(seconds):
    return {"anchor": "created_at", "seconds": seconds}


def file_of(api, fid):
    r = api.get(api.base + f"/v1/files/{fid}", timeout=10)
    assert r.status_code == 200, describe(r)
    return r.json()


def test_post_files_sets_the_expiry(api):
    r = api.post(
        api.base + "/v1/files", files={"file": ("e.txt", b"abc")},
        data={"purpose": "user_data", "expires_after[anchor]": "created_at",
              "expires_after[seconds]": str(2 * DAY)}, timeout=30)
    assert r.status_code == 200, describe(r)
    assert r.json()["expires_at"] - r.json()["created_at"] == 2 * DAY


def test_confirm_upload_sets_the_expiry_from_creation(api):
    got = api.post(api.base + "/v1/files/upload-url", json={"filename": "c.txt"}, timeout=10).json()
    assert requests.put(got["upload_url"], data=b"hello", timeout=10).status_code == 200
    body = {"file_id": got["file_id"], "filename": "c.txt", "file_size": 5}
    bad = api.post(api.base + "/v1/files/confirm-upload", json={**body, "expires_after": after(60)},
                   timeout=30)
    presigned_error(bad, 400)
    r = api.post(api.base + "/v1/files/confirm-upload", json={**body, "expires_after": after(3 * DAY)},
                 timeout=30)
    assert r.status_code == 200, describe(r)
    f = file_of(api, got["file_id"])
    assert f["expires_at"] - f["created_at"] == 3 * DAY, f
    assert f["status"] == "processed"


def test_upload_url_expiry_is_kept_by_a_confirm_without_one(api):
    got = api.post(api.base + "/v1/files/upload-url",
                   json={"filename": "k.txt", "expires_after": after(4 * DAY)}, timeout=10).json()
    assert requests.put(got["upload_url"], data=b"kept\n", timeout=10).status_code == 200
    r = api.post(api.base + "/v1/files/confirm-upload",
                 json={"file_id": got["file_id"], "filename": "k.txt", "file_size": 5}, timeout=30)
    assert r.status_code == 200, describe(r)
    f = file_of(api, got["file_id"])
    assert f["expires_at"] - f["created_at"] == 4 * DAY


def test_complete_sets_the_completed_files_expiry(api):
    s = api.post(api.base + "/v1/uploads", json={"filename": "s.txt"}, timeout=10).json()
    assert s["expires_at"] - s["created_at"] == DAY  # the session TTL until then
    r = api.put(api.base + f"/v1/uploads/{s['id']}", json={"data": base64.b64encode(b"xyz").decode()},
                timeout=10)
    assert r.status_code == 200, describe(r)
    bad = api.post(api.base + f"/v1/uploads/{s['id']}/complete",
                   json={"expires_after": after(2592001)}, timeout=30)
    assert_openai_error(bad, 400, field_name="expires_after")
    done = api.post(api.base + f"/v1/uploads/{s['id']}/complete",
                    json={"expires_after": after(30 * DAY)}, timeout=30)
    assert done.status_code == 200, describe(done)
    f = file_of(api, s["id"])
    assert f["expires_at"] - f["created_at"] == 30 * DAY, f


@pytest.mark.parametrize("value", [after(3599), after(2592001), {"anchor": "last_active_at", "seconds": 3600},
                                   {"anchor": "created_at"}, "soon", 1.5])
def test_bad_values_are_400_on_every_json_route(api, value):
    presigned_error(api.post(api.base + "/v1/files/upload-url",
                             json={"filename": "b.txt", "expires_after": value}, timeout=10), 400)
    assert_openai_error(api.post(api.base + "/v1/uploads", json={"filename": "b.txt", "expires_after": value},
                                 timeout=10), 400, field_name="expires_after")
