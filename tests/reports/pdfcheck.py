"""Reading a PDF back the way a person and a phone would: its text, its QR codes, its metadata."""

import io
import re
import xml.etree.ElementTree as ET  # noqa: N817

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp
from pypdf import PdfReader

MM = 72 / 25.4  # PDF points per millimetre


def normalise(text: str) -> str:
    """One space between words; zero-width break points (in over-long words) removed."""
    return re.sub(r"\s+", " ", text.replace("\u200b", "")).strip()


def page_texts(pdf: bytes) -> list[str]:
    return [normalise(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def all_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def contains_in_order(text: str, words: list[str]) -> bool:
    """Every word appears, in this order (other text, like a card's header, may come between)."""
    position = 0
    for word in words:
        found = text.find(word, position)
        if found < 0:
            return False
        position = found + len(word)
    return True


def qr_codes(pdf: bytes, dpi: int = 200) -> list[list[tuple[str, float, float]]]:
    """Per page: the decoded QR codes as (text, x, y) of their centre in millimetres."""
    document = pdfium.PdfDocument(pdf)
    pages = []
    scale = dpi / 72
    for page in document:
        bitmap = page.render(scale=scale, grayscale=True)
        width, height, stride = bitmap.width, bitmap.height, bitmap.stride
        raw = bytes(bitmap.buffer)
        if stride != width:
            raw = b"".join(raw[row * stride : row * stride + width] for row in range(height))
        image = memoryview(raw).cast("B", (height, width))
        found = []
        for code in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode):
            corners = code.position
            x = (corners.top_left.x + corners.bottom_right.x) / 2 / scale / MM
            y = (corners.top_left.y + corners.bottom_right.y) / 2 / scale / MM
            found.append((code.text, x, y))
        pages.append(found)
    document.close()
    return pages


def text_boxes(pdf: bytes) -> list[tuple[list, list]]:
    """Per page, in millimetres from the top left: (glyph boxes, line boxes).

    Glyph boxes leave out white space (a line's trailing space may hang past the margin).
    """
    document = pdfium.PdfDocument(pdf)
    result = []
    for page in document:
        _width, height = page.get_size()
        textpage = page.get_textpage()

        def mm(left, bottom, right, top, height=height):
            return (left / MM, (height - top) / MM, right / MM, (height - bottom) / MM)

        glyphs = [
            mm(*textpage.get_charbox(index))
            for index in range(textpage.count_chars())
            if chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, index)).strip()
        ]
        lines = [mm(*textpage.get_rect(index)) for index in range(textpage.count_rects())]
        result.append((glyphs, lines))
    document.close()
    return result


def overlapping(boxes, tolerance: float = 0.3) -> list[tuple]:
    """Pairs of text runs that overlap by more than `tolerance` mm: text printed over text."""
    pairs = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx > tolerance and dy > tolerance:
                pairs.append((a, b))
    return pairs


XMP_NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
}


def xmp_value(pdf: bytes, name: str) -> list[str]:
    """All values of an XMP property like "pdfaid:part", as element or attribute."""
    reader = PdfReader(io.BytesIO(pdf))
    root = ET.fromstring(reader.trailer["/Root"]["/Metadata"].get_data())  # noqa: S314
    prefix, local = name.split(":")
    qualified = f"{{{XMP_NAMESPACES[prefix]}}}{local}"
    values = []
    for element in root.iter():
        if element.tag == qualified:
            items = element.findall(".//rdf:li", XMP_NAMESPACES)
            values += [item.text or "" for item in items] or [element.text or ""]
        if qualified in element.attrib:
            values.append(element.attrib[qualified])
    return values


def fonts(pdf: bytes) -> list[dict]:
    """Every font used on any page: name and whether its program is embedded."""
    reader = PdfReader(io.BytesIO(pdf))
    seen = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        stack = [resources]
        while stack:
            resource = stack.pop()
            for font in (resource.get("/Font") or {}).values():
                font = font.get_object()
                descendants = font.get("/DescendantFonts") or [font]
                for descendant in descendants:
                    descendant = descendant.get_object()
                    descriptor = descendant.get("/FontDescriptor", {}).get_object()
                    embedded = any(
                        key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")
                    )
                    seen[str(descendant.get("/BaseFont"))] = embedded
            for xobject in (resource.get("/XObject") or {}).values():
                xobject = xobject.get_object()
                if "/Resources" in xobject:
                    stack.append(xobject["/Resources"])
    return [{"name": name, "embedded": embedded} for name, embedded in seen.items()]
