"""GET /v1/files (API.md section 3): project isolation, purpose filter, limit/offset, OpenAI's after/order,
and total/has_more/first_id/last_id."""

import pytest

from e2e_util import assert_file_object, assert_openai_error, random_uuid4, unique_project, upload_ok

N_USER = 5
N_ASSIST = 2


@pytest.fixture(scope="module")
def paged(_shared_server):
    """A project with 7 files uploaded in quick succession (several share a created_at second, so the
    tie-break of the order matters), and a second project with files of its own."""
    srv = _shared_server
    other = srv.session(srv.create_key(unique_project("other")))
    upload_ok(other, b"other project 1", filename="o1.txt")
    s = srv.session(srv.create_key(unique_project("paged")))
    ids = []
    for i in range(N_USER + N_ASSIST):
        purpose = "assistants" if i in (2, 5) else "user_data"
        ids.append(upload_ok(s, f"file {i}".encode(), filename=f"f{i}.txt", purpose=purpose)["id"])
    upload_ok(other, b"other project 2", filename="o2.txt")
    return s, ids, other


def get_list(s, **params):
    r = s.get(s.base + "/v1/files", params=params, timeout=10)
    assert r.status_code == 200, f"{r.request.url}: {r.status_code} {r.text[:500]}"
    body = r.json()
    for k in ("object", "data", "total", "has_more", "first_id", "last_id"):
        assert k in body, f"list lacks {k}: {body}"
    assert body["object"] == "list"
    assert isinstance(body["data"], list) and isinstance(body["total"], int) and isinstance(body["has_more"], bool)
    if body["data"]:
        assert body["first_id"] == body["data"][0]["id"] and body["last_id"] == body["data"][-1]["id"], body
    else:
        assert body["first_id"] is None and body["last_id"] is None, body
    return body


def ids_of(body):
    return [f["id"] for f in body["data"]]


def test_default_list_is_newest_first_and_only_own_files(server, paged):
    s, ids, other = paged
    body = get_list(s)
    assert body["total"] == len(ids)
    assert body["has_more"] is False
    assert sorted(ids_of(body)) == sorted(ids), "the list must show exactly the project's own files"
    created = [f["created_at"] for f in body["data"]]
    assert created == sorted(created, reverse=True), "default order is desc by created_at"
    for f in body["data"]:
        assert_file_object(f)
    # The entries are the same objects GET /v1/files/{id} answers.
    one = s.get(s.base + f"/v1/files/{ids[0]}", timeout=10).json()
    listed = next(f for f in body["data"] if f["id"] == ids[0])
    for k in ("id", "bytes", "filename", "purpose", "sha256", "created_at", "status", "mime_type"):
        assert listed[k] == one[k], k
    # The other project sees only its two files.
    ob = get_list(other)
    assert ob["total"] == 2 and not set(ids_of(ob)) & set(ids)


def test_asc_is_the_reverse_of_desc(paged):
    s, ids, _ = paged
    desc = ids_of(get_list(s, order="desc"))
    asc = get_list(s, order="asc")
    created = [f["created_at"] for f in asc["data"]]
    assert created == sorted(created)
    assert ids_of(asc) == list(reversed(desc)), "files with equal created_at must keep one consistent tie-break"
    assert ids_of(get_list(s)) == desc
    # With distinct creation seconds the upload order is the order; with ties only the sets can be compared.
    assert sorted(ids_of(asc)) == sorted(ids)


@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_offset_paging(paged, order, limit):
    s, ids, _ = paged
    full = ids_of(get_list(s, order=order))
    got, offset = [], 0
    while True:
        page = get_list(s, order=order, limit=limit, offset=offset)
        assert page["total"] == len(ids), "total counts all matching files, whatever the page"
        assert len(page["data"]) <= limit
        got += ids_of(page)
        offset += limit
        assert page["has_more"] == (offset < len(ids)), (offset, page)
        if not page["has_more"]:
            break
    assert got == full


@pytest.mark.parametrize("order", ["desc", "asc"])
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_after_cursor_paging(paged, order, limit):
    s, ids, _ = paged
    full = ids_of(get_list(s, order=order))
    got, after, pages = [], None, 0
    while True:
        params = {"order": order, "limit": limit}
        if after:
            params["after"] = after
        page = get_list(s, **params)
        pages += 1
        assert pages <= len(ids) + 1, "paging with after does not terminate"
        got += ids_of(page)
        if not page["has_more"]:
            break
        assert len(page["data"]) == limit, page
        after = page["last_id"]
    assert got == full, "paging with after must visit every file once, in order"


def test_purpose_filter(paged):
    s, ids, _ = paged
    a = get_list(s, purpose="assistants")
    assert a["total"] == N_ASSIST and len(a["data"]) == N_ASSIST
    assert all(f["purpose"] == "assistants" for f in a["data"])
    assert set(ids_of(a)) == {ids[2], ids[5]}
    u = get_list(s, purpose="user_data", limit=2)
    assert u["total"] == N_USER and len(u["data"]) == 2 and u["has_more"] is True
    assert all(f["purpose"] == "user_data" for f in u["data"])
    # after + purpose: the rest of the user_data files.
    rest = get_list(s, purpose="user_data", after=u["last_id"], limit=100)
    assert rest["total"] == N_USER, "total counts all matching files, regardless of the cursor"
    assert len(rest["data"]) == N_USER - 2 and rest["has_more"] is False
    assert all(f["purpose"] == "user_data" for f in rest["data"])
    assert not set(ids_of(rest)) & set(ids_of(u))
    empty = get_list(s, purpose="vision")
    assert empty["total"] == 0 and empty["data"] == [] and empty["has_more"] is False


def test_limit_bounds(paged):
    s, ids, _ = paged
    one = get_list(s, limit=1)
    assert len(one["data"]) == 1 and one["has_more"] is True and one["total"] == len(ids)
    assert one["first_id"] == one["last_id"]
    big = get_list(s, limit=1000)
    assert len(big["data"]) == len(ids) and big["has_more"] is False


def test_offset_past_the_end(paged):
    s, ids, _ = paged
    body = get_list(s, offset=len(ids) + 5)
    assert body["data"] == [] and body["has_more"] is False and body["total"] == len(ids)


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1.5", "", "99999999999999999999"])
def test_bad_limit_is_400(api, limit):
    r = api.get(api.base + "/v1/files", params={"limit": limit}, timeout=10)
    assert_openai_error(r, 400, field_name="limit")


def test_another_projects_file_as_after_cursor_shows_nothing_of_it(paged):
    s, ids, other = paged
    ob = get_list(other)
    # Whatever the answer (400, 404 or an empty/ignored cursor), it must not leak the other project's files.
    r = s.get(s.base + "/v1/files", params={"after": ob["data"][0]["id"]}, timeout=10)
    if r.status_code == 200:
        assert not set(ids_of(r.json())) & set(ids_of(ob))
    else:
        assert_openai_error(r, r.status_code)
        assert r.status_code in (400, 404)
    r = s.get(s.base + "/v1/files", params={"after": random_uuid4()}, timeout=10)
    assert r.status_code in (200, 400, 404)


def test_new_project_has_an_empty_list(api):
    body = get_list(api)
    assert body == {"object": "list", "data": [], "total": 0, "has_more": False, "first_id": None,
                    "last_id": None} or (body["data"] == [] and body["total"] == 0)
