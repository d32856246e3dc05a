#!/usr/bin/python3
"""Generates the fixtures of the process tests (tests/unit/process) into a directory.

Usage: make_fixtures.py OUT_DIR

Deterministic: the same files every run, so the tests can assert exact metadata. Uses Debian's
python3-openpyxl, python3-xlwt, python3-reportlab and python3-pil (scripts/deps.sh installs them) and
the DejaVu fonts (fonts-dejavu-core) for text that OCR must read.
"""
import datetime
import io
import os
import random
import struct
import sys
import zipfile
import zlib

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- CSV and text


def make_csv(out):
    write(out, "basic.csv", (
        "id,name,price,sold_on,active,updated_at\n"
        "1,apple,1.5,2024-01-02,true,2024-01-02T10:00:00\n"
        "2,banana,,2024-01-03,false,2024-01-03 11:30\n"
        "3,cherry,2.25,2024-02-29,TRUE,2024-02-29T23:59:59Z\n"
        "4,,3,2024-03-01,False,\n"
        "5,elder,4.75,2024-03-02,yes,2024-03-02T08:15:00+02:00\n"
        "6,fig,NA,2024-03-03,no,2024-03-03T00:00:00\n"
        "7,grape,6.5,2024-03-04,true,2024-03-04T12:00:00\n").encode())
    # RFC 4180: CRLF, quoted delimiters, escaped quotes, a line break inside a field.
    write(out, "quoted.csv", (
        'city,note,count\r\n'
        '"Paris, France","said ""bonjour""",10\r\n'
        'Berlin,"two\r\nlines",20\r\n'
        '"Rome",plain,30\r\n').encode())
    write(out, "semicolon.csv", (
        "product;qty;comment\n"
        "pen;3;blue; not red\n"          # A ragged row: 4 fields.
        "ink;12;\"a;b\"\n"
        "pad;7;\n").encode())
    write(out, "utf16.csv", "name,age\nZoë,31\n李,42\n".encode("utf-16"))  # BOM + LE.
    write(out, "latin1.csv", "nom,ville\nJosé,Orléans\nRenée,Besançon\n".encode("latin-1"))
    write(out, "bom.csv", "a,b\n1,2\n".encode("utf-8-sig"))
    write(out, "tabs.tsv", b"x\ty\n1\t2\n3\t4\n")
    write(out, "pipes.csv", b"k|v\nalpha|1\nbeta|2\n")
    write(out, "noheader.csv", b"1,2.5,2024-01-01\n2,3.5,2024-01-02\n3,4.5,2024-01-03\n")
    write(out, "notes.txt", "Hello world.\nThis is a café.\r\nLast line without break".encode())
    write(out, "latin1.txt", "Grüße aus Köln\n".encode("latin-1"))


# ---------------------------------------------------------------- JSON


def make_json(out):
    write(out, "object.json", b'{"name": "filesd", "version": 2, "tags": ["a", "b"],'
                              b' "nested": {"deep": {"x": [1, 2, {"y": null}]}}, "ok": true}')
    write(out, "array.json", b'[{"id": 1}, {"id": 2}, [3, 4], "five", 6.5e1, null, false]')
    write(out, "scalar.json", b'  "just a string"  ')
    write(out, "records.jsonl", b'{"id": 1, "name": "a"}\n'
                                b'{"id": 2, "name": "b", "extra": [1, [2]]}\n'
                                b'{"id": 3, oops}\n'
                                b'\n'
                                b'{"id": 4, "name": "d"}\r\n')
    write(out, "deep.json", b"[" * 100000 + b"]" * 100000)
    write(out, "broken.json", b'{"a": 1, "b": [1, 2}')


# ---------------------------------------------------------------- images


def text_image(word, size=(480, 160), mode="RGB"):
    img = Image.new(mode, size, "white")
    draw = ImageDraw.Draw(img)
    draw.text((30, 40), word, fill="black", font=ImageFont.truetype(FONT, 64))
    return img


