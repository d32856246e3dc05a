"""Authentication (API.md section 1): 401 without a Bearer key, 403 for unknown or revoked keys, the
OpenAI envelope with the seed's codes on every route, and keys managed by `filesd keys`."""

import pytest
import requests

from e2e_util import assert_openai_error, random_uuid4, unique_project, upload_ok
from filesd_server import split_key


def routes(file_id: str):
    return [
        ("POST", "/v1/files"),
        ("GET", "/v1/files"),
        ("GET", f"/v1/files/{file_id}"),
        ("DELETE", f"/v1/files/{file_id}"),
        ("GET", f"/v1/files/{file_id}/content"),
    ]


def call(server, method, path, headers):
    kw = {}
    if method == "POST":
        kw["files"] = {"file": ("a.txt", b"hello", "text/plain")}
        kw["data"] = {"purpose": "user_data"}
    return requests.request(method, server.url + path, headers=headers, timeout=10, **kw)


@pytest.fixture
def existing_file(server, api):
    return upload_ok(api, b"auth test content", filename="a.txt")


@pytest.mark.parametrize("auth", [None, "Basic dXNlcjpwYXNz", "Token {key}", "{key}", "Bearer"],
                         ids=["no-header", "basic", "token-scheme", "bare-key", "bearer-without-token"])
def test_missing_or_non_bearer_is_401_on_every_route(server, api, existing_file, auth):
    key = api.headers["Authorization"].split(" ", 1)[1]
    headers = {} if auth is None else {"Authorization": auth.format(key=key)}
    for method, path in routes(existing_file["id"]):
        r = call(server, method, path, headers)
        assert_openai_error(r, 401, code="missing_api_key", secret_words=(key,))
    # Auth is decided before the id is looked at: a malformed id is still 401.
    r = call(server, "GET", "/v1/files/not-a-uuid", headers)
    assert_openai_error(r, 401, code="missing_api_key")
    # Nothing was created by the refused POSTs.
    assert api.get(server.url + "/v1/files", timeout=10).json()["total"] == 1


def test_unknown_keys_are_403_on_every_route(server, api, existing_file):
    key = api.headers["Authorization"].split(" ", 1)[1]
    key_id = server.key_id_of(key)
    bad_keys = [
        "not-a-filesd-key",
        "fsd_" + "0" * 12 + "_" + "A" * 32,  # well formed, unknown id
        f"fsd_{key_id}_" + "x" * 40,         # known key id, wrong secret
        key + "x",                          # the right key with one more character
        key[:-1],                           # the right key missing its last character
    ]
    for bad in bad_keys:
        for method, path in routes(existing_file["id"]):
            r = call(server, method, path, {"Authorization": f"Bearer {bad}"})
            assert_openai_error(r, 403, code="invalid_api_key", secret_words=(key,))
    assert api.get(server.url + "/v1/files", timeout=10).json()["total"] == 1


def test_bearer_scheme_is_case_insensitive(server, api):
    # RFC 9110 section 11.1: the auth scheme is case-insensitive.
    key = api.headers["Authorization"].split(" ", 1)[1]
    r = requests.get(server.url + "/v1/files", headers={"Authorization": f"bearer {key}"}, timeout=10)
    assert r.status_code == 200, r.text


def test_health_and_metrics_need_no_key(server):
    for path in ("/healthz", "/readyz", "/metrics"):
        r = requests.get(server.url + path, timeout=10)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        assert r.headers.get("X-Request-Id"), path


def test_revoked_key_is_403_and_other_keys_of_the_project_still_work(server):
    project = unique_project("revoke")
    key1 = server.create_key(project)
    key2 = server.create_key(project)
    assert key1 != key2
    s1, s2 = server.session(key1), server.session(key2)
    f = upload_ok(s1, b"before revocation")
    # Two keys of one project see the same files.
    assert s2.get(server.url + f"/v1/files/{f['id']}", timeout=10).status_code == 200

    key1_id = server.key_id_of(key1)
    key2_id = server.key_id_of(key2)
    server.cli("keys", "revoke", key1_id)

    for path in ("/v1/files", f"/v1/files/{f['id']}", f"/v1/files/{f['id']}/content"):
        assert_openai_error(s1.get(server.url + path, timeout=10), 403, code="invalid_api_key")
    r = s1.post(server.url + "/v1/files", files={"file": ("x", b"x")}, data={"purpose": "user_data"}, timeout=10)
    assert_openai_error(r, 403, code="invalid_api_key")
    assert_openai_error(s1.delete(server.url + f"/v1/files/{f['id']}", timeout=10), 403, code="invalid_api_key")

    r = s2.get(server.url + f"/v1/files/{f['id']}", timeout=10)
    assert r.status_code == 200, "revoking one key must not affect the project's other keys"

    lines = server.list_keys()
    line1 = [l for l in lines if key1_id in l.split()]
    line2 = [l for l in lines if key2_id in l.split()]
    assert len(line1) == 1 and len(line2) == 1, lines
    assert project in line1[0] and "revoked" in line1[0], line1
    assert project in line2[0] and "active" in line2[0] and "revoked" not in line2[0], line2
    # The secret is never listed.
    assert all(split_key(key1)[1] not in l and split_key(key2)[1] not in l for l in lines)


def test_keys_create_prints_a_fresh_key_each_time(server):
    project = unique_project("many")
    keys = {server.create_key(project) for _ in range(3)}
    assert len(keys) == 3
    for k in keys:
        secret = split_key(k)[1]
        assert len(secret) >= 22, f"a key must carry at least 128 random bits: {k}"
        r = requests.get(server.url + "/v1/files", headers={"Authorization": f"Bearer {k}"}, timeout=10)
        assert r.status_code == 200 and r.json()["total"] == 0


def test_revoking_an_unknown_key_id_fails(server):
    p = server.cli("keys", "revoke", "doesnotexist0", check=False)
    assert p.returncode != 0, "revoking an unknown key id must fail"


def test_secret_is_not_logged(server, api):
    key = api.headers["Authorization"].split(" ", 1)[1]
    secret = split_key(key)[1]
    api.get(server.url + "/v1/files", timeout=10)
    requests.get(server.url + "/v1/files", headers={"Authorization": f"Bearer {key}zz"}, timeout=10)
    rid = api.get(server.url + f"/v1/files/{random_uuid4()}", timeout=10).headers["X-Request-Id"]
    server.wait_for_log(lambda rec: rid in str(rec))
    assert secret not in server.stdout_text() and secret not in server.stderr_text(), "an API key secret is logged"
