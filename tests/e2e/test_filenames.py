"""Multipart filenames as real clients send them, round-tripped byte-exactly.

curl (7.81+), urllib3 2 (Python `requests`), fetch's FormData (the OpenAI SDK, browsers) all write a
multipart filename with WHATWG form encoding: raw UTF-8, '"' as %22, CR and LF as %0D and %0A, and a
backslash as itself. filesd decodes exactly that, and answers the name back unchanged in the file object
and in the download's Content-Disposition (RFC 6266: an ASCII fallback plus filename*=UTF-8''...).
The OpenAI SDK's side is in node/openai_sdk.test.mjs."""
from __future__ import annotations

import socket
import subprocess

import pytest
import requests
import urllib3

from e2e_util import Part, describe, multipart_body, new_boundary, parse_content_disposition, upload_parts

NAMES = [
    'Résumé "final" \\ draft.pdf',
    'a"b.txt',
    'back\\slash.csv',
    'two\\\\backslashes.txt',
    'ends with backslash\\',
    '"only quotes"',
    'emoji 📄🎉 東京.txt',
    "semi;colon, it's = (1).txt",
    '100% sure.txt',
]


def check_round_trip(api, created: requests.Response, name: str, data: bytes):
    assert created.status_code == 200, describe(created)
    obj = created.json()
    assert obj["filename"] == name, (obj["filename"], name)
    assert api.get(api.base + f"/v1/files/{obj['id']}", timeout=10).json()["filename"] == name
    listed = api.get(api.base + "/v1/files", timeout=10).json()["data"]
    assert [f["filename"] for f in listed if f["id"] == obj["id"]] == [name]

    c = api.get(api.base + f"/v1/files/{obj['id']}/content", timeout=10)
    assert c.status_code == 200 and c.content == data
    raw = c.raw._original_response.msg.get("Content-Disposition")  # as sent, decoded as latin-1
    assert raw.isascii(), raw
    dtype, params = parse_content_disposition(raw)
    assert dtype == "attachment", raw
    fallback = params["filename"]
    assert '"' not in fallback and "\\" not in fallback, raw
    exact = params.get("filename*", fallback)
    assert exact == name, f"the download names {exact!r}, not {name!r}: {raw!r}"
    return obj


def curl_quoted(name: str) -> str:
    # curl's -F syntax: inside a quoted filename, \" is a quote and \\ a backslash.
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.parametrize("name", NAMES)
def test_curl_upload_round_trips(api, tmp_path, name):
    data = b"curl " + name.encode()
    src = tmp_path / "payload.bin"
    src.write_bytes(data)
    p = subprocess.run(
        ["curl", "-sS", "-w", "\n%{http_code}", api.base + "/v1/files",
         "-H", f"Authorization: {api.headers['Authorization']}",
         "-F", "purpose=user_data", "-F", f"file=@{src};filename={curl_quoted(name)}"],
        capture_output=True, timeout=30)
    assert p.returncode == 0, p.stderr
    body, _, code = p.stdout.rpartition(b"\n")
    assert code == b"200", p.stdout
    created = requests.Response()
    created.status_code, created._content = 200, body
    check_round_trip(api, created, name, data)


def test_curl_sends_the_form_encoding_filesd_reads(tmp_path):
    """What the curl tests rely on: this curl writes '"' as %22 and a backslash as is (WHATWG)."""
    src = tmp_path / "x"
    src.write_bytes(b"x")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(20)
    port = listener.getsockname()[1]
    curl = subprocess.Popen(["curl", "-sS", "-m", "10", "-o", "/dev/null", f"http://127.0.0.1:{port}/",
                             "-F", f"file=@{src};filename={curl_quoted('a' + chr(34) + 'b' + chr(92) + 'c')}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        conn, _ = listener.accept()
        conn.settimeout(10)
        got = b""
        while b"Content-Disposition: form-data; name=\"file\"" not in got or not got.endswith(b"\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            got += chunk
        conn.close()
    finally:
        listener.close()
        curl.kill()
        curl.wait()
    assert b'filename="a%22b\\c"' in got, got


@pytest.mark.parametrize("name", NAMES)
def test_requests_upload_round_trips(api, name):
    if "\\" in name and int(urllib3.__version__.split(".")[0]) < 2:
        pytest.skip(f"urllib3 {urllib3.__version__} doubles backslashes in multipart filenames "
                    "(urllib3 2, curl and browsers send them as is)")
    data = b"requests " + name.encode()
    r = api.post(api.base + "/v1/files", files={"file": (name, data)}, data={"purpose": "user_data"}, timeout=30)
    check_round_trip(api, r, name, data)


@pytest.mark.parametrize("name", NAMES)
def test_whatwg_form_encoding_round_trips(api, name):
    """The bytes browsers send (WHATWG HTML multipart/form-data), built by hand."""
    data = b"form " + name.encode()
    b = new_boundary()
    body = multipart_body(upload_parts(data, filename=name, content_type="text/plain"), b)
    assert b"%22" in body or '"' not in name
    r = api.post(api.base + "/v1/files", data=body,
                 headers={"Content-Type": f"multipart/form-data; boundary={b}"}, timeout=30)
    check_round_trip(api, r, name, data)


def raw_disposition_upload(api, disposition: str, data: bytes = b"raw") -> requests.Response:
    b = new_boundary()
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nuser_data\r\n"
            f"--{b}\r\nContent-Disposition: {disposition}\r\nContent-Type: text/plain\r\n\r\n").encode()
    body += data + f"\r\n--{b}--\r\n".encode()
    return api.post(api.base + "/v1/files", data=body,
                    headers={"Content-Type": f"multipart/form-data; boundary={b}"}, timeout=30)


def test_backslash_escaped_quotes_still_parse(api):
    # Generators that escape per RFC 7578 / quoted-string (Go's mime/multipart) send '"' as \".
    r = raw_disposition_upload(api, 'form-data; name="file"; filename="say \\"hi\\".txt"')
    check_round_trip(api, r, 'say "hi".txt', b"raw")


def test_filename_star_is_decoded_as_today(api):
    r = raw_disposition_upload(api, "form-data; name=\"file\"; filename=\"fallback.txt\"; "
                                    "filename*=UTF-8''R%C3%A9sum%C3%A9%20%22q%22%20%5C.txt")
    check_round_trip(api, r, 'Résumé "q" \\.txt', b"raw")


@pytest.mark.parametrize("escape", ["%0D", "%0A", "%0d%0a"])
def test_encoded_line_breaks_are_decoded_then_refused(api, escape):
    r = raw_disposition_upload(api, f'form-data; name="file"; filename="a{escape}b.txt"')
    assert r.status_code == 400, describe(r)
    assert "control character" in r.json()["error"]["message"], describe(r)