def save(img, fmt, **kw):
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def make_images(out):
    write(out, "ocr.png", save(text_image("FILESD"), "PNG"))
    write(out, "rgba.png", save(Image.new("RGBA", (30, 20), (10, 20, 30, 128)), "PNG"))
    write(out, "gray.png", save(Image.new("L", (17, 9), 100), "PNG"))
    write(out, "graya.png", save(Image.new("LA", (5, 6), (100, 50)), "PNG"))
    write(out, "palette.png", save(Image.new("RGB", (12, 8), (255, 0, 0)).convert("P"), "PNG"))
    write(out, "bilevel.png", save(Image.new("1", (33, 7), 1), "PNG"))
    write(out, "deep16.png", save(Image.new("I;16", (4, 3), 40000), "PNG"))
    write(out, "photo.jpg", save(Image.new("RGB", (64, 48), (200, 100, 50)), "JPEG", quality=90))
    write(out, "gray.jpg", save(Image.new("L", (40, 30), 128), "JPEG"))
    write(out, "cmyk.jpg", save(Image.new("CMYK", (20, 10), (0, 50, 100, 0)), "JPEG"))
    frames = [Image.new("P", (16, 16), i * 60) for i in range(3)]
    write(out, "anim.gif", save(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100,
                                loop=0))
    write(out, "rgba.webp", save(Image.new("RGBA", (25, 15), (0, 255, 0, 100)), "WEBP", lossless=True))
    write(out, "rgb.tiff", save(Image.new("RGB", (21, 13), (1, 2, 3)), "TIFF"))
    write(out, "rgb.bmp", save(Image.new("RGB", (19, 11), (9, 8, 7)), "BMP"))
    # A PNG that declares 100000 x 100000 pixels (10 gigapixels) over a tiny body.
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
    write(out, "huge.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
          chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


# ---------------------------------------------------------------- PDF


def make_pdf(out):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    def build(encrypt=None):
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4, invariant=1, encrypt=encrypt)
        c.setTitle("Quarterly Report")
        c.setAuthor("Ada Lovelace")
        c.setFont("Helvetica", 14)
        c.drawString(72, 760, "Revenue grew in the third quarter.")
        c.showPage()
        # Page 2: only a picture of a word, no text layer.
        img = text_image("INVOICE", size=(900, 200))
        c.drawImage(ImageReader(img), 72, 500, width=450, height=100)
        c.showPage()
        c.save()
        return buf.getvalue()

    # Scanned pages: each only a picture of a word. scanned.pdf has three; mixed.pdf has two between
    # pages with a text layer.
    def pages(kinds):
        buf = io.BytesIO()
        c = canvas.Canvas(buf, pagesize=A4, invariant=1)
        for kind, word in kinds:
            if kind == "text":
                c.setFont("Helvetica", 14)
                c.drawString(72, 760, word)
            else:
                c.drawImage(ImageReader(text_image(word, size=(900, 200))), 72, 600, width=450, height=100)
            c.showPage()
        c.save()
        return buf.getvalue()

    write(out, "scanned.pdf", pages([("scan", "ALPHA"), ("scan", "BRAVO"), ("scan", "CHARLIE")]))
    write(out, "mixed.pdf", pages([("text", "Page one has text."), ("scan", "ALPHA"), ("scan", "BRAVO"),
                                   ("text", "Closing page.")]))

    doc = build()
    write(out, "report.pdf", doc)
    write(out, "truncated.pdf", doc[: len(doc) // 3])
    rng = random.Random(7)
    write(out, "random.pdf", bytes(rng.randrange(256) for _ in range(4096)))
    from reportlab.lib import pdfencrypt
    write(out, "encrypted.pdf", build(pdfencrypt.StandardEncryption("", ownerPassword="owner", strength=128)))


# ---------------------------------------------------------------- Excel


def make_excel(out):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    ws.append(["id", "item", "price", "sold_on", "paid", "at"])
    rows = [
        (1, "pen", 1.5, datetime.date(2024, 1, 2), True, datetime.datetime(2024, 1, 2, 10, 30)),
        (2, "ink", 2.25, datetime.date(2024, 1, 3), False, datetime.datetime(2024, 1, 3, 11, 0)),
        (3, None, 3.0, datetime.date(2024, 1, 4), True, None),
    ]
    for r in rows:
        ws.append(list(r))
    notes = wb.create_sheet("Notes")
    notes.append(["note"])
    notes.append(["first, with comma"])
    notes.append(["second"])
    wb.properties.creator = "filesd"
    wb.properties.created = datetime.datetime(2024, 1, 1)
    wb.properties.modified = datetime.datetime(2024, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    write(out, "book.xlsx", normalize_zip(buf.getvalue()))

    import xlwt
    book = xlwt.Workbook()
    s1 = book.add_sheet("People")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for col, name in enumerate(["name", "age", "joined"]):
        s1.write(0, col, name)
    for row, (name, age, joined) in enumerate([("Ann", 31, datetime.date(2020, 5, 1)),
                                               ("Bob", 42, datetime.date(2021, 6, 2))], start=1):
        s1.write(row, 0, name)
        s1.write(row, 1, age)
        s1.write(row, 2, joined, date_style)
    s2 = book.add_sheet("Empty")
    del s2
    buf = io.BytesIO()
    book.save(buf)
    write(out, "legacy.xls", buf.getvalue())

    # Zip bombs: a sheet of 200 MB of spaces that deflates to about 200 KB.
    def bomb(lie):
        members = dict(read_zip(normalize_zip(buf_xlsx_minimal())))
        sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                 b'spreadsheetml/2006/main"><sheetData>' + b" " * (200 << 20) + b"</sheetData></worksheet>")
        members["xl/worksheets/sheet1.xml"] = sheet
        data = make_zip(members)
        if lie:
            # Declare 1 KB instead of 200 MB in both headers of the sheet entry.
            real = struct.pack("<I", len(sheet))
            data = data.replace(real, struct.pack("<I", 1024))
        return data
    write(out, "bomb.xlsx", bomb(False))
    write(out, "bomb_lying.xlsx", bomb(True))


def buf_xlsx_minimal():
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["x"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def read_zip(data):
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(n, z.read(n)) for n in z.namelist()]


def make_zip(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def normalize_zip(data):
    """Rewrites a zip with fixed timestamps so that the file is the same every run."""
    return make_zip(dict(read_zip(data)))


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    make_csv(out)
    make_json(out)
    make_images(out)
    make_pdf(out)
    make_excel(out)


if __name__ == "__main__":
    main()
