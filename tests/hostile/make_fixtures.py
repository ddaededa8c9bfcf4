"""Write the hostile messages of issue 9 ("bounded work per message") as real .eml files.

Each is built here, at test or benchmark time, rather than committed: the largest would be many
megabytes in the repository, and the point of several is what they inflate to, not their size.
Every message comes from a known IRO with a "Pre-Dispute Resolution" subject, so that each one
goes as far into mailbot as a real alert would. Run it to look at them:

    python tests/hostile/make_fixtures.py DIR        # writes DIR/<name>.eml for every shape

Shapes (issue 9, item 3):

- ``zip_bomb``: a 1.4 MB message whose .docx holds a document.xml that declares 4 KB and inflates
  to 1 GiB (an XML opening and then spaces), built from repeated deflate blocks so that making
  it costs nothing; ``zip_bomb_2g`` the same at 2 GiB, and ``zip_bomb_lzma`` a 64 MiB member
  packed with LZMA instead of deflate (zipfile inflates both).
- ``huge_xml``: an honest .docx whose document.xml is 19 MB: a real form table first, then
  paragraphs of narrative.
- ``many_elements``: a .docx whose document.xml is under 6 MB but holds a million elements;
  ``many_forms``: forty such .docx files attached to one message.
- ``dates_20000``: a plain body with 20,000 dates; ``dates_2mb``: a 2 MB body of dates.
- ``html_flat``: an HTML-only body whose table has 100,000 rows (500,000 tags);
  ``html_nested``: an HTML-only body of 500,000 nested tags; ``html_attachment``: an attached
  .html "form" whose table has 120,000 rows (600,000 tags, 3 MB).
- ``case_ids_5000``: a body naming 5,000 children's case IDs.
"""

from __future__ import annotations

import binascii
import io
import lzma
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

DOMAIN = "luton.example.gov.uk"
SENDER = f"sam.iro@{DOMAIN}"  # an IRO in the embedded default configuration's directory
MANAGER = f"dana.tm@{DOMAIN}"
MAILBOX = f"drp@{DOMAIN}"
DATE = "Tue, 04 May 2027 10:00:00 +0100"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_XML_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W_NS}"><w:body>'
_XML_TAIL = "</w:body></w:document>"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
MiB = 1024 * 1024


def message(name: str, body: str | None, *, html: str | None = None, docx: bytes | None = None,
            html_file: str | None = None, copies: int = 1) -> bytes:
    """A new informal alert from the IRO: a plain ``body``, an ``html`` body (the only one when
    ``body`` is None, as Outlook's HTML-only mail), and optionally an attached form."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = SENDER
    msg["To"] = MANAGER
    msg["Cc"] = MAILBOX
    msg["Subject"] = "Pre-Dispute Resolution"
    msg["Date"] = DATE
    msg["Message-ID"] = f"<hostile-{name}@test.example>"
    if body is not None:
        msg.set_content(body)
        if html is not None:
            msg.add_alternative(html, subtype="html")
    else:
        msg.set_content(html or "", subtype="html")
    for _ in range(copies if docx is not None else 0):
        msg.add_attachment(docx, maintype="application", subtype=DOCX_TYPE.split("/", 1)[1],
                           filename="drp-form.docx")
    if html_file is not None:
        msg.add_attachment(html_file, subtype="html", filename="drp-form.html")
    return msg.as_bytes()


# ---- .docx packages ------------------------------------------------------------------------

def _form_table() -> str:
    """A small, genuine form table: what a real DRP form's document.xml starts with."""
    rows = [("Stage", "Stage 1"), ("Child ID", "1234567"), ("Category of concern", "Drift and delay"),
            ("Details of concern", "The care plan has not been reviewed.")]
    cells = "".join(
        f"<w:tr><w:tc><w:p><w:r><w:t>{label}</w:t></w:r></w:p></w:tc>"
        f"<w:tc><w:p><w:r><w:t>{value}</w:t></w:r></w:p></w:tc></w:tr>"
        for label, value in rows
    )
    return f"<w:tbl>{cells}</w:tbl>"


