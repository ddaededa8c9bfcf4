"""DRP forms as councils send them: an HTML table in the body, an attached .docx or .html form,
or "Label: value" lines, all turned into the same "label<TAB>value" lines for ``parse_form``.

Word and Mosaic lay a form out as a table, often nested (a table per section inside a layout
table), sometimes with the label above its value instead of beside it, sometimes with two
label/value pairs on one row, and with ticked boxes for the stage. Each of those layouts is
flattened here into plain lines so that one loose label matcher (``content.parse_form``) reads
them all. Pure: bytes and strings in, strings out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bs4 import BeautifulSoup, Tag
from bs4.element import Comment, NavigableString
from lxml import etree

from .content import label_index, label_key, label_of, normalise, phrase_pattern
from .mime import HTML_PARSER, bounded_html, read_docx_xml
from .types import Document, ParseRules

_CHECKED = "\u2612"  # ☒, what Word writes for a ticked legacy or content-control checkbox
_UNCHECKED = "\u2610"  # ☐
_CHECK_MARKS = re.compile(r"[\u2612\u2611\u2714\u2713]|\[\s*[xX]\s*\]")
_BOX = re.compile(r"[\u2610\u2612\u2611\u2714\u2713]|\[\s*[xX ]?\s*\]")
_MAX_ROWS = 2000
# Ends a table row in the flattened lines, so a field's value never runs on into the next row or
# into the prose after the table (``content.parse_form`` stops a multi-line value here).
END_OF_ROW = "\f"


def checked_option(value: str) -> str | None:
    """The option after (or before) a ticked box in "☐ Informal ☒ Stage 1 ☐ Stage 2"."""
    if not _CHECK_MARKS.search(value or ""):
        return None
    pieces = _BOX.split(value)
    marks = _BOX.findall(value)
    # pieces[i + 1] follows marks[i]; Word puts the box before its label.
    for i, mark in enumerate(marks):
        if _CHECK_MARKS.fullmatch(mark):
            after = pieces[i + 1].strip(" \t:-")
            if after:
                return after
            before = pieces[i].strip(" \t:-")
            if before:
                return before
    return None


def checked_options(value: str) -> list[str]:
    """Every ticked option in a list of boxes ("☒ Drift and delay ☐ Care plan ☒ PEP")."""
    if not _CHECK_MARKS.search(value or ""):
        return []
    pieces = _BOX.split(value)
    marks = _BOX.findall(value)
    out = []
    for i, mark in enumerate(marks):
        if _CHECK_MARKS.fullmatch(mark):
            option = pieces[i + 1].strip(" \t:-,;\n")
            if option:
                out.append(option)
    return out


# ---- HTML ---------------------------------------------------------------------------------

def _cell_text(cell: Tag) -> str:
    """Text of a cell without the tables nested in it (those are read as rows of their own)."""
    out: list[str] = []
    stack: list[object] = [cell]
    while stack:
        node = stack.pop()
        if isinstance(node, Comment):
            continue
        if isinstance(node, NavigableString):
            out.append(re.sub(r"\s+", " ", str(node)))
            continue
        if not isinstance(node, Tag):
            continue
        if node is not cell and node.name == "table":
            continue
        if node.name in ("style", "script", "head"):
            continue
        if node.name in ("br", "p", "div", "li") and out and not out[-1].endswith("\n"):
            out.append("\n")
        stack.extend(reversed(list(node.children)))
    text = "".join(out).replace("\u00a0", " ")
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _row_cells(row: Tag) -> list[str]:
    cells = [c for c in row.find_all(["td", "th"], recursive=False)]
    return [_cell_text(c) for c in cells]


def _pair_lines(cells: list[str], index: Mapping[str, str]) -> list[str]:
    """One row's cells as "label<TAB>value" lines."""
    if len(cells) >= 2 and cells[0].strip() and not any(c.strip() for c in cells[1:]):
        # A label whose value cell is empty: say so, or the label reads as filled-in text.
        return [f"{cells[0].replace(chr(10), ' ').strip().rstrip(':')}\t"]
    cells = [c for c in cells if c.strip()]
    if not cells:
        return []
    if len(cells) >= 4 and len(cells) % 2 == 0 and label_key(cells[2].split("\n")[0]) in index:
        # Two label/value pairs side by side: "Date raised | 12/01/2027 | Stage | 2".
        return [line for i in range(0, len(cells), 2) for line in _pair_lines(cells[i : i + 2], index)]
    if len(cells) == 1:
        return cells[0].split("\n")
    label = cells[0].replace("\n", " ").strip().rstrip(":")
    value_lines = "\n".join(cells[1:]).split("\n")
    return [f"{label}\t{value_lines[0]}", *value_lines[1:]]


