"""Processing wired into the upload flows (API.md sections 3, 6 and 7): POST /v1/files answers the
analysed file object (status processed, or error with status_details), and GET /v1/files/{id}/text
streams the extracted text as text/plain; charset=utf-8. A file that breaks the analyser fails alone;
the server keeps serving."""

from __future__ import annotations

import io
import json
import os

import pytest
import requests

from e2e_util import assert_file_object, assert_openai_error, describe, upload


def upload_processed(api, data: bytes, filename: str, content_type: str = "application/octet-stream") -> dict:
    r = upload(api, data, filename=filename, content_type=content_type)
    assert r.status_code == 200, describe(r)
    obj = r.json()
    assert_file_object(obj, data=data, filename=filename)
    return obj


def text_of(api, file_id) -> requests.Response:
    return api.get(api.base + f"/v1/files/{file_id}/text", timeout=30)


def test_csv_is_processed_on_upload_and_its_text_served(api):
    data = b"city,population\nParis,2100000\nLyon,520000\n"
    obj = upload_processed(api, data, "cities.csv")
    assert obj["status"] == "processed", obj
    m = obj["metadata"]
    assert m["type"] == "csv" and m["row_count"] == 2 and m["column_count"] == 2, m
    assert m["columns"][1] == {"name": "population", "type": "integer", "null_count": 0}, m
    assert obj["processing_summary"].startswith("CSV file with 2 rows"), obj
    assert obj["mime_type"] == "text/csv" and isinstance(obj["processed_at"], int), obj
    # The file object read back is the same.
    got = api.get(api.base + f"/v1/files/{obj['id']}", timeout=10).json()
    for k in ("status", "metadata", "processing_summary", "processed_at", "mime_type"):
        assert got[k] == obj[k], k
    t = text_of(api, obj["id"])
    assert t.status_code == 200, describe(t)
    assert t.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert t.content == data


def test_json_and_text_files(api):
    doc = {"name": "filesd", "tags": ["a", "b"], "nested": {"x": 1}}
    obj = upload_processed(api, json.dumps(doc).encode(), "doc.json", "application/json")
    m = obj["metadata"]
    assert obj["status"] == "processed" and m["type"] == "json", obj
    assert m["root_type"] == "object" and sorted(m["keys"]) == ["name", "nested", "tags"], m
    note = "Héllo wörld.\nSecond line here.\n".encode()
    obj = upload_processed(api, note, "note.txt", "text/plain")
    m = obj["metadata"]
    assert m["type"] == "text" and m["line_count"] == 2 and m["word_count"] == 5, m
    assert text_of(api, obj["id"]).content.decode() == note.decode()


def test_image_is_processed(api):
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(buf, format="PNG")
    obj = upload_processed(api, buf.getvalue(), "red.png", "image/png")
    m = obj["metadata"]
    assert obj["status"] == "processed" and m["type"] == "image", obj
    assert (m["format"], m["width"], m["height"], m["color_mode"]) == ("png", 64, 48, "RGB"), m
    assert obj["mime_type"] == "image/png"


def test_binary_is_processed_as_binary_without_text(api):
    data = os.urandom(20_000)
    obj = upload_processed(api, data, "noise.bin")
    assert obj["status"] == "processed" and obj["metadata"]["type"] == "binary", obj
    assert_openai_error(text_of(api, obj["id"]), 404)


def test_pdf_text_is_served(api):
    from test_presigned_seed import SENTENCE, make_report_pdf
    pdf = make_report_pdf(3000)
    obj = upload_processed(api, pdf, "r.pdf", "application/pdf")
    assert obj["status"] == "processed" and obj["metadata"]["type"] == "pdf", obj
    assert obj["metadata"]["page_count"] == 1
    assert SENTENCE in text_of(api, obj["id"]).text


@pytest.mark.parametrize("filename, data", [
    ("broken.pdf", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + b"\x00" * 3000),
    ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 40),
])
def test_a_file_the_analyser_refuses_is_error_and_the_server_keeps_serving(server, api, filename, data):
    obj = upload_processed(api, data, filename)
    assert obj["status"] == "error", obj
    assert isinstance(obj["status_details"], str) and obj["status_details"], obj
    assert obj["metadata"] is None and obj["processing_summary"] is None, obj
    for w in ("/tmp/", "/work/", "blobs/", "content/"):
        assert w not in obj["status_details"], obj
    assert_openai_error(text_of(api, obj["id"]), 404)
    # The content is still there, and the server still answers.
    assert api.get(api.base + f"/v1/files/{obj['id']}/content", timeout=10).content == data
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    assert upload_processed(api, b"a,b\n1,2\n", "after.csv")["status"] == "processed"


