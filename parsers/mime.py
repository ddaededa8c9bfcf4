"""The MIME layer: raw bytes to an Envelope (decoded headers, best text body, attachments).

Built on the stdlib ``email`` package with the lenient compat32 policy, because the modern policy
raises on the malformed headers that real mail carries. Header decoding, charsets and the
HTML-to-text conversion are done here by hand so that a bad charset or a broken encoded-word
degrades to replacement characters instead of an exception.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.parser
import email.utils
import io
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from dataclasses import dataclass, field
from email.message import Message

from bs4 import BeautifulSoup, Tag
from bs4.element import (
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
)

from . import feedparser_boundaries
from .errors import ParseError
from .types import Attachment, Document, Envelope

feedparser_boundaries.install()  # boundary lines without a regular expression each (issue 13)

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)")
_MSG_ID = re.compile(r"<([^<>\s]+)>")
# Senders that label Windows-1252 text as Latin-1 or ASCII are the norm (Outlook, old gateways);
# decoding as cp1252 keeps their curly quotes and pound signs.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "unknown-8bit": "cp1252",
    "x-unknown": "cp1252",
    "8bit": "cp1252",
}
_MAX_TEXT = 500_000
# lxml's HTML parser (installed with python-docx) is several times faster than html.parser on
# Word's verbose HTML; html.parser stays as the fallback so the package works without it.
try:
    import lxml  # noqa: F401

    HTML_PARSER = "lxml"
except ImportError:  # pragma: no cover - lxml comes with python-docx
    HTML_PARSER = "html.parser"
_SURROGATE = re.compile("[\udc80-\udcff]")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    charset = charset.strip().strip('"').lower().split("*", 1)[0]
    charset = _CHARSET_ALIASES.get(charset, charset)
    try:
        return codecs.lookup(charset).name
    except (LookupError, ValueError):
        return None


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode body or header bytes, trusting a known charset and never raising."""
    codec = _codec(charset)
    if codec is not None:
        try:
            return data.decode(codec, errors="replace")
        except Exception:  # noqa: BLE001 - some codecs (utf-7, idna) fail even with "replace"
            codec = None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _unescape_8bit(value: str) -> str:
    """compat32 smuggles raw 8-bit header bytes as surrogates; turn them back into text."""
    if not _SURROGATE.search(value):
        return value
    return decode_bytes(value.encode("ascii", "surrogateescape"), None)


def _decode_word(charset: str, encoding: str, payload: str) -> str:
    if encoding in "qQ":
        data = binascii.a2b_qp(payload.replace("_", " ").encode("ascii", "replace"), header=True)
    else:
        raw = payload.encode("ascii", "replace")
        raw += b"=" * (-len(raw) % 4)
        try:
            data = base64.b64decode(raw)
        except (binascii.Error, ValueError):
            return payload
    return decode_bytes(data, charset)


def decode_header_value(value: str | None) -> str:
    """RFC 2047-decode a header value and collapse its whitespace (folding included)."""
    if value is None:
        return ""
    value = _unescape_8bit(str(value))
    # Whitespace between two adjacent encoded-words is not part of the text (RFC 2047 §6.2).
    value = _BETWEEN_WORDS.sub(r"\1", value)
    value = _ENCODED_WORD.sub(lambda m: _decode_word(m.group(1), m.group(2), m.group(3)), value)
    return " ".join(value.split())


def parse_message_ids(value: str | None) -> tuple[str, ...]:
    """Message-IDs in a header, without angle brackets, unique and in order."""
    if not value:
        return ()
    value = _unescape_8bit(str(value))
    found = _MSG_ID.findall(value)
    if not found:
        # Some gateways drop the brackets; accept bare tokens that look like ids.
        found = [tok.strip("<>,;") for tok in value.split() if "@" in tok]
    return tuple(dict.fromkeys(f for f in found if f))


