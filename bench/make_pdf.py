#!/usr/bin/env python3
"""Test PDF for bench/process_bench.sh: PAGES pages of plain text (a text layer on every page, so no
OCR), written with reportlab's canvas API.  Usage: make_pdf.py PAGES OUT_FILE"""
import random
import sys

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
         "labore et dolore magna aliqua quarterly revenue grew while operating costs fell").split()


def main() -> None:
    pages, out = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(42)
    c = canvas.Canvas(out, pagesize=A4)
    width, height = A4
    for page in range(1, pages + 1):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(56, height - 56, f"Section {page}: benchmark report page {page}")
        c.setFont("Helvetica", 10)
        y = height - 80
        while y > 56:
            c.drawString(56, y, " ".join(rng.choice(WORDS) for _ in range(14)))
            y -= 13
        c.drawString(width / 2 - 10, 30, str(page))
        c.showPage()
    c.save()


if __name__ == "__main__":
    main()