def test_processing_is_counted_in_metrics(server, api):
    upload_processed(api, b"x,y\n1,2\n", "m.csv")
    text = requests.get(server.url + "/metrics", timeout=10).text
    counts = [l for l in text.splitlines() if l.startswith("filesd_processing_duration_seconds_count")]
    assert counts and int(float(counts[0].split()[-1])) >= 1, counts


def test_an_analysis_cut_by_a_crash_is_resumed_at_the_next_start(server_factory, tmp_path):
    """The server dies while a file is being analysed (here: by a worker that never answers); the
    file is left in `processing`. The next start analyses it again, so it ends `processed`."""
    import signal
    import threading
    import time

    hang = tmp_path / "hanging-worker"
    hang.write_text("#!/bin/sh\nexec sleep 20\n")
    hang.chmod(0o755)
    srv = server_factory({"worker-path": hang, "process-timeout": 60})
    s = srv.session(srv.create_key("resume"))
    t = threading.Thread(target=lambda: _quietly(lambda: upload(s, b"name,n\na,1\nb,2\n", filename="r.csv")))
    t.start()
    deadline = time.monotonic() + 10
    listed = []
    while time.monotonic() < deadline:
        listed = s.get(s.base + "/v1/files", timeout=10).json()["data"]
        if listed and listed[0]["status"] == "processing":
            break
        time.sleep(0.05)
    assert listed and listed[0]["status"] == "processing", listed
    fid = listed[0]["id"]
    srv.stop(signal.SIGKILL)
    t.join(timeout=10)

    del srv.flags["worker-path"]
    srv.start()
    s = srv.session(s.headers["Authorization"].split()[1])
    f = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        f = s.get(s.base + f"/v1/files/{fid}", timeout=10).json()
        if f["status"] != "processing":
            break
        time.sleep(0.1)
    assert f["status"] == "processed", f
    assert f["metadata"]["row_count"] == 2, f
    deadline = time.monotonic() + 5  # the log line follows the row's update
    while "resumed 1 analyses" not in srv.stderr_since_start() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "resumed 1 analyses interrupted by the previous process" in srv.stderr_since_start()


def _quietly(fn):
    try:
        fn()
    except requests.RequestException:
        pass  # the server is killed under it


def make_scanned_pdf(words: list[str]) -> bytes:
    """A PDF whose pages are only pictures of a word each (no text layer), as a scanner makes them."""
    from PIL import Image, ImageDraw, ImageFont
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 64)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for word in words:
        img = Image.new("L", (900, 200), 255)
        ImageDraw.Draw(img).text((30, 60), word, fill=0, font=font)
        c.drawImage(ImageReader(img), 72, 600, width=450, height=100)
        c.showPage()
    c.save()
    return buf.getvalue()


SCANNED_WORDS = ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]


def test_a_scanned_pdf_is_read_by_ocr_page_by_page(api):
    obj = upload_processed(api, make_scanned_pdf(SCANNED_WORDS), "scan.pdf", "application/pdf")
    assert obj["status"] == "processed", obj
    m = obj["metadata"]
    assert (m["page_count"], m["ocr_pages"]) == (4, 4), m
    assert (m["ocr_skipped_pages"], m["ocr_skipped_page_count"]) == ([], 0), m
    assert (m["truncated"], m["truncation_reasons"]) == (False, []), m
    assert "not read" not in obj["processing_summary"], obj
    # One form feed between pages, in page order, as for pages with a text layer.
    assert text_of(api, obj["id"]).text == "\f".join(SCANNED_WORDS)


def test_an_ocr_cut_short_names_the_pages_it_did_not_read(server_factory):
    srv = server_factory({"max-ocr-pages": 2})
    s = srv.session(srv.create_key("ocr"))
    obj = upload_processed(s, make_scanned_pdf(SCANNED_WORDS), "scan.pdf", "application/pdf")
    assert obj["status"] == "processed", obj
    m = obj["metadata"]
    assert (m["page_count"], m["ocr_pages"]) == (4, 2), m
    assert m["ocr_skipped_pages"] == [{"first": 3, "last": 4, "reason": "ocr_page_limit"}], m
    assert m["ocr_skipped_page_count"] == 2, m
    assert (m["truncated"], m["truncation_reasons"]) == (True, ["ocr_page_limit"]), m
    assert obj["processing_summary"].endswith(
        "(2 pages read by OCR). Pages 3-4 were not read by OCR (limit of 2 OCR pages)."), obj
    # Unread pages stay in place, empty.
    assert text_of(s, obj["id"]).text == "ALPHA\fBRAVO\f\f"