# A fast path for the address lists nearly all mail carries ("Name <a@b>", '"Surname, First"
# <a@b>', bare a@b, comma-separated): getaddresses walks the value one character at a time in
# Python and was an eighth of the parse time. Anything unusual (comments, groups, escapes,
# domain literals, an address without "@", stray text) falls back to getaddresses, so the fast
# path only returns what getaddresses would; tests/parsers hold it to that with a property test.
_ADDR_UNUSUAL = re.compile(r"[()\\:;\[\]]")
# No whitespace of any kind in an atom: getaddresses drops whitespace-only pieces (a no-break
# space before "@") that a character class of ASCII spaces would keep.
_ADDR_ATOM = r'[^()<>@,:;"\[\]\\\s]++'
_ADDR_SPEC = rf"{_ADDR_ATOM}@{_ADDR_ATOM}"
# Possessive quantifiers: a phrase that turns out not to end in "<" fails at once instead of
# retrying every split of its words.
_ADDR_ELEMENT = re.compile(
    rf'(?:(?P<phrase>(?:(?:"[^"\\\r]*+"|{_ADDR_ATOM})[ \t\r\n]*+)*+)<[ \t]*+(?P<routed>{_ADDR_SPEC})>'
    rf"|(?P<bare>{_ADDR_SPEC}))[ \t\r\n]*+(?:,|\Z)"
)
_PHRASE_WORD = re.compile(rf'"([^"\\\r]*)"|({_ADDR_ATOM})')


def fast_getaddresses(value: str) -> list[tuple[str, str]] | None:
    """The (name, address) pairs with an address that ``getaddresses([value])`` gives, for the
    common forms of an address list; None when the value needs the full parser."""
    if _ADDR_UNUSUAL.search(value):
        return None
    out = []
    pos, end = 0, len(value)
    while pos < end:
        if value[pos] in ", \t\r\n":
            # Empty elements and the space around elements give getaddresses no address either.
            pos += 1
            continue
        m = _ADDR_ELEMENT.match(value, pos)
        if m is None:
            return None
        bare = m.group("bare")
        if bare is not None:
            out.append(("", bare))
        else:
            words = [atom or quoted for quoted, atom in _PHRASE_WORD.findall(m.group("phrase"))]
            out.append((" ".join(words), m.group("routed")))
        pos = m.end()
    return out


def _addresses(values: Iterable[str]) -> list[tuple[str, str]]:
    out = []
    joined = ", ".join(_unescape_8bit(str(v)) for v in values)
    pairs = fast_getaddresses(joined)
    if pairs is None:
        pairs = email.utils.getaddresses([joined])
    for name, addr in pairs:
        addr = addr.strip().strip("<>").lower()
        if addr:
            out.append((decode_header_value(name), addr))
    return out


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(_unescape_8bit(str(value)))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        # "-0000" means UTC with the sender's zone unknown (RFC 5322 §3.3).
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


_SKIP_TAGS = {"script", "style", "head", "title", "meta", "link", "xml", "template", "noscript"}
_BLOCK_TAGS = {
    "p", "div", "tr", "table", "tbody", "thead", "tfoot", "li", "ul", "ol", "h1", "h2", "h3",
    "h4", "h5", "h6", "blockquote", "pre", "hr", "section", "article", "header", "footer",
    "address", "dl", "dt", "dd", "center", "form", "fieldset", "body", "html",
}
_CELL_TAGS = {"td", "th"}


def html_to_text(html: str | BeautifulSoup) -> str:
    """Readable text from HTML: line breaks for <br> and block elements, table cells tab-separated.

    Walks the tree with an explicit stack so deeply nested mail (forward chains) cannot hit the
    recursion limit.
    """
    soup = html if isinstance(html, BeautifulSoup) else BeautifulSoup(html or "", HTML_PARSER)
    out: list[str] = []

    def at_line_start() -> bool:
        return not out or out[-1].endswith("\n")

    stack: list[tuple[object, bool]] = [(soup, False)]
    while stack:
        node, closing = stack.pop()
        if closing:
            if isinstance(node, Tag) and node.name in _BLOCK_TAGS and not at_line_start():
                out.append("\n")
            continue
        if isinstance(node, (Comment, Doctype, Declaration, ProcessingInstruction)):
            continue
        if isinstance(node, NavigableString):
            text = re.sub(r"\s+", " ", str(node))
            if text:
                out.append(text)
            continue
        if not isinstance(node, Tag):
            continue
        name = (node.name or "").lower()
        if name in _SKIP_TAGS or (":" in name and name != "o:p"):
            continue
        if name == "br":
            out.append("\n")
            continue
        if name in _BLOCK_TAGS and not at_line_start():
            out.append("\n")
        if name in _CELL_TAGS and not at_line_start():
            out.append("\t")
        stack.append((node, True))
        for child in reversed(list(node.children)):
            stack.append((child, False))
    lines = []
    for line in "".join(out).split("\n"):
        cells = [c.strip(" \u00a0") for c in line.split("\t")]
        lines.append("\t".join(c for c in cells if c))
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    payload = part.get_payload()
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    return decode_bytes(_payload_bytes(part), part.get_content_charset())[:_MAX_TEXT]


