"""The seed's own Python example (tests/e2e/seed_example.py: seed 000's "Complete Upload Flow", the host
and key placeholders replaced, the chat step left out) run unchanged as a client process against
filesd, with a real 45678-byte report.pdf, then checked over the API: the file is processed as a PDF
and its text is what a chat service would read (API.md sections 4, 6 and 7)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from e2e_util import describe, sha256_hex

SEED_EXAMPLE = Path(__file__).with_name("seed_example.py")
SEED_FILE_SIZE = 45678  # what the seed's confirm call hard-codes
SENTENCE = "Revenue grew in the third quarter."


def make_report_pdf(size: int) -> bytes:
    """A one-page PDF with a text layer, padded (through its Subject) to exactly `size` bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    def build(pad: int) -> bytes:
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4, invariant=1)
        c.setTitle("Quarterly Report")
        c.setAuthor("filesd e2e")
        c.setSubject("x" * pad)
        c.setFont("Helvetica", 14)
        c.drawString(72, 760, SENTENCE)
        c.showPage()
        c.save()
        return buf.getvalue()

    pad = 0
    for _ in range(10):
        doc = build(pad)
        if len(doc) == size:
            return doc
        pad += size - len(doc)
        assert pad >= 0, "the bare PDF is already larger than the size asked for"
    raise AssertionError(f"could not make a PDF of exactly {size} bytes")


def test_seed_example_runs_unchanged_end_to_end(server, new_key, tmp_path):
    key = new_key()
    pdf = make_report_pdf(SEED_FILE_SIZE)
    (tmp_path / "report.pdf").write_bytes(pdf)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FILESD_")}
    env.update(FILESD_URL=server.url, FILESD_API_KEY=key)
    p = subprocess.run([sys.executable, str(SEED_EXAMPLE)], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, f"the seed example failed:\n{p.stdout}\n{p.stderr}"

    s = server.session(key)
    files = s.get(server.url + "/v1/files", timeout=10).json()["data"]
    assert len(files) == 1, files
    f = files[0]
    assert f["filename"] == "report.pdf" and f["bytes"] == SEED_FILE_SIZE, f
    assert f["sha256"] == sha256_hex(pdf), f
    assert f["status"] == "processed", f
    assert f["mime_type"] == "application/pdf", f
    m = f["metadata"]
    assert m["type"] == "pdf" and m["page_count"] == 1 and m["encrypted"] is False, m
    assert m["title"] == "Quarterly Report" and m["author"] == "filesd e2e", m
    assert m["text_chars"] >= len(SENTENCE) and m["ocr_pages"] == 0, m
    assert "PDF" in f["processing_summary"], f

    content = s.get(server.url + f"/v1/files/{f['id']}/content", timeout=10)
    assert content.content == pdf
    text = s.get(server.url + f"/v1/files/{f['id']}/text", timeout=10)
    assert text.status_code == 200, describe(text)
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert SENTENCE in text.text

    # The seed's confirm call, repeated by hand, answers the stored result (no second analysis).
    r = s.post(server.url + "/v1/files/confirm-upload",
               json={"file_id": f["id"], "filename": "report.pdf", "file_size": SEED_FILE_SIZE}, timeout=30)
    assert r.status_code == 200, describe(r)
    c = r.json()
    assert c["success"] is True and c["metadata"] == m and c["processed_at"] == f["processed_at"], c
