#!/usr/bin/env python3
"""A scanned PDF for bench/ocr_bench.sh: PAGES A4 pages, each one grey picture of a page of 11-point
text drawn at SCAN_DPI as a scanner would see it (tilted by up to half a degree, speckled grey
paper, JPEG), no text layer; plus the text drawn, one page per form
feed, so that OCR accuracy can be measured. Deterministic (seeded). Uses Debian's python3-reportlab,
python3-pil and fonts-dejavu-core.

Usage: make_scanned_pdf.py PAGES OUT_PDF OUT_TRUTH [SCAN_DPI (default 300)] [POINT_SIZE (default 11)]
"""
import io
import random
import sys

from PIL import Image, ImageChops, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
WORDS = ("the quarterly revenue grew while operating costs fell across every region and the board "
         "approved a new budget for research development marketing staff training customer support "
         "invoices were paid within thirty days according to the contract signed last year by both "
         "parties shipping delays affected orders from suppliers in several countries").split()


def scanned(img, rng):
    """Paper and scanner: a slight tilt, grey speckle, a little blur."""
    from PIL import ImageFilter
    img = img.rotate(rng.uniform(-0.5, 0.5), resample=Image.BILINEAR, fillcolor=255)
    paper = Image.effect_noise(img.size, 12).point(lambda v: min(255, v + 117))  # about 245 +- 12
    specks = Image.effect_noise(img.size, 32).point(lambda v: 255 if v < 30 else 0)  # 0.1% dark dots
    img = ImageChops.subtract(ImageChops.darker(img, paper), specks)
    return img.filter(ImageFilter.GaussianBlur(0.6))


def page_image(page, dpi, size, rng):
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    px = lambda pt: int(round(pt * dpi / 72))  # noqa: E731
    margin = px(72)
    body = ImageFont.truetype(FONT, px(size))
    lines = [f"Report page {page}"]
    draw.text((margin, margin), lines[0], fill=0, font=ImageFont.truetype(BOLD, px(16)))
    y = margin + px(32)
    while y < height - margin - px(14):
        line = " ".join(rng.choice(WORDS) for _ in range(11))
        if rng.random() < 0.3:
            line += f" {rng.randrange(10, 9999)}."
        draw.text((margin, y), line, fill=0, font=body)
        lines.append(line)
        y += px(size * 1.35)
    return scanned(img, rng), lines


def main():
    pages, out_pdf, out_truth = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    dpi = int(sys.argv[4]) if len(sys.argv) > 4 else 300
    size = float(sys.argv[5]) if len(sys.argv) > 5 else 11
    rng = random.Random(1234)
    c = canvas.Canvas(out_pdf, pagesize=A4, invariant=1)
    c.setTitle("Scanned report")
    truth = []
    for page in range(1, pages + 1):
        img, lines = page_image(page, dpi, size, rng)
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=75)  # Scanners write grey JPEG.
        buf.seek(0)
        c.drawImage(ImageReader(buf), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
        truth.append("\n".join(lines))
    c.save()
    with open(out_truth, "w") as f:
        f.write("\f".join(truth))


if __name__ == "__main__":
    main()