def _filename(part: Message, disposition: str | None) -> str | None:
    # get_filename() parses both headers' parameters; most parts have neither header.
    if disposition is None and "name" not in str(part.get("Content-Type", "")).lower():
        return None
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 - malformed RFC 2231 parameters
        return None
    if name is None:
        return None
    return decode_header_value(name) or None


def _is_attachment(disposition: str | None, filename: str | None) -> bool:
    kind = str(disposition or "").split(";", 1)[0].strip().lower()
    return kind == "attachment" or filename is not None


def _encoded_size(part: Message) -> int:
    """The decoded size of a leaf, estimated from its encoded text without decoding it.

    Decoding a 20 MB scan only to learn its size would cost more than the rest of the message.
    """
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    cte = str(part.get("Content-Transfer-Encoding", "") or "").strip().lower()
    if cte == "base64":
        padding = payload.rstrip()[-2:].count("=")
        return (len(payload) - payload.count("\n") - payload.count("\r")) * 3 // 4 - padding
    return len(payload)


def _size(part: Message) -> int:
    try:
        if part.is_multipart():
            return sum(_size(p) for p in part.get_payload() if isinstance(p, Message))
        return _encoded_size(part)
    except Exception:  # noqa: BLE001 - a broken embedded message
        return 0


def _embedded_ids(part: Message, ctype: str) -> list[str]:
    if ctype == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if isinstance(inner, Message):
            return list(parse_message_ids(inner.get("Message-ID")))
        return []
    if ctype == "text/rfc822-headers":
        headers = email.parser.HeaderParser().parsestr(decode_bytes(_payload_bytes(part), None))
        return list(parse_message_ids(headers.get("Message-ID")))
    return []


# Attached files that can be DRP forms; anything bigger than the cap is not a form someone typed.
_DOCUMENT_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "text/html": "html",
}
_DOCUMENT_SUFFIXES = {".docx": "docx", ".html": "html", ".htm": "html"}
_MAX_DOCUMENT = 5 * 1024 * 1024
_TNEF_TYPES = {"application/ms-tnef", "application/vnd.ms-tnef"}
_ENCRYPTED_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted"}


def document_kind(filename: str | None, ctype: str) -> str | None:
    """"docx" or "html" when an attachment may be a DRP form, else None."""
    name = (filename or "").lower()
    for suffix, kind in _DOCUMENT_SUFFIXES.items():
        if name.endswith(suffix):
            return kind
    # Some gateways send .docx as application/octet-stream; the name decides then.
    return _DOCUMENT_TYPES.get(ctype) if filename else None


# ---- bounded work per attachment (issue 9) -------------------------------------------------
# Caps on what one message can make mailbot do, counted on what is actually inflated and parsed,
# never on what a file declares: a 1.4 MB .docx whose zip entry said 4 KB once inflated to
# 2 GB. A real DRP form's document.xml is a few hundred KB and some thousands of elements; a
# real HTML body a few hundred tags (a long Outlook thread a few thousand).
MAX_INFLATED = 8 * 1024 * 1024  # bytes inflated from one zip member
MAX_XML_ELEMENTS = 200_000  # elements of a document.xml handed to the XML parser
MAX_HTML_TAGS = 20_000  # tags of an HTML body or attached page handed to BeautifulSoup
MAX_DOCUMENTS = 5  # attached forms read per message (each within the caps above)
_MAX_ZIP_MEMBERS = 1000  # a .docx has a dozen or two
_MAX_ZIP_DIRECTORY = 1024 * 1024  # bytes of central directory zipfile is allowed to read
_INFLATE_CHUNK = 256 * 1024
_ZIP_END = struct.Struct("<4s4H2LH")  # end of central directory record
_ZIP_LOCAL = struct.Struct("<4s5H3L2H")  # local file header
# A start tag, comment, doctype or processing instruction: each makes one node (an end tag
# makes none). Counted with bytes.count first, which is C-speed, and searched only when over.
_XML_NODE = re.compile(rb"<(?![/?!])")
_HTML_NODE = re.compile(r"<[A-Za-z!?]")


