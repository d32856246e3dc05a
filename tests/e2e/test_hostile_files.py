"""Hostile files through the real server (issue 3): each ends in a clean `error` on that file alone,
with a message that names the limit and no internal path, while the server keeps answering."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

import pytest
import requests

from test_processing import upload_processed


def png_declaring(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + \
        chunk(b"IEND", b"")


def xlsx_zip_bomb(inflated_bytes: int) -> bytes:
    """A well-formed workbook whose one sheet inflates to `inflated_bytes` of XML."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'content-types"><Override PartName="/xl/workbook.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="r1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
                   '</Relationships>')
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                   '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                   '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
                   '</Relationships>')
        head = ('<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                '2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>').encode()
        tail = b"</t></is></c></row></sheetData></worksheet>"
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(head)
            block = b"A" * (1 << 20)
            for _ in range(inflated_bytes >> 20):
                sheet.write(block)
            sheet.write(tail)
    return buf.getvalue()


def truncated_pdf() -> bytes:
    body = (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
            b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
            b"4 0 obj << /Length 44 >> stream\nBT /F1 24 Tf 100 700 Td (Hello) Tj ET\nendstream endobj\n")
    return body[: len(body) // 2]  # no xref, no trailer, cut mid-object


HOSTILE = [
    ("bomb.xlsx", lambda: xlsx_zip_bomb(600 << 20), ("decompress", "limit", "zip", "large")),
    ("huge.png", lambda: png_declaring(100000, 100000), ("pixel", "limit", "large")),
    ("deep.json", lambda: b"[" * 100000 + b"]" * 100000, ("deep", "nest", "depth")),
    ("truncated.pdf", truncated_pdf, ()),
    ("random.pdf", lambda: os.urandom(64 * 1024), ()),
]


@pytest.mark.parametrize("filename, make, words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_file_fails_alone_and_cleanly(server, api, filename, make, words):
    data = make()
    obj = upload_processed(api, data, filename)
    assert obj["bytes"] == len(data)
    assert obj["status"] == "error", obj
    details = obj["status_details"]
    assert isinstance(details, str) and details, obj
    for leaked in ("/tmp/", "/work/", "blobs/", "content/"):
        assert leaked not in details, details
    if words:
        assert any(w in details.lower() for w in words), details
    # The server keeps serving everyone else, and the file's own content is intact.
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200
    assert upload_processed(api, b"a,b\n1,2\n", "ok.csv")["status"] == "processed"
    assert api.get(api.base + f"/v1/files/{obj['id']}/content", timeout=30).content == data


def test_processing_limits_are_configurable(server_factory):
    """--max-json-depth and --max-image-pixels reach the worker: files within the defaults but over
    the configured limits end in error naming the limit."""
    srv = server_factory({"max-json-depth": 4, "max-image-pixels": 1000})
    key = srv.create_key("limits")
    api = srv.session(key)
    api.base = srv.url
    deep = upload_processed(api, b"[[[[[[1]]]]]]", "deep.json")
    assert deep["status"] == "error" and "deeper than 4" in deep["status_details"], deep
    big = upload_processed(api, png_declaring(100, 100), "big.png")
    assert big["status"] == "error" and "pixel" in big["status_details"].lower(), big
    ok = upload_processed(api, b"[[1]]", "ok.json")
    assert ok["status"] == "processed", ok