def _stacked(lines_by_row: list[list[str]], index: Mapping[str, str]) -> list[str]:
    """Rows whose only cell is a label take the next single-cell row as the value."""
    out: list[str] = []
    i = 0
    while i < len(lines_by_row):
        row = lines_by_row[i]
        if (
            len(row) == 1
            and "\t" not in row[0]
            and label_key(row[0]) in index
            and i + 1 < len(lines_by_row)
            and lines_by_row[i + 1]
            and "\t" not in lines_by_row[i + 1][0]
            and label_key(lines_by_row[i + 1][0]) not in index
        ):
            value = lines_by_row[i + 1]
            out.append(f"{row[0].rstrip(':')}\t{value[0]}")
            out.extend(value[1:])
            out.append(END_OF_ROW)
            i += 2
            continue
        out.extend(row)
        out.append(END_OF_ROW)
        i += 1
    return out


def html_form_lines(soup: BeautifulSoup, rules: ParseRules) -> list[str]:
    """Every table row in ``soup`` as "label<TAB>value" lines, nested tables included."""
    index = label_index(rules)
    cells_by_row = [_row_cells(row) for row in soup.find_all("tr")[:_MAX_ROWS]]
    rows: list[list[str]] = []
    skip = False
    for number, cells in enumerate(cells_by_row):
        if skip:
            skip = False
            continue
        following = cells_by_row[number + 1] if number + 1 < len(cells_by_row) else None
        if following is not None and _labels_above_values(cells, following, index):
            # "Stage | Date raised" over "3 - Head of Service | 15/11/2027": column by column.
            rows.append([f"{label.replace(chr(10), ' ').strip().rstrip(':')}\t{value.strip()}"
                         for label, value in zip(cells, following) if label.strip()])
            skip = True
            continue
        rows.append(_pair_lines(cells, index))
    return _stacked([r for r in rows if r], index)


def _labels_above_values(cells: list[str], following: list[str], index: Mapping[str, str]) -> bool:
    """Is ``cells`` a row of labels whose values are the cells of the row below? At least half
    of it known labels, short and without figures; the row below as wide, its first cell no
    label, and holding a figure (a stage, a date, an ID, a number of days)."""
    filled = [c for c in cells if c.strip()]
    if len(filled) < 2 or len(cells) != len(following) or not all(c.strip() for c in following):
        return False
    known = sum(label_key(c.split("\n")[0]) in index for c in filled)
    if known * 2 < len(filled) or any(re.search(r"\d", c) or len(c.split()) > 6 for c in filled):
        return False
    return label_key(following[0].split("\n")[0]) not in index and any(re.search(r"\d", c) for c in following)


def has_table(soup: BeautifulSoup) -> bool:
    return soup.find("table") is not None


# ---- .docx --------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"


_T, _TAB, _BREAKS = f"{_W}t", f"{_W}tab", (f"{_W}br", f"{_W}cr")
_CHECKED_14, _CHECKED_LEGACY, _SYM = f"{_W14}checked", f"{_W}checked", f"{_W}sym"
_P, _TBL, _SDT, _TR, _TC = f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}tr", f"{_W}tc"


def _paragraph_text(p: object) -> str:
    """A w:p's text with tabs, breaks and ticked content-control checkboxes."""
    if not len(p):  # type: ignore[arg-type]
        return ""  # an empty paragraph (a form's spacing), read a million times in a hostile one
    out: list[str] = []
    for node in p.iter():  # type: ignore[attr-defined]
        tag = node.tag
        if tag == _T:
            if node.text:
                out.append(node.text)
        elif tag == _TAB:
            out.append("\t")
        elif tag in _BREAKS:
            out.append("\n")
        elif tag == _CHECKED_14:
            out.append(_CHECKED + " " if node.get(f"{_W14}val") in ("1", "true") else _UNCHECKED + " ")
        elif tag == _CHECKED_LEGACY:  # a legacy form-field checkbox that is ticked
            if node.get(f"{_W}val") in (None, "1", "true", "on"):
                out.append(_CHECKED + " ")
        elif tag == _SYM and node.get(f"{_W}char", "").upper() in ("F0FE", "F078"):
            out.append(_CHECKED + " ")  # Wingdings ticked box
    return "".join(out)


def _docx_table_rows(table: object, index: Mapping[str, str]) -> list[list[str]]:
    rows: list[list[str]] = []
    for tr in table.iterchildren(_TR):  # type: ignore[attr-defined]
        cells: list[str] = []
        nested: list[list[str]] = []
        for tc in tr.iterchildren(_TC):
            parts = []
            for child in tc.iterchildren():
                if child.tag == _P:
                    parts.append(_paragraph_text(child))
                elif child.tag == _TBL:
                    nested.extend(_docx_table_rows(child, index))
                elif child.tag == _SDT:
                    parts.extend(_paragraph_text(p) for p in child.iter(_P))
            cells.append("\n".join(x for x in parts if x.strip()))
        rows.append(_pair_lines(cells, index))
        rows.extend(nested)
    return rows