def _zip_directory_checked(data: bytes) -> None:
    """Refuse, before zipfile reads it, a central directory too large to be a document's:
    zipfile builds an object per entry, whatever the entry count in the end record says."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - (0xFFFF + _ZIP_END.size)))
    if at < 0 or at + _ZIP_END.size > len(data):
        raise ValueError("is not a zip package")
    _, _, _, _, entries, directory_size, _, _ = _ZIP_END.unpack_from(data, at)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF or data[max(0, at - 20) : at - 16] == b"PK\x06\x07":
        raise ValueError("is a ZIP64 package, which no form is")
    if entries > _MAX_ZIP_MEMBERS or directory_size > _MAX_ZIP_DIRECTORY:
        raise ValueError(f"has more than {_MAX_ZIP_MEMBERS} members")


def _packed_member(data: bytes, name: str) -> tuple[zipfile.ZipInfo, memoryview]:
    """The entry of zip member ``name`` and its compressed bytes, from the package's own
    headers (zipfile's reader trusts the declared size and inflates bzip2 and LZMA unbounded,
    so only its directory parser is used)."""
    _zip_directory_checked(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            info = package.getinfo(name)
    except KeyError:
        raise ValueError(f"has no {name}") from None
    except Exception:  # noqa: BLE001 - zipfile raises several kinds on a damaged directory
        raise ValueError("is not a sound zip package") from None
    if info.flag_bits & 0x1:
        raise ValueError("is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ValueError(f"uses a compression method Word never writes ({info.compress_type})")
    offset = info.header_offset
    if offset + _ZIP_LOCAL.size > len(data) or data[offset : offset + 4] != b"PK\x03\x04":
        raise ValueError("is not a sound zip package")
    name_length, extra_length = _ZIP_LOCAL.unpack_from(data, offset)[-2:]
    start = offset + _ZIP_LOCAL.size + name_length + extra_length
    return info, memoryview(data)[start : start + info.compress_size]


def _inflated_chunks(info: zipfile.ZipInfo, packed: memoryview) -> Iterable[bytes]:
    """The member's bytes a chunk at a time: no call ever inflates more than _INFLATE_CHUNK."""
    if info.compress_type == zipfile.ZIP_STORED:
        for at in range(0, len(packed), _INFLATE_CHUNK):
            yield bytes(packed[at : at + _INFLATE_CHUNK])
        return
    inflater = zlib.decompressobj(-15)
    for at in range(0, len(packed), _INFLATE_CHUNK):
        pending = bytes(packed[at : at + _INFLATE_CHUNK])
        while pending:
            chunk = inflater.decompress(pending, _INFLATE_CHUNK)
            pending = inflater.unconsumed_tail
            if chunk:
                yield chunk
            if inflater.eof:
                return


def inflate_member(data: bytes, name: str, limit: int = MAX_INFLATED) -> tuple[bytes, bool]:
    """Zip member ``name`` of ``data``, inflated with a running total that stops at ``limit``:
    (its first ``limit`` bytes at most, whether there was more).

    Raises ValueError with a short reason ("is encrypted") when the package is damaged or
    unusual, or when the member inflates past the size its entry declares: a zip bomb.
    """
    info, packed = _packed_member(data, name)
    out = bytearray()
    crc = 0
    try:
        for chunk in _inflated_chunks(info, packed):
            out += chunk
            if len(out) > info.file_size:
                raise ValueError("inflates past the size its zip entry declares (a zip bomb)")
            if len(out) > limit:
                return bytes(out[:limit]), True
            crc = zlib.crc32(chunk, crc)
    except zlib.error:
        raise ValueError("is damaged (its compressed data)") from None
    if crc != info.CRC or len(out) != info.file_size:
        raise ValueError("is damaged (its checksum or size)")
    return bytes(out), False


def _nth_node(data, pattern: re.Pattern, marker, n: int) -> int | None:
    """Offset of node ``n`` (counting from 0) of ``data``, or None when it has no more than n."""
    if data.count(marker) <= n:  # a cheap upper bound on the nodes: most documents stop here
        return None
    found = next(itertools.islice(pattern.finditer(data), n, None), None)
    return None if found is None else found.start()