def honest_docx(document_xml: bytes) -> bytes:
    """A .docx package whose members are what they say they are (zipfile writes the sizes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def _deflate_repeated(head: bytes, filler: bytes, repeats: int, tail: bytes) -> bytes:
    """A raw deflate stream of head + filler * repeats + tail, without compressing it all.

    Each piece comes from its own compressor and ends on a full flush (byte-aligned, nothing
    referring back), so the filler's compressed block can simply be written ``repeats`` times.
    """
    def piece(data: bytes, final: bool) -> bytes:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15)
        return packer.compress(data) + packer.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)

    return piece(head, False) + piece(filler, False) * repeats + piece(tail, True)


def lying_docx(member: bytes, method: int, declared_size: int = 4096) -> bytes:
    """A .docx whose word/document.xml is ``member`` (already compressed with ``method``) and
    whose headers declare ``declared_size`` bytes: a zip bomb that lies about what it holds."""
    out = io.BytesIO()
    central = io.BytesIO()
    entries = [("[Content_Types].xml", zlib.compress(_CONTENT_TYPES.encode(), 9)[2:-4], zipfile.ZIP_DEFLATED,
                len(_CONTENT_TYPES), binascii.crc32(_CONTENT_TYPES.encode())),
               ("word/document.xml", member, method, declared_size, 0)]
    for name, data, how, size, crc in entries:
        offset = out.tell()
        encoded = name.encode()
        version = 63 if how == zipfile.ZIP_LZMA else 20
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", version, 0, how, 0, 0, crc, len(data), size,
                              len(encoded), 0))
        out.write(encoded)
        out.write(data)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", version, version, 0, how, 0, 0, crc,
                                  len(data), size, len(encoded), 0, 0, 0, 0, 0, offset))
        central.write(encoded)
    directory = central.getvalue()
    start = out.tell()
    out.write(directory)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), start, 0))
    return out.getvalue()


def _lzma_member(data_size: int) -> bytes:
    """``data_size`` bytes (an XML opening, then spaces) as a zip LZMA member (APPNOTE 5.8.8)."""
    dict_size = 1 << 20
    packer = lzma.LZMACompressor(lzma.FORMAT_RAW, filters=[
        {"id": lzma.FILTER_LZMA1, "preset": 0, "dict_size": dict_size, "lc": 3, "lp": 0, "pb": 2}])
    head = _XML_HEAD.encode()
    chunk = b" " * (16 * MiB)
    parts = [packer.compress(head)]
    parts.extend(packer.compress(chunk) for _ in range((data_size - len(head)) // len(chunk)))
    parts.append(packer.flush())
    props = bytes([(2 * 5 + 0) * 9 + 3]) + struct.pack("<L", dict_size)  # pb=2, lp=0, lc=3, then the dictionary
    return struct.pack("<BBH", 9, 4, len(props)) + props + b"".join(parts)


def _bomb(gib: int) -> bytes:
    head = _XML_HEAD.encode() + _form_table().encode()
    return lying_docx(_deflate_repeated(head, b" " * MiB, gib * 1024, _XML_TAIL.encode()), zipfile.ZIP_DEFLATED)


# ---- the shapes ----------------------------------------------------------------------------

_COVER = "Dear Dana,\n\nPlease see the attached DRP form.\n\nChild ID: 1234567\n\nSam"


def zip_bomb() -> bytes:
    return message("zip_bomb", _COVER, docx=_bomb(1))


def zip_bomb_2g() -> bytes:
    return message("zip_bomb_2g", _COVER, docx=_bomb(2))


def zip_bomb_lzma() -> bytes:
    return message("zip_bomb_lzma", _COVER, docx=lying_docx(_lzma_member(64 * MiB), zipfile.ZIP_LZMA))


def huge_xml() -> bytes:
    paragraph = ("<w:p><w:r><w:t>The visit due on 12 May 2027 was missed and the plan was not updated "
                 "after the review; the social worker has changed twice since.</w:t></w:r></w:p>")
    count = (19 * 1000 * 1000) // len(paragraph)
    xml = _XML_HEAD + _form_table() + paragraph * count + _XML_TAIL
    return message("huge_xml", _COVER, docx=honest_docx(xml.encode()))


def many_elements() -> bytes:
    xml = _XML_HEAD + _form_table() + "<w:p/>" * 1_000_000 + _XML_TAIL
    return message("many_elements", _COVER, docx=honest_docx(xml.encode()))


def many_forms() -> bytes:
    xml = _XML_HEAD + _form_table() + "<w:p/>" * 1_000_000 + _XML_TAIL
    return message("many_forms", _COVER, docx=honest_docx(xml.encode()), copies=40)


def _date(i: int) -> str:
    day, month = i % 28 + 1, i % 12 + 1
    forms = (f"{day}/{month}/2027", f"{day} May 2027", f"Friday {day}th", f"{day:02d}.{month:02d}.27")
    return forms[i % len(forms)]


def dates_20000() -> bytes:
    body = "Child ID: 1234567\n\nVisits were missed on " + ", ".join(_date(i) for i in range(20_000)) + ".\n"
    return message("dates_20000", body)


def dates_2mb() -> bytes:
    pieces, size, i = ["Child ID: 1234567\n\nThe visit was missed on"], 0, 0
    while size < 2 * MiB:
        piece = f" {_date(i)} and"
        pieces.append(piece)
        size += len(piece)
        i += 1
    return message("dates_2mb", "".join(pieces) + " later.\n")


def html_flat() -> bytes:
    rows = "".join(f"<tr><td>Label {i}</td><td>value</td></tr>" for i in range(100_000))
    html = f"<html><body><p>Child ID: 1234567</p><table>{rows}</table></body></html>"
    return message("html_flat", None, html=html)


def html_nested() -> bytes:
    html = "<html><body><p>Child ID: 1234567</p>" + "<div>" * 500_000 + "deep" + "</div>" * 500_000 + "</body></html>"
    return message("html_nested", None, html=html)


def html_attachment() -> bytes:
    rows = "".join(f"<tr><td>L{i}</td><td>v</td></tr>" for i in range(120_000))
    return message("html_attachment", _COVER.replace(".docx", ".html"),
                   html_file=f"<html><body><table>{rows}</table></body></html>")


def case_ids_5000() -> bytes:
    ids = ", ".join(str(1_000_000 + i) for i in range(5000))
    return message("case_ids_5000", f"Dear Dana,\n\nChild IDs: {ids}\n\nThe PEPs are missing.\n\nSam")


SHAPES: dict[str, Callable[[], bytes]] = {
    "zip_bomb": zip_bomb,
    "zip_bomb_2g": zip_bomb_2g,
    "zip_bomb_lzma": zip_bomb_lzma,
    "huge_xml": huge_xml,
    "many_elements": many_elements,
    "many_forms": many_forms,
    "dates_20000": dates_20000,
    "dates_2mb": dates_2mb,
    "html_flat": html_flat,
    "html_nested": html_nested,
    "html_attachment": html_attachment,
    "case_ids_5000": case_ids_5000,
}


def write(name: str, folder: Path) -> Path:
    """Write one shape as ``folder/<name>.eml`` and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.eml"
    path.write_bytes(SHAPES[name]())
    return path


def write_all(folder: Path) -> dict[str, Path]:
    return {name: write(name, folder) for name in SHAPES}


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/hostile/make_fixtures.py DIR")
    for shape, path in write_all(Path(sys.argv[1])).items():
        print(f"{shape:<16} {path.stat().st_size / 1e6:8.2f} MB  {path}")