def docx_form_lines(data: bytes, rules: ParseRules) -> list[str]:
    """The lines of a .docx form: its paragraphs and every table row, in document order."""
    # Only the main document part is read: opening the whole package (styles, themes, settings)
    # costs five times as much and none of it says anything about the form's fields. It is
    # inflated in chunks with a running total and counted, never trusting the sizes the zip
    # declares (issue 9: a 1.4 MB .docx once inflated to 2 GB); mime.read_docx_xml says why not.
    xml, cut, note = read_docx_xml(data)
    if xml is None:
        raise ValueError(note)
    return _docx_xml_lines(xml, cut, rules)


def _docx_xml_lines(xml: bytes, cut: bool, rules: ParseRules) -> list[str]:
    """The form lines of a document.xml already read under the caps; ``cut`` when it is only
    the first part of the document."""
    if cut:
        # What was read ends mid-element: the recovering parser closes what is open, and the
        # last top-level paragraph or table (the one cut through) is dropped below. No entities
        # are expanded and no huge text nodes allowed, as in python-docx's own parser.
        parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False,
                                 remove_blank_text=True)
        root = etree.fromstring(xml, parser)
    else:
        # python-docx's own XML parser (its element classes, its safe lxml settings).
        from docx.oxml import parse_xml  # imported here so that a text mail never pays for it

        root = parse_xml(xml)
    body = root.find(f"{_W}body") if root is not None else None
    if body is None:
        raise ValueError("no document body")
    if cut and len(body):
        body.remove(body[-1])
    index = label_index(rules)
    rows: list[list[str]] = []
    for child in body.iterchildren():
        if child.tag == _P:
            text = _paragraph_text(child)
            if text.strip():
                rows.append(text.split("\n"))
        elif child.tag == _TBL:
            rows.extend(_docx_table_rows(child, index))
        elif child.tag == _SDT:
            for p in child.iter(_P):
                text = _paragraph_text(p)
                if text.strip():
                    rows.append(text.split("\n"))
    return _stacked([r for r in rows if r], index)


def document_lines(doc: Document, kind: str, rules: ParseRules) -> list[str]:
    """Form lines of an attached document; [] when it cannot be read (never raises)."""
    try:
        if kind == "docx":
            if doc.xml is not None:  # the MIME layer has read it under the caps already
                return _docx_xml_lines(doc.xml, doc.xml_cut, rules)
            return docx_form_lines(doc.data, rules)
        from .mime import decode_bytes

        # At most MAX_HTML_TAGS tags reach BeautifulSoup (the MIME layer's note says when cut).
        page, _ = bounded_html(decode_bytes(doc.data[:2_000_000], None))
        soup = BeautifulSoup(page, HTML_PARSER)
        lines = html_form_lines(soup, rules)
        if not lines:
            from .mime import html_to_text

            lines = html_to_text(soup).split("\n")
        return lines
    except Exception:  # noqa: BLE001 - a broken attachment is not a form, and never a crash
        return []


# ---- sections ----------------------------------------------------------------------------

def section_stage(lines: Iterable[str], sections: Mapping[str, int]) -> int | None:
    """The stage of the last configured section that has something filled in under it.

    The Mosaic authority's form has section 1 (raise) and sections 2-6 (informal, stages 1-4);
    the IRO fills in the one for the level being raised, and the rest stay empty.
    """
    if not sections:
        return None
    patterns = [(phrase_pattern(name), stage) for name, stage in sections.items()]
    current: int | None = None
    filled: int | None = None
    for line in lines:
        text = normalise(line).strip()
        heading = None
        for pattern, stage in patterns:
            m = pattern.match(text) if pattern else None
            if m is not None:
                heading = stage
                break
        if heading is not None:
            current = heading
            continue
        if current is None:
            continue
        # Only a label with a value counts: the form's printed guidance ("To be completed by
        # the manager") sits in every section, filled in or not.
        labelled = label_of(text)
        if labelled is not None and labelled[1].strip() and not _only_boxes(labelled[1]):
            filled = current
    return filled


def _only_boxes(text: str) -> bool:
    return not _BOX.sub("", text).strip(" :-")


__all__ = [
    "checked_option",
    "checked_options",
    "docx_form_lines",
    "document_lines",
    "has_table",
    "html_form_lines",
    "section_stage",
]