def read_docx_xml(data: bytes) -> tuple[bytes | None, bool, str | None]:
    """A .docx's word/document.xml under the caps: (the XML or None, whether only its first part
    is there, a note for Envelope.notes or None). Never raises."""
    try:
        xml, cut = inflate_member(data, "word/document.xml")
    except ValueError as exc:
        return None, False, f"an attached .docx {exc}: not read"
    note = None
    if cut:
        megabytes = MAX_INFLATED >> 20
        note = f"an attached .docx form inflates to more than {megabytes} MB: only its first {megabytes} MB were read"
    at = _nth_node(xml, _XML_NODE, b"<", MAX_XML_ELEMENTS)
    if at is not None:
        xml, cut = xml[:at], True
        note = (f"an attached .docx form has more than {MAX_XML_ELEMENTS:,} XML elements: "
                f"only the first {MAX_XML_ELEMENTS:,} were read")
    return xml, cut, note


def bounded_html(html: str, limit: int = MAX_HTML_TAGS) -> tuple[str, bool]:
    """``html`` cut before its ``limit``-th tag, so that BeautifulSoup builds a bounded tree:
    (the HTML, whether it was cut). What is cut is the end, where a reply's quoted history is."""
    at = _nth_node(html, _HTML_NODE, "<", limit)
    return (html, False) if at is None else (html[:at], True)


@dataclass
class _Walk:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    embedded: list[str] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    tnef: bool = False
    calendar_method: str | None = None
    signed: bool = False
    encrypted: bool = False
    notes: list[str] = field(default_factory=list)


def _param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:  # noqa: BLE001 - a malformed Content-Type
        return None
    if isinstance(value, tuple):
        value = email.utils.collapse_rfc2231_value(value)
    return str(value).strip() if value else None


def _walk(msg: Message) -> _Walk:
    """First inline text/plain and text/html, the other leaves as attachments, embedded ids.

    Embedded messages (message/rfc822) are not descended into: their bodies are not ours.
    """
    out = _Walk()
    stack: list[Message] = [msg]
    seen = 0
    while stack:
        part = stack.pop()
        seen += 1
        if seen > 2000:  # a MIME bomb; what we have is enough
            out.notes.append("more than 2000 MIME parts: the rest were not read")
            break
        _note_defects(part, out.notes)
        ctype = part.get_content_type()
        if ctype == "multipart/signed":
            out.signed = True
        if ctype in _ENCRYPTED_TYPES:
            out.encrypted = True
        if part.is_multipart() and not ctype.startswith("message/"):
            children = [p for p in part.get_payload() if isinstance(p, Message)]
            stack.extend(reversed(children))
            continue
        # Each header lookup scans the part's headers; these are read once per part.
        disposition = part.get("Content-Disposition")
        if ctype in ("message/rfc822", "text/rfc822-headers"):
            out.embedded.extend(_embedded_ids(part, ctype))
        filename = _filename(part, disposition)
        if ctype in _TNEF_TYPES or (filename or "").lower() == "winmail.dat":
            out.tnef = True
        if ctype == "text/calendar" and out.calendar_method is None:
            method = _param(part, "method")
            if method is None:
                found = re.search(r"^METHOD:(\w+)", _part_text(part), re.MULTILINE | re.IGNORECASE)
                method = found.group(1) if found else "PUBLISH"
            out.calendar_method = method.upper()
        if not _is_attachment(disposition, filename) and not ctype.startswith("message/"):
            if ctype == "text/plain":
                if out.text is None:
                    out.text = _part_text(part)
                # Further inline plain parts are Apple Mail's text split around an image.
                continue
            if ctype == "text/html":
                if out.html is None:
                    out.html, cut = bounded_html(_part_text(part))
                    if cut:
                        out.notes.append(f"the HTML body has more than {MAX_HTML_TAGS:,} tags: "
                                         f"only the first {MAX_HTML_TAGS:,} were read")
                continue
        size = _size(part)
        out.attachments.append(Attachment(filename, ctype, size))
        kind = document_kind(filename, ctype)
        if kind is not None and size > _MAX_DOCUMENT:
            # No file names in notes: they reach the digest, and people name files after children.
            out.notes.append(f"an attached .{kind} is over {_MAX_DOCUMENT >> 20} MB: not read as a form")
        elif kind is not None and len(out.documents) >= MAX_DOCUMENTS:
            phrase = f"more than {MAX_DOCUMENTS} attached forms: the rest were not read"
            if phrase not in out.notes:
                out.notes.append(phrase)
        elif kind is not None:
            out.documents.append(_document(filename, ctype, _payload_bytes(part), kind, out.notes))
    if out.tnef:
        out.notes.append("winmail.dat (TNEF) attached: its contents are not read")
    if out.encrypted:
        out.notes.append("S/MIME encrypted or opaque-signed: the body cannot be read")
    if out.calendar_method:
        out.notes.append(f"calendar {out.calendar_method.lower()}")
    return out


def _document(filename: str | None, ctype: str, data: bytes, kind: str, notes: list[str]) -> Document:
    """An attached form-shaped file, read under the caps, with a note when a cap was hit."""
    if kind == "docx":
        xml, cut, note = read_docx_xml(data)
        if note is not None:
            notes.append(note)
        return Document(filename, ctype, data, xml=xml, xml_cut=cut)
    if data.count(b"<") > MAX_HTML_TAGS and bounded_html(decode_bytes(data[:_MAX_HTML_DOCUMENT], None))[1]:
        notes.append(f"an attached .html form has more than {MAX_HTML_TAGS:,} tags: "
                     f"only the first {MAX_HTML_TAGS:,} were read")
    return Document(filename, ctype, data)


# An attached .html form is read up to this many bytes (forms.document_lines cuts it the same way).
_MAX_HTML_DOCUMENT = 2_000_000


# What the standard library's parser reports as broken, in words for `mailbot parse` and the
# audit (issue 8: broken mail is noticed, not silently half-read).
_DEFECTS = {
    "NoBoundaryInMultipartDefect": "a multipart part declares no boundary",
    "StartBoundaryNotFoundDefect": "a multipart part's boundary never appears",
    "CloseBoundaryNotFoundDefect": "a multipart part is not closed: the message may be truncated",
    "MultipartInvariantViolationDefect": "a multipart part holds no parts",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "MisplacedEnvelopeHeaderDefect": "an envelope 'From ' line inside the headers",
    "FirstHeaderLineIsContinuationDefect": "the headers start with a continuation line",
    "InvalidBase64PaddingDefect": "damaged base64 (padding)",
    "InvalidBase64CharactersDefect": "damaged base64 (characters)",
    "InvalidBase64LengthDefect": "damaged base64 (length)",
    "InvalidMultipartContentTransferEncodingDefect": "a multipart part with a transfer encoding",
    "UndecodableBytesDefect": "bytes that cannot be decoded",
}


def _note_defects(part: Message, notes: list[str]) -> None:
    for defect in getattr(part, "defects", ()) or ():
        phrase = _DEFECTS.get(type(defect).__name__, f"MIME defect: {type(defect).__name__}")
        if phrase not in notes and len(notes) < 20:
            notes.append(phrase)
    charset = part.get_content_charset() if not part.is_multipart() else None
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            phrase = f"unknown charset {charset[:30]!r}: read as UTF-8 or Windows-1252"
            if phrase not in notes:
                notes.append(phrase)
    if not part.is_multipart() and part.get_content_maintype() == "text":
        cte = str(part.get("Content-Transfer-Encoding", "7bit") or "7bit").strip().lower()
        payload = part.get_payload()
        if cte in ("7bit", "") and isinstance(payload, str) and not payload.isascii():
            phrase = "8-bit text in a part declared 7-bit"
            if phrase not in notes:
                notes.append(phrase)


def _headers(msg: Message) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        out.setdefault(str(name).strip().lower(), []).append(str(value))
    return out


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    if not values:
        return None
    value = decode_header_value(values[0])
    return value or None


def read_envelope(raw: bytes) -> Envelope:
    """Parse raw RFC 5322 bytes into an Envelope. Raises ParseError only."""
    return read_envelope_and_soup(raw)[0]


def read_envelope_and_soup(raw: bytes) -> tuple[Envelope, BeautifulSoup | None]:
    """``read_envelope``, with the parsed HTML body when the text was taken from it.

    parse_message reads that HTML again (to strip its quoted history); handing the tree on saves
    building it twice, the slowest step for HTML-only mail. The tree is the caller's to change.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise ParseError(f"not an e-mail message: expected bytes, got {type(raw).__name__}")
    raw = bytes(raw)
    if not raw.strip():
        raise ParseError("not an e-mail message: empty")
    try:
        return _read_envelope(raw)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - the MIME layer must never take the mailbox down
        raise ParseError(f"unreadable MIME structure ({type(exc).__name__})") from None


def _read_envelope(raw: bytes) -> tuple[Envelope, BeautifulSoup | None]:
    # Some stores prefix an mbox "From " line; it is not a header.
    if raw.startswith(b"From "):
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    msg = email.message_from_bytes(raw)
    headers = _headers(msg)
    if not headers:
        raise ParseError("not an e-mail message: no headers")

    ids = parse_message_ids(headers.get("message-id", [""])[0])
    from_list = _addresses(headers.get("from", []))
    from_name, from_addr = from_list[0] if from_list else ("", "")
    to = tuple(dict.fromkeys(a for _, a in _addresses(headers.get("to", []))))
    cc = tuple(dict.fromkeys(a for _, a in _addresses(headers.get("cc", []))))

    walked = _walk(msg)
    text, html = walked.text, walked.html
    text_from_html = False
    soup = None
    if text is None:
        if html is not None:
            soup = BeautifulSoup(html, HTML_PARSER)
            text = html_to_text(soup)
            text_from_html = True
        else:
            text = ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")

    root_type = msg.get_content_type()
    param = _param(msg, "report-type") if root_type == "multipart/report" else None
    report_type = param.lower() if param else None
    id_count = len(headers.get("message-id", []))
    notes = list(walked.notes)
    if id_count > 1:
        notes.append(f"{id_count} Message-ID headers: the first is used")
    elif not ids:
        notes.append("no Message-ID")

    envelope = Envelope(
        message_id=ids[0] if ids else None,
        subject=_first(headers, "subject") or "",
        from_addr=from_addr,
        from_name=from_name,
        to=to,
        cc=cc,
        date=_parse_date(headers.get("date", [None])[0]),
        in_reply_to=parse_message_ids(" ".join(headers.get("in-reply-to", []))),
        references=parse_message_ids(" ".join(headers.get("references", []))),
        text=text,
        html=html,
        attachments=tuple(walked.attachments),
        auto_submitted=_first(headers, "auto-submitted"),
        precedence=_first(headers, "precedence"),
        x_auto_response_suppress=_first(headers, "x-auto-response-suppress"),
        content_type=root_type.lower(),
        text_from_html=text_from_html,
        report_type=report_type,
        attached_message_ids=tuple(dict.fromkeys(walked.embedded)),
        documents=tuple(walked.documents),
        tnef=walked.tnef,
        calendar_method=walked.calendar_method,
        signed=walked.signed,
        encrypted=walked.encrypted,
        message_id_count=id_count,
        # As the message's own header lookup gives them (one with 8-bit bytes is no text: None).
        message_id_headers=tuple(v if isinstance(v, str) else None for v in (msg.get_all("Message-ID") or [])[:2]),
        notes=tuple(notes),
        from_count=len(from_list),
        sender_addr=_one_address(headers.get("sender", [])),
        return_path=_one_address(headers.get("return-path", []), null_path=True),
        authentication_results=tuple(decode_header_value(v) for v in headers.get("authentication-results", [])[:_MAX_AUTH_HEADERS]),
        exchange_auth_as=_first(headers, "x-ms-exchange-organization-authas"),
        automatic_headers=tuple((name, _first(headers, name) or "") for name in _AUTOMATIC_HEADERS if name in headers),
    )
    return envelope, soup


# Headers only machines write: a list, an auto-responder, an Exchange-generated message.
_AUTOMATIC_HEADERS = ("list-id", "list-unsubscribe", "x-autoreply", "x-autorespond", "x-autoresponder",
                      "x-ms-exchange-generated-message-source", "x-ms-exchange-inbox-rules-loop",
                      "x-loop", "x-mailbot-loop")
_MAX_AUTH_HEADERS = 20


def _one_address(values: list[str], null_path: bool = False) -> str | None:
    """The single address of a Sender or Return-Path header; "" for the null path "<>"."""
    if not values:
        return None
    if null_path and values[0].strip() in ("<>", ""):
        return ""
    pairs = _addresses(values[:1])
    return pairs[0][1] if pairs else None
