"""Write the issue-4 fixture mail: tests/fixtures/mail/NAME.eml and NAME.expected.json.

Every message is built by tests/mailclients.py in the shape its client really sends, and each
case states by hand what mailbot must read from it (the expectations are written here, never
taken from the parser's output). Run after changing a case: ``python scripts/make_fixture_mail.py``.
The hand-written fixtures of the first parser issue are left alone.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from mailclients import (  # noqa: E402
    Mail, Quoted, _b64, _qp, apple_mail, gmail, outlook_desktop, outlook_mobile, owa, thunderbird,
)

OUT = ROOT / "tests" / "fixtures" / "mail"
LONDON = ZoneInfo("Europe/London")
D = "luton.example.gov.uk"
JO = ("Jo Bloggs", f"jo.bloggs@{D}")  # IRO
SAM = ("Sam Carter", f"sam.carter@{D}")  # Team Manager
MORGAN = ("Morgan Ellis", f"morgan.ellis@{D}")  # Service Manager
BOX = f"DRP Mailbox <drp@{D}>"


def t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


ACK_ID = "mailbot.drp-2027-0031.4f1c2a9e@luton.example.gov.uk"
ACK = Quoted(
    "DRP tracker", f"drp@{D}", t("2027-05-10T09:05"),
    "[DRP-2027-0031] Pre-Dispute Resolution acknowledged: response due 24 May 2027",
    "Alert DRP-2027-0031 has been opened at the Pre-Dispute Resolution stage.\n"
    "Response due from Sam Carter (Team Manager) by Monday 24 May 2027.\n\n"
    "To instruct, reply with RESOLVED, ESCALATE, EXTEND, AGREE, WITHDRAW, CAFCASS, NOTE or STATUS.\n"
    "Child IDs: 1234567",
    to="Jo Bloggs", message_id=ACK_ID,
)
SAM_REPLY = Quoted(
    "Sam Carter", SAM[1], t("2027-05-12T16:40"), "RE: [DRP-2027-0031] Pre-Dispute Resolution",
    "Hi Jo,\n\nThe care plan has been updated and the visits are booked. Is this resolved?\n\nSam",
    to="Jo Bloggs", message_id="LO2P265MB5012SAM0031@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM",
)
JO_RAISE = Quoted(
    "Jo Bloggs", JO[1], t("2027-05-10T08:58"), "Pre-Dispute Resolution - 1234567",
    "Hi Sam,\n\nThe health assessment is overdue and the child has not been visited since March.\n"
    "Please respond within 10 working days.\n\nJo",
    to="Sam Carter", message_id="LO4P265MB3921JO0031@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM",
)
SUBJ = "[DRP-2027-0031] Pre-Dispute Resolution acknowledged: response due 24 May 2027"


def reply(sender: tuple[str, str], subject: str, when: str, mid: str, *, to: tuple[str, ...] = (BOX,),
          cc: tuple[str, ...] = (), irt: str | None = ACK_ID, refs: tuple[str, ...] | None = None,
          extra: tuple[tuple[str, str], ...] = ()) -> Mail:
    return Mail(sender[0], sender[1], to, subject, t(when), mid, cc=cc, in_reply_to=irt,
                references=(refs if refs is not None else ((irt,) if irt else ())), extra_headers=extra)


def ins(verb: str, stage: int | None = None, working_days: int | None = None, until: str | None = None) -> dict:
    return {"verb": verb, "stage": stage, "working_days": working_days, "until": until}


def ts(working_days: int | None = None, until: str | None = None) -> dict:
    return {"working_days": working_days, "until": until}


QUOTE_MARKERS = ["Alert DRP-2027-0031 has been opened", "To instruct, reply with"]


def thread_reply(reply_text: str, instruction: dict | None, **more) -> dict:
    """Expectations shared by every reply to mailbot's acknowledgement."""
    out = {"reference": "DRP-2027-0031", "in_reply_to": [ACK_ID], "is_automatic": False,
           "reply_text": reply_text, "reply_text_excludes": QUOTE_MARKERS, "instruction": instruction}
    out.update(more)
    return out


# ---- forms ---------------------------------------------------------------------------------

FORM_ROWS = [
    ("Child/young person ID", "1234567, 1234568"),
    ("Stage", "Stage 1"),
    ("Category of concern", "Key documentation missing"),
    ("Details of concern", "The care plan has not been updated since the last review."),
    ("Timescale for resolution", "within 5 working days"),
]


def html_table(rows: list[tuple[str, str]], word: bool = False) -> str:
    if word:
        cells = "".join(
            '<tr style="mso-yfti-irow:0">'
            f'<td width="208" valign="top" style="width:155.8pt;border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;padding:0cm 5.4pt 0cm 5.4pt">'
            f'<p class="MsoNormal"><b><span style="mso-bidi-font-family:Arial">{k}<o:p></o:p></span></b></p></td>'
            f'<td width="393" valign="top" style="width:294.8pt;border:solid windowtext 1.0pt;border-left:none;padding:0cm 5.4pt 0cm 5.4pt">'
            f'<p class="MsoNormal"><span style="mso-bidi-font-family:Arial">{v}<o:p></o:p></span></p></td></tr>\n'
            for k, v in rows)
        return ('<table class="MsoTableGrid" border="1" cellspacing="0" cellpadding="0" '
                'style="border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184">\n'
                f"<tbody>{cells}</tbody></table>")
    cells = "".join(f"<tr><td><b>{k}</b></td><td>{v}</td></tr>\n" for k, v in rows)
    return f'<table border="1" cellpadding="4" style="border-collapse:collapse">\n{cells}</table>'


def outlook_html_mail(mail: Mail, intro: str, body_html: str, plain: str,
                      attachments: list[tuple[str, str, bytes]] = ()) -> bytes:
    """Outlook desktop with a pasted table (and attachments: multipart/mixed around the body)."""
    from mailclients import _WORD_HEAD, _WORD_HTML_OPEN, _common, _ms_headers, _seed

    seed = _seed(mail)
    alt = f"_000_{seed[:28].upper()}LO2P265MB{seed[28:36].upper()}GBRP_"
    html_doc = (f"{_WORD_HTML_OPEN}\n{_WORD_HEAD}\n<body lang=\"EN-GB\">\n<div class=\"WordSection1\">\n"
                f'<p class="MsoNormal">{intro}<o:p></o:p></p>\n{body_html}\n'
                '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n<p class="MsoNormal">Jo Bloggs<o:p></o:p></p>\n'
                '<p class="MsoNormal">Independent Reviewing Officer<o:p></o:p></p>\n</div>\n</body>\n</html>\n')
    alt_part = [f"--{alt}", 'Content-Type: text/plain; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable",
                "", _qp(plain), "", f"--{alt}", 'Content-Type: text/html; charset="utf-8"',
                "Content-Transfer-Encoding: quoted-printable", "", _qp(html_doc), "", f"--{alt}--", ""]
    head = _common(mail) + _ms_headers(mail, has_attach=bool(attachments))
    if not attachments:
        head += [f'Content-Type: multipart/alternative;\n\tboundary="{alt}"', "MIME-Version: 1.0", ""]
        return "\n".join(head + alt_part).encode("ascii")
    mixed = f"_004_{seed[:28].upper()}LO2P265MB{seed[28:36].upper()}GBRP_"
    head += [f'Content-Type: multipart/mixed;\n\tboundary="{mixed}"', "MIME-Version: 1.0", ""]
    body = [f"--{mixed}", f'Content-Type: multipart/alternative;\n\tboundary="{alt}"', "", *alt_part]
    for filename, ctype, data in attachments:
        body += [f"--{mixed}", f'Content-Type: {ctype}; name="{filename}"', f'Content-Description: {filename}',
                 f'Content-Disposition: attachment; filename="{filename}"; size={len(data)};\n\t'
                 'creation-date="Mon, 10 May 2027 08:55:00 GMT";\n\tmodification-date="Mon, 10 May 2027 08:55:00 GMT"',
                 "Content-Transfer-Encoding: base64", "", _b64(data), ""]
    body.append(f"--{mixed}--")
    return "\n".join(head + body).encode("ascii")


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_docx(rows: list[tuple[str, str]], title: str = "Dispute Resolution Form", sections: list | None = None,
              w14_checkbox: tuple[str, bool] | None = None) -> bytes:
    """A Word form: a title, then one table per section (or one table), as councils' templates."""
    from docx import Document
    from docx.oxml import parse_xml

    doc = Document()
    doc.add_heading(title, level=1)
    groups = sections or [(None, rows)]
    for heading, group in groups:
        if heading:
            doc.add_paragraph(heading)
        table = doc.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in group:
            cells = table.add_row().cells
            cells[0].text = label
            cells[1].text = value
        if w14_checkbox and heading is None:
            label, checked = w14_checkbox
            cells = table.add_row().cells
            cells[0].text = label
            p = cells[1].paragraphs[0]
            xml = (
                '<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"><w:sdtPr><w14:checkbox>'
                f'<w14:checked w14:val="{1 if checked else 0}"/></w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:t>'
                f'{"☒" if checked else "☐"}</w:t></w:r></w:sdtContent></w:sdt>'
            )
            p._p.append(parse_xml(xml))
            run = p.add_run(" Stage 3")
            del run
    doc.add_paragraph("Please return to the IRO service.")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def plain_mail(mail: Mail, body: bytes, ctype: str = 'text/plain; charset="utf-8"', cte: str | None = None,
               extra: list[str] = ()) -> bytes:
    from mailclients import _common

    head = _common(mail) + list(extra) + ["MIME-Version: 1.0", f"Content-Type: {ctype}"]
    if cte:
        head.append(f"Content-Transfer-Encoding: {cte}")
    return "\n".join(head).encode("ascii") + b"\n\n" + body


def multipart(mail: Mail, ctype: str, parts: list[tuple[list[str], bytes]], boundary: str,
              extra: list[str] = (), preamble: str = "") -> bytes:
    from mailclients import _common

    head = _common(mail) + list(extra) + ["MIME-Version: 1.0", f'Content-Type: {ctype};\n\tboundary="{boundary}"', ""]
    out = "\n".join(head).encode("ascii") + (preamble.encode() + b"\n" if preamble else b"")
    for headers, body in parts:
        out += f"--{boundary}\n".encode() + "\n".join(headers).encode("ascii") + b"\n\n" + body + b"\n"
    return out + f"--{boundary}--\n".encode()


def new_alert(mid: str, subject: str, when: str, sender=JO, to=(f"Sam Carter <{SAM[1]}>",)) -> Mail:
    return Mail(sender[0], sender[1], to, subject, t(when), mid, cc=(BOX,))


def CASES() -> Iterator[tuple[str, bytes, dict]]:
    # ---- replies to mailbot's own acknowledgement, one per client -------------------------
    yield ("c_outlook_border_resolved",
           outlook_desktop(reply(JO, f"RE: {SUBJ}", "2027-05-13T09:10", "LO2P265MB5012AA01@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "Resolved, thank you Sam.\n\nKind regards\nJo", ACK),
           thread_reply("Resolved, thank you Sam.", ins("RESOLVED")))
    yield ("c_outlook_appendonsend_escalate",
           outlook_desktop(reply(JO, f"RE: {SUBJ}", "2027-05-25T08:30", "LO2P265MB5012AA02@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "Please escalate to Stage 2 - no response has been received.", ACK, style="appendonsend"),
           thread_reply("Please escalate to Stage 2 - no response has been received.", ins("ESCALATE", stage=2)))
    yield ("c_outlook_original_message_note",
           outlook_desktop(reply(JO, f"RE: {SUBJ}", "2027-05-14T11:00", "LO2P265MB5012AA03@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "NOTE spoke to Sam by phone, the visit is booked for Tuesday.", ACK, style="original"),
           thread_reply("NOTE spoke to Sam by phone, the visit is booked for Tuesday.", ins("NOTE"),
                        dates=[["Tuesday", "2027-05-18", None]]))
    yield ("c_owa_extend_uk_date",
           owa(reply(JO, f"RE: {SUBJ}", "2027-05-20T14:02", "PR3P192MB0713AA04@PR3P192MB0713.EURP192.PROD.OUTLOOK.COM"),
               "EXTEND to 04/06/2027 - the assessment is nearly finished.", ACK),
           thread_reply("EXTEND to 04/06/2027 - the assessment is nearly finished.", ins("EXTEND", until="2027-06-04"),
                        dates=[["04/06/2027", "2027-06-04", None]]))
    yield ("c_owa_html_only_withdraw",
           owa(reply(JO, f"RE: {SUBJ}", "2027-05-17T10:15", "PR3P192MB0713AA05@PR3P192MB0713.EURP192.PROD.OUTLOOK.COM"),
               "Withdraw - the family have moved to another authority.", ACK, html_only=True),
           thread_reply("Withdraw - the family have moved to another authority.", ins("WITHDRAW"), text_from_html=True))
    yield ("c_outlook_ios_agree",
           outlook_mobile(reply(JO, f"RE: {SUBJ}", "2027-05-21T18:45", "DB9P192MB1234AA06@DB9P192MB1234.EURP192.PROD.OUTLOOK.COM"),
                          "Agree", ACK, platform="iOS"),
           thread_reply("Agree", ins("AGREE")))
    yield ("c_outlook_android_status",
           outlook_mobile(reply(JO, f"RE: {SUBJ}", "2027-05-21T07:12", "DB9P192MB1234AA07@DB9P192MB1234.EURP192.PROD.OUTLOOK.COM"),
                          "Status please", ACK, platform="Android"),
           thread_reply("Status please", ins("STATUS")))
    yield ("c_gmail_cafcass",
           gmail(reply(JO, f"Re: {SUBJ}", "2027-06-30T16:20", "CAH7x9QyAA08+caf@mail.gmail.com"),
                 "Cafcass - I am making the referral today and have told the Head of Service.", ACK),
           thread_reply("Cafcass - I am making the referral today and have told the Head of Service.", ins("CAFCASS")))
    yield ("c_gmail_mobile_signature_extend",
           gmail(reply(JO, f"Re: {SUBJ}", "2027-05-19T12:00", "CAH7x9QyAA09+ext@mail.gmail.com"),
                 "Extend by 3 working days please", ACK, mobile_signature="Sent from my Galaxy"),
           thread_reply("Extend by 3 working days please", ins("EXTEND", working_days=3),
                        dates=[["3 working days", None, 3]]))
    yield ("c_apple_mail_resolved",
           apple_mail(reply(JO, f"Re: {SUBJ}", "2027-05-13T19:30", "5A7C0E2B-AA10-4F4B-9C1D-3E5F7A9B1C2D@luton.example.gov.uk"),
                      "RESOLVED\n\nThanks all", ACK),
           thread_reply("RESOLVED", ins("RESOLVED")))
    yield ("c_iphone_escalate_stage_three",
           apple_mail(reply(JO, f"Re: {SUBJ}", "2027-05-25T07:55", "8B2D4F6A-AA11-4C3E-8F1A-2B4C6D8E0F1A@luton.example.gov.uk"),
                      "Escalate to stage three please, no reply from Sam", ACK, iphone=True),
           thread_reply("Escalate to stage three please, no reply from Sam", ins("ESCALATE", stage=3)))
    yield ("c_thunderbird_extend_date",
           thunderbird(reply(JO, f"Re: {SUBJ}", "2027-05-19T09:40", "0f3e1c2a-aa12-4b5d-9e8f-7a6b5c4d3e2f@luton.example.gov.uk"),
                       "Extend until 28 May - agreed with Sam on the phone.", ACK),
           thread_reply("Extend until 28 May - agreed with Sam on the phone.", ins("EXTEND", until="2027-05-28"),
                        dates=[["28 May", "2027-05-28", None]]))
    yield ("c_thunderbird_plain_withdraw",
           thunderbird(reply(JO, f"Re: {SUBJ}", "2027-05-18T15:05", "1a2b3c4d-aa13-4e5f-8a9b-0c1d2e3f4a5b@luton.example.gov.uk"),
                       "Withdrawn - raised in error, sorry.", ACK, html_part=False),
           thread_reply("Withdrawn - raised in error, sorry.", ins("WITHDRAW")))

    # ---- managers' responses, top-posted and inline, and requests for more time -------------
    sam_mail = lambda subj, when, mid, **kw: reply(SAM, subj, when, mid, to=(f"Jo Bloggs <{JO[1]}>",), cc=(BOX,), **kw)  # noqa: E731
    yield ("c_outlook_manager_until_friday_date",
           outlook_desktop(sam_mail(f"RE: {SUBJ}", "2027-05-18T10:00", "LO2P265MB7777AB01@LO2P265MB7777.GBRP265.PROD.OUTLOOK.COM"),
                           "Hi Jo,\n\nCould we have until Friday 28th May to finish the assessment? The worker is on leave.\n\nThanks\nSam", ACK),
           thread_reply("Hi Jo,\n\nCould we have until Friday 28th May to finish the assessment? The worker is on leave.",
                        None, asks_for_more_time=True, extension_request=ts(until="2027-05-28"),
                        dates=[["Friday 28th May", "2027-05-28", None]]))
    yield ("c_gmail_manager_working_days",
           gmail(sam_mail(f"Re: {SUBJ}", "2027-05-18T10:30", "CAJ5kd82AB02+wd@mail.gmail.com"),
                 "Jo - we need 3 more working days for the PEP, the school has not replied.", ACK),
           thread_reply("Jo - we need 3 more working days for the PEP, the school has not replied.", None,
                        asks_for_more_time=True, extension_request=ts(working_days=3),
                        dates=[["3 more working days", None, 3]]))
    yield ("c_owa_manager_end_of_next_week",
           owa(sam_mail(f"RE: {SUBJ}", "2027-05-19T13:00", "PR3P192MB0713AB03@PR3P192MB0713.EURP192.PROD.OUTLOOK.COM"),
               "Jo, I'd like to ask for an extension to the end of next week please - the PEP meeting has moved.", ACK),
           thread_reply("Jo, I'd like to ask for an extension to the end of next week please - the PEP meeting has moved.", None,
                        asks_for_more_time=True, extension_request=ts(until="2027-05-28"),
                        dates=[["the end of next week", "2027-05-28", None]]))
    yield ("c_iphone_manager_12th",
           apple_mail(sam_mail(f"Re: {SUBJ}", "2027-05-18T20:10", "3C5E7A9B-AB04-4D6F-8A0B-1C3E5A7B9D0F@luton.example.gov.uk"),
                      "Can I have more time? By the 2nd June at the latest.", ACK, iphone=True),
           thread_reply("Can I have more time? By the 2nd June at the latest.", None, asks_for_more_time=True,
                        extension_request=ts(until="2027-06-02"), dates=[["2nd June", "2027-06-02", None]]))
    yield ("c_outlook_manager_response_dates",
           outlook_desktop(sam_mail(f"RE: {SUBJ}", "2027-05-17T16:00", "LO2P265MB7777AB05@LO2P265MB7777.GBRP265.PROD.OUTLOOK.COM"),
                           "Jo,\n\nThe health assessment is booked for 12 Jun and the care plan will be signed off by 04/06/2027.\n\nRegards\nSam Carter\nTeam Manager, Children in Care\nLuton Borough Council\nTel: 01582 547000", ACK),
           thread_reply("Jo,\n\nThe health assessment is booked for 12 Jun and the care plan will be signed off by 04/06/2027.",
                        None, asks_for_more_time=False, timescale=None,  # a date of an action is a fact, not a timescale
                        dates=[["12 Jun", "2027-06-12", None], ["04/06/2027", "2027-06-04", None]]))
    # Sent at 23:30 UTC on Thursday 6 May: already Friday 7 May in London, so "Friday" is the 14th.
    yield ("c_gmail_manager_friday_across_midnight",
           gmail(sam_mail(f"Re: {SUBJ}", "2027-05-07T00:30", "CAJ5kd82AB06+mid@mail.gmail.com"),
                 "Sorry Jo, could I have until Friday? The manager who signs it off is away.", ACK),
           thread_reply("Sorry Jo, could I have until Friday? The manager who signs it off is away.", None,
                        asks_for_more_time=True, extension_request=ts(until="2027-05-14"),
                        dates=[["Friday", "2027-05-14", None]]))
    yield ("c_gmail_inline_answers",
           gmail(sam_mail(f"Re: {SUBJ}", "2027-05-17T09:15", "CAJ5kd82AB07+inl@mail.gmail.com"),
                 "", JO_RAISE, inline=[("The health assessment is overdue", "Booked for 20 May with the LAC nurse."),
                                       ("the child has not been visited since March", "Visited on 14 May; the record is on Mosaic.")]),
           {"in_reply_to": [ACK_ID], "reference": "DRP-2027-0031", "instruction": None,
            "reply_text": "Booked for 20 May with the LAC nurse.\n\nVisited on 14 May; the record is on Mosaic.",
            "reply_text_excludes": ["overdue", "since March", "wrote:"]})
    yield ("c_thunderbird_inline_answers",
           thunderbird(sam_mail(f"Re: {SUBJ}", "2027-05-17T09:20", "7d8e9f0a-ab08-4b1c-9d2e-3f4a5b6c7d8e@luton.example.gov.uk"),
                       "", JO_RAISE, inline=[("The health assessment is overdue", "Booked for 20 May."),
                                             ("the child has not been visited since March", "Visited on 14 May.")]),
           {"in_reply_to": [ACK_ID], "instruction": None,
            "reply_text": "Booked for 20 May.\n\nVisited on 14 May.",
            "reply_text_excludes": ["overdue", "since March", "wrote:"]})
    yield ("c_outlook_long_signature_with_disclaimer",
           outlook_desktop(reply(JO, f"RE: {SUBJ}", "2027-05-13T09:12", "LO2P265MB5012AA14@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "Not resolved yet - the care plan still has not been updated.\n\nKind regards,\n\nJo Bloggs\n"
                           "Independent Reviewing Officer\nIRO Service | Luton Borough Council\nTel: 01582 546000\n"
                           "This e-mail is confidential and intended for the named recipient only.", SAM_REPLY),
           {"in_reply_to": [ACK_ID], "instruction": None,
            "reply_text": "Not resolved yet - the care plan still has not been updated.",
            "reply_text_excludes": ["Is this resolved?", "Tel:", "confidential"]})

    # ---- forwards ---------------------------------------------------------------------------
    yield ("c_outlook_fw_note",
           outlook_desktop(reply(JO, f"FW: {SUBJ}", "2027-05-14T12:00", "LO2P265MB5012AA15@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "NOTE forwarding Sam's update for the record.", SAM_REPLY, forward=True),
           thread_reply("NOTE forwarding Sam's update for the record.", ins("NOTE"),
                        reply_text_excludes=["Is this resolved?", "care plan has been updated"]))
    yield ("c_outlook_de_wg_forward",
           outlook_desktop(reply(JO, f"WG: {SUBJ}", "2027-05-14T12:05", "LO2P265MB5012AA16@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "Note - from the German placement provider, below.", SAM_REPLY, forward=True, language="de"),
           thread_reply("Note - from the German placement provider, below.", ins("NOTE"),
                        reply_text_excludes=["Is this resolved?", "Gesendet"]))
    yield ("c_outlook_fr_tr_forward",
           outlook_desktop(reply(JO, f"TR: {SUBJ}", "2027-05-14T12:10", "LO2P265MB5012AA17@LO2P265MB5012.GBRP265.PROD.OUTLOOK.COM"),
                           "Note: response from the French social services, below.", SAM_REPLY, forward=True, language="fr"),
           thread_reply("Note: response from the French social services, below.", ins("NOTE"),
                        reply_text_excludes=["Is this resolved?", "Envoy"]))
    yield ("c_gmail_fwd",
           gmail(reply(JO, f"Fwd: {SUBJ}", "2027-05-14T12:15", "CAH7x9QyAA18+fwd@mail.gmail.com"),
                 "Note - Sam's reply, forwarded for the file.", SAM_REPLY, forward=True),
           thread_reply("Note - Sam's reply, forwarded for the file.", ins("NOTE"),
                        reply_text_excludes=["Is this resolved?", "Forwarded message"]))
    yield ("c_apple_mail_fwd",
           apple_mail(reply(JO, f"Fwd: {SUBJ}", "2027-05-14T12:20", "9E1F3A5C-AA19-4B7D-8E0F-2A4C6E8A0B2C@luton.example.gov.uk"),
                      "NOTE for the file", SAM_REPLY, forward=True),
           thread_reply("NOTE for the file", ins("NOTE"), reply_text_excludes=["Is this resolved?", "Begin forwarded"]))

    # ---- new alerts: siblings, categories, timescales ----------------------------------------
    yield ("c_outlook_new_informal_siblings_categories",
           outlook_desktop(new_alert("LO4P265MB3921AC01@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM",
                                     "Pre-Dispute Resolution - sibling group", "2027-05-10T08:58"),
                           "Hi Sam,\n\nChild IDs: 1234567, 1234568 and 1234569\n\nThere is no care plan on file for the two younger "
                           "children and the permanence plan has not been progressed since the last review.\n\n"
                           "Please respond within 10 working days.\n\nJo", None),
           {"informal_process": "lac", "case_ids": ["1234567", "1234568", "1234569"], "instruction": None,
            "categories": {"lac": ["Significant drift in permanence planning", "Key documentation missing"]},
            "timescale": ts(working_days=10), "dates": [["10 working days", None, 10]], "form_stage": None})
    yield ("c_gmail_new_cp_pre_drp_three_working_days",
           gmail(Mail("Alex Cole", f"alex.cole@{D}", (f"Sam Carter <{SAM[1]}>",), "Pre-DRP: CP conference actions",
                      t("2027-05-11T14:00"), "CAK2mf91AC02+cp@mail.gmail.com", cc=(BOX,)),
                 "Sam,\n\nCase ID: 7654321. The core group has not met since the conference and the CP plan has not been "
                 "updated. I need a response within 3 working days.\n\nAlex (CP Chair)", None),
           {"informal_process": "cp", "informal_processes": ["lac", "cp"], "process_hint": "cp", "case_ids": ["7654321"],
            "categories": {"cp": ["Failure to visit or hold regular core groups", "Key documentation missing"]},
            "timescale": ts(working_days=3), "dates": [["3 working days", None, 3]]})
    yield ("c_apple_new_unclassified",
           apple_mail(new_alert("6F8A0C2E-AC03-4A5B-9C7D-1E3F5A7C9E1B@luton.example.gov.uk",
                                "Pre-Dispute Resolution", "2027-05-12T10:00"),
                      "Sam,\n\nChild ID 1234570. I am worried about the plan for the summer holidays; can we talk?\n\nJo", None),
           {"informal_process": "lac", "case_ids": ["1234570"], "categories": {}, "timescale": None})
    yield ("c_mosaic_examples_no_allocated_social_worker",
           outlook_desktop(Mail("Pat Moss", "pat.moss@northmoor.example.gov.uk", ("Lee Tan <lee.tan@northmoor.example.gov.uk>",),
                                "Informal DRP - Mosaic 2345678", t("2027-05-10T09:00"),
                                "AM6P195MB0101AC04@AM6P195MB0101.EURP195.PROD.OUTLOOK.COM"),
                           "Lee,\n\nMosaic ID: 2345678\n\nThere is no allocated social worker and the health assessment is "
                           "missing. Visits have not been completed since February.\n\nPat", None),
           {"rules": "mosaic", "informal_process": "lac", "case_ids": ["2345678"],
            "categories": {"lac": ["Practice issues", "Key documentation missing"]}})
    yield ("c_mosaic_care_plan_missing_is_documentation",
           gmail(Mail("Pat Moss", "pat.moss@northmoor.example.gov.uk", ("lee.tan@northmoor.example.gov.uk",),
                      "DRP Stage 1 - 2345679", t("2027-05-10T09:30"), "CAP1mq22AC05+cpm@mail.gmail.com"),
                 "Lee - Person ID 2345679: the care plan missing from the file again, and the PEP is out of date.", None),
           {"rules": "mosaic", "case_ids": ["2345679"], "categories": {"lac": ["Key documentation missing"]}})

    # ---- DRP forms ------------------------------------------------------------------------
    form_mail = lambda mid, subj="Dispute Resolution Form - Stage 1", when="2027-05-10T09:00": new_alert(mid, subj, when)  # noqa: E731
    plain_form = "\n".join(f"{k}: {v}" for k, v in FORM_ROWS)
    full_form = {"case_ids": "1234567, 1234568", "stage": "Stage 1", "categories": "Key documentation missing",
                 "timescale": "within 5 working days"}
    yield ("c_form_html_table_outlook",
           outlook_html_mail(form_mail("LO4P265MB3921AD01@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM"),
                             "Sam, please see the DRP form below.", html_table(FORM_ROWS),
                             "Sam, please see the DRP form below.\n\n" + "\n".join(f"{k}\t{v}" for k, v in FORM_ROWS)),
           {"form": full_form, "form_stage": 1, "form_source": "html", "missing_form_fields": [],
            "case_ids": ["1234567", "1234568"],
            "categories": {"lac": ["Key documentation missing"], "cp": ["Key documentation missing"]},
            "timescale": ts(working_days=5)})
    word_rows = [("Child/young person ID", "1234567"),
                 ("Level of dispute", "☐ Informal ☐ Stage 1 ☒ Stage 2 ☐ Stage 3 ☐ Stage 4"),
                 ("Category of concern", "☒ Significant drift in permanence planning ☐ Key documentation missing ☒ Failure to visit"),
                 ("Details of concern", "No permanence planning meeting has been held.")]
    nested = ('<table class="MsoNormalTable" border="0" cellspacing="0" cellpadding="0" width="100%" style="width:100.0%;mso-cellspacing:0cm">'
              '<tr><td style="padding:0cm"><p class="MsoNormal"><b>LUTON BOROUGH COUNCIL - IRO DISPUTE RESOLUTION FORM<o:p></o:p></b></p>'
              + html_table(word_rows, word=True) + "</td></tr></table>")
    yield ("c_form_word_html_nested_ticked",
           outlook_html_mail(form_mail("LO4P265MB3921AD02@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP Stage 2 form"),
                             "Morgan, the Stage 2 form is below.", nested, "Morgan, the Stage 2 form is below.\n"),
           {"form": {"case_ids": "1234567", "categories": "Significant drift in permanence planning\nFailure to visit"},
            "form_stage": 2, "form_source": "html", "case_ids": ["1234567"], "missing_form_fields": [],
            "categories": {"lac": ["Significant drift in permanence planning",
                                   "Failure to visit as required by regulations/internal protocol"],
                           }})
    docx_rows = [("Case ID", "1234571"), ("Stage", "Stage 3"), ("Category of concern", "Non-implementation of review decisions"),
                 ("Details of concern", "Review decisions have not been actioned since January.")]
    yield ("c_form_docx_attached",
           outlook_html_mail(form_mail("LO4P265MB3921AD03@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP form attached"),
                             "Please find the DRP form attached.", "", "Please find the DRP form attached.\n\nJo Bloggs\n",
                             [("DRP form 1234571.docx", DOCX, make_docx(docx_rows))]),
           {"form": {"case_ids": "1234571", "stage": "Stage 3"}, "form_stage": 3, "form_source": "docx:DRP form 1234571.docx",
            "case_ids": ["1234571"], "categories": {"lac": ["Non-implementation of review decisions"]},
            "attachments": [[DOCX, "DRP form 1234571.docx"]]})
    mosaic_sections = [
        ("Section 1 - Raising the DRP", [("Mosaic ID", "2345680"), ("Date raised", "10/05/2027"),
                                         ("Category of concern", "Drift and delay")]),
        ("Section 2 - Informal DRP", [("Details of the issue in dispute", ""), ("Agreed timescale", "")]),
        ("Section 3 - Stage 1 (Team Manager)", [("Details of the issue in dispute", "Later life letter not started."),
                                               ("Timescales required for resolution", "5 working days")]),
        ("Section 4 - Stage 2 (Service Manager)", [("Details of the issue in dispute", ""), ("Manager response", "")]),
    ]
    yield ("c_form_docx_mosaic_sections",
           outlook_html_mail(Mail("Pat Moss", "pat.moss@northmoor.example.gov.uk", ("lee.tan@northmoor.example.gov.uk",),
                                  "DRP form", t("2027-05-10T09:40"), "AM6P195MB0101AD04@AM6P195MB0101.EURP195.PROD.OUTLOOK.COM"),
                             "DRP form attached.", "", "DRP form attached.\n",
                             [("DRP.docx", DOCX, make_docx([], sections=mosaic_sections))]),
           {"rules": "mosaic", "form_stage": 1, "form_source": "docx:DRP.docx", "case_ids": ["2345680"],
            "missing_form_fields": [], "categories": {"lac": ["Drift and delay"]}})
    yield ("c_form_docx_content_control_checkbox",
           outlook_html_mail(form_mail("LO4P265MB3921AD05@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP form"),
                             "Form attached.", "", "Form attached.\n",
                             [("form.docx", DOCX, make_docx([("Child ID", "1234572"), ("Category", "drift")],
                                                            w14_checkbox=("Stage", True)))]),
           {"form_stage": 3, "case_ids": ["1234572"], "missing_form_fields": [], "form_source": "docx:form.docx"})
    html_form = ("<html><body><h2>Dispute Resolution Form</h2>" + html_table(docx_rows[:1] + [("Stage", "2")] + docx_rows[2:])
                 + "</body></html>").encode()
    yield ("c_form_html_attached",
           outlook_html_mail(form_mail("LO4P265MB3921AD06@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP"),
                             "Form attached.", "", "Form attached.\n", [("DRP_form.html", "text/html", html_form)]),
           {"form_stage": 2, "form_source": "html:DRP_form.html", "case_ids": ["1234571"]})
    yield ("c_form_plain_text_thunderbird",
           thunderbird(form_mail("5c6d7e8f-ad07-4a1b-8c2d-3e4f5a6b7c8d@luton.example.gov.uk", "DRP form - stage 1"),
                       plain_form, None, html_part=False),
           {"form": full_form, "form_stage": 1, "form_source": "text", "case_ids": ["1234567", "1234568"],
            "timescale": ts(working_days=5)})
    yield ("c_form_missing_stage",
           outlook_html_mail(form_mail("LO4P265MB3921AD08@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP form"),
                             "Form below.", html_table([r for r in FORM_ROWS if r[0] != "Stage"]), "Form below.\n"),
           {"form_stage": None, "missing_form_fields": ["stage"], "case_ids": ["1234567", "1234568"]})
    yield ("c_form_docx_missing_case_id",
           outlook_html_mail(form_mail("LO4P265MB3921AD09@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP form"),
                             "Form attached.", "", "Form attached.\n",
                             [("DRP form.docx", DOCX, make_docx([("Case ID", ""), ("Stage", "Stage 1"),
                                                                 ("Category of concern", "drift")]))]),
           {"form_stage": 1, "missing_form_fields": ["case_ids"], "case_ids": []})
    stacked = ('<table border="1">' + "".join(f"<tr><td><b>{k}</b></td></tr><tr><td>{v}</td></tr>" for k, v in FORM_ROWS[:3])
               + "</table>")
    yield ("c_form_label_above_value",
           outlook_html_mail(form_mail("LO4P265MB3921AD10@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP form"),
                             "Form:", stacked, "Form:\n"),
           {"form": {"case_ids": "1234567, 1234568", "stage": "Stage 1", "categories": "Key documentation missing"},
            "form_stage": 1, "case_ids": ["1234567", "1234568"]})
    wide = ('<table border="1"><tr><td>Child ID</td><td>1234573</td><td>Stage</td><td>Informal</td></tr>'
            '<tr><td>Category</td><td>drift</td><td>Timescale</td><td>by 21/05/2027</td></tr></table>')
    yield ("c_form_two_pairs_per_row",
           outlook_html_mail(form_mail("LO4P265MB3921AD11@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "DRP form"),
                             "Form:", wide, "Form:\n"),
           {"form_stage": 0, "case_ids": ["1234573"], "timescale": ts(until="2027-05-21"),
            "categories": {"lac": ["Significant drift in permanence planning"]}})
    yield ("c_form_compliment",
           outlook_html_mail(form_mail("LO4P265MB3921AD12@LO4P265MB3921.GBRP265.PROD.OUTLOOK.COM", "IRO form"),
                             "For the record:", html_table([("Child ID", "1234574"), ("Type", "IRO compliment"),
                                                            ("Details", "Excellent life story work by the social worker.")]),
                             "For the record:\n"),
           {"is_compliment": True, "case_ids": ["1234574"], "form_stage": None})

    # ---- MIME ------------------------------------------------------------------------------
    m = lambda mid, subj=f"RE: {SUBJ}", when="2027-05-13T10:00", sender=JO: reply(sender, subj, when, mid)  # noqa: E731
    yield ("c_mime_windows1252",
           plain_mail(m("W1252AE01@luton"), "Resolved \u2013 the \u00a3250 grant was paid and the child\u2019s PEP is done.\n".encode("cp1252"),
                      'text/plain; charset="windows-1252"', "8bit"),
           thread_reply("Resolved \u2013 the \u00a3250 grant was paid and the child\u2019s PEP is done.", ins("RESOLVED"),
                        reply_text_excludes=[]))
    yield ("c_mime_iso88591_with_cp1252_bytes",
           plain_mail(m("L1AE02@luton"), "Resolved \u2013 Zo\u00eb\u2019s visit took place.\n".encode("cp1252"),
                      'text/plain; charset="iso-8859-1"', "8bit"),
           thread_reply("Resolved \u2013 Zo\u00eb\u2019s visit took place.", ins("RESOLVED"), reply_text_excludes=[]))
    yield ("c_mime_utf8_bad_bytes",
           plain_mail(m("BADAE03@luton"), b"Escalate to stage 2 \xff\xfe - no reply\n", 'text/plain; charset="utf-8"', "8bit"),
           thread_reply("Escalate to stage 2 \ufffd\ufffd - no reply", ins("ESCALATE", stage=2), reply_text_excludes=[]))
    yield ("c_mime_undeclared_8bit_utf8",
           plain_mail(m("U8AE04@luton"), "Note \u2013 caf\u00e9 meeting moved.\n".encode("utf-8"), "text/plain", "8bit"),
           thread_reply("Note \u2013 caf\u00e9 meeting moved.", ins("NOTE"), reply_text_excludes=[]))
    yield ("c_mime_undeclared_8bit_latin",
           plain_mail(m("L8AE05@luton"), "Note \u2013 the \u00a3 figure is agreed.\n".encode("cp1252"), "text/plain", "8bit"),
           thread_reply("Note \u2013 the \u00a3 figure is agreed.", ins("NOTE"), reply_text_excludes=[]))
    yield ("c_mime_base64_plain",
           plain_mail(m("B64AE06@luton"), _b64("Agree - thanks.\n\n> quoted line\n".encode()).encode(),
                      'text/plain; charset="utf-8"', "base64"),
           thread_reply("Agree - thanks.", ins("AGREE"), reply_text_excludes=["quoted line"]))
    png = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    nested_parts = (
        b'Content-Type: multipart/related;\n\tboundary="rel"; type="multipart/alternative"\n\n'
        b'--rel\nContent-Type: multipart/alternative; boundary="alt"\n\n'
        b'--alt\nContent-Type: text/plain; charset="us-ascii"\n\nRESOLVED - see the signed plan attached.\n\n'
        b'--alt\nContent-Type: text/html; charset="us-ascii"\n\n<p>RESOLVED - see the signed plan attached.</p><img src="cid:image001.png@01DB0000.1">\n'
        b"--alt--\n\n--rel\nContent-Type: image/png; name=\"image001.png\"\nContent-Description: image001.png\n"
        b"Content-Disposition: inline; filename=\"image001.png\"\nContent-ID: <image001.png@01DB0000.1>\n"
        b"Content-Transfer-Encoding: base64\n\n" + base64.b64encode(png) + b"\n--rel--\n"
    )
    yield ("c_mime_nested_related_inline_image_pdf",
           multipart(m("NESTAE07@luton"), "multipart/mixed",
                     [([], nested_parts.split(b"\n\n", 1)[1]) if False else (nested_parts.split(b"\n\n", 1)[0].decode().split("\n"), nested_parts.split(b"\n\n", 1)[1]),
                      (['Content-Type: application/pdf; name="plan.pdf"', 'Content-Disposition: attachment; filename="plan.pdf"',
                        "Content-Transfer-Encoding: base64"], _b64(b"%PDF-1.4\n" + b"0" * 3000).encode())], "mix"),
           thread_reply("RESOLVED - see the signed plan attached.", ins("RESOLVED"), reply_text_excludes=[],
                        attachments=[["image/png", "image001.png"], ["application/pdf", "plan.pdf"]]))
    yield ("c_mime_missing_message_id",
           plain_mail(m(None), b"Status?\n"),
           thread_reply("Status?", ins("STATUS"), reply_text_excludes=[], message_id=None))
    dup = plain_mail(m("FIRSTAE09@luton"), b"Note: second copy via the gateway.\n", extra=["Message-ID: <SECONDAE09@gateway>"])
    yield ("c_mime_duplicate_message_id", dup,
           thread_reply("Note: second copy via the gateway.", ins("NOTE"), reply_text_excludes=[], message_id="FIRSTAE09@luton"))
    yield ("c_mime_rfc2047_subject_and_name",
           plain_mail(Mail("Zo\u00eb \u00d3 Briain", f"zoe.obriain@{D}", (BOX,), "RE: [DRP-2027-0031] R\u00e9ponse \u2013 caf\u00e9 visit",
                           t("2027-05-13T10:05"), "RFCAE10@luton", in_reply_to=ACK_ID, references=(ACK_ID,)),
                      b"Resolved.\n", 'text/plain; charset="utf-8"'),
           thread_reply("Resolved.", ins("RESOLVED"), reply_text_excludes=[], from_name="Zo\u00eb \u00d3 Briain",
                        subject="RE: [DRP-2027-0031] R\u00e9ponse \u2013 caf\u00e9 visit"))
    tnef = b"\x78\x9f\x3e\x22" + b"\x00" * 64
    yield ("c_mime_tnef_winmail",
           multipart(m("TNEFAE11@luton"), "multipart/mixed",
                     [(['Content-Type: text/plain; charset="us-ascii"'], b"Resolved - details in the attachment.\n"),
                      (['Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Disposition: attachment; filename="winmail.dat"',
                        "Content-Transfer-Encoding: base64"], _b64(tnef).encode())], "tnef"),
           thread_reply("Resolved - details in the attachment.", ins("RESOLVED"), reply_text_excludes=[], tnef=True,
                        attachments=[["application/ms-tnef", "winmail.dat"]]))
    ics = ("BEGIN:VCALENDAR\nMETHOD:{method}\nPRODID:Microsoft Exchange Server 2010\nVERSION:2.0\nBEGIN:VEVENT\n"
           "SUMMARY:Dispute Resolution Meeting\nDTSTART;TZID=GMT Standard Time:20270520T100000\n"
           "ATTENDEE;PARTSTAT={stat}:mailto:sam.carter@luton.example.gov.uk\nEND:VEVENT\nEND:VCALENDAR\n")
    yield ("c_mime_calendar_request",
           multipart(m("CALAE12@luton", subj=f"Dispute Resolution Meeting [DRP-2027-0031]"), "multipart/alternative",
                     [(['Content-Type: text/plain; charset="utf-8"'], b"NOTE Dispute Resolution Meeting booked for Thursday 20 May 2027 at 10:00.\n"),
                      (['Content-Type: text/calendar; charset="utf-8"; method=REQUEST'], ics.format(method="REQUEST", stat="NEEDS-ACTION").encode())],
                     "cal"),
           thread_reply("NOTE Dispute Resolution Meeting booked for Thursday 20 May 2027 at 10:00.", ins("NOTE"),
                        reply_text_excludes=[], calendar_method="REQUEST", is_automatic=False))
    yield ("c_mime_calendar_accepted",
           multipart(m("CALAE13@luton", subj="Accepted: Dispute Resolution Meeting [DRP-2027-0031]", sender=SAM), "multipart/alternative",
                     [(['Content-Type: text/plain; charset="utf-8"'], b"\n"),
                      (['Content-Type: text/calendar; charset="utf-8"; method=REPLY'], ics.format(method="REPLY", stat="ACCEPTED").encode())],
                     "cal"),
           {"reference": "DRP-2027-0031", "calendar_method": "REPLY", "is_automatic": True,
            "automatic_reason": "calendar response", "instruction": None})
    yield ("c_mime_smime_signed",
           multipart(m("SMIMEAE14@luton"), 'multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256',
                     [(['Content-Type: text/plain; charset="us-ascii"'], b"Escalate to stage 2.\n"),
                      (['Content-Type: application/pkcs7-signature; name="smime.p7s"', "Content-Transfer-Encoding: base64",
                        'Content-Disposition: attachment; filename="smime.p7s"'], _b64(b"\x30\x82\x05\x00" + b"\x01" * 200).encode())],
                     "----=_NextPart_SMIME"),
           thread_reply("Escalate to stage 2.", ins("ESCALATE", stage=2), reply_text_excludes=[], signed=True,
                        attachments=[["application/pkcs7-signature", "smime.p7s"]]))
    yield ("c_mime_smime_encrypted",
           plain_mail(m("ENCAE15@luton"), _b64(b"\x30\x80" + b"\x02" * 300).encode(),
                      'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"', "base64",
                      extra=['Content-Disposition: attachment; filename="smime.p7m"']),
           {"reference": "DRP-2027-0031", "encrypted": True, "instruction": None, "reply_text": ""})
    big = b"%PDF-1.7\n" + bytes(range(256)) * 1600
    yield ("c_mime_large_attachment",
           multipart(m("BIGAE16@luton"), "multipart/mixed",
                     [(['Content-Type: text/plain; charset="us-ascii"'], b"Note: scanned plan attached.\n"),
                      (['Content-Type: application/pdf; name="scan.pdf"', 'Content-Disposition: attachment; filename="scan.pdf"',
                        "Content-Transfer-Encoding: base64"], _b64(big).encode())], "big"),
           thread_reply("Note: scanned plan attached.", ins("NOTE"), reply_text_excludes=[],
                        attachment_sizes=[len(big)]))
    yield ("c_mime_forwarded_as_attachment",
           multipart(m("RFC822AE17@luton", subj=f"FW: {SUBJ}"), "multipart/mixed",
                     [(['Content-Type: text/plain; charset="us-ascii"'], b"Note - Sam's reply attached as sent.\n"),
                      (["Content-Type: message/rfc822"],
                       f"From: Sam Carter <{SAM[1]}>\nSubject: RE: x\nMessage-ID: <inner-sam@luton>\n\nIs this resolved?\n".encode())],
                     "fwd"),
           thread_reply("Note - Sam's reply attached as sent.", ins("NOTE"), reply_text_excludes=["Is this resolved?"],
                        attachments=[["message/rfc822", None]]))
    yield ("c_mime_mbox_from_line_qp_soft_breaks",
           b"From jo.bloggs@luton.example.gov.uk Thu May 13 10:00:00 2027\n" + plain_mail(
               m("MBOXAE18@luton"), _qp("Extend to the end of the month - the panel sits on 27 May and we need its decision first.\n").encode(),
               'text/plain; charset="utf-8"', "quoted-printable"),
           thread_reply("Extend to the end of the month - the panel sits on 27 May and we need its decision first.",
                        ins("EXTEND", until="2027-05-31"), reply_text_excludes=[]))
    yield ("c_mime_read_receipt",
           multipart(m("MDNAE19@luton", subj=f"Read: {SUBJ}", sender=SAM),
                     'multipart/report; report-type=disposition-notification',
                     [(['Content-Type: text/plain; charset="us-ascii"'], b"Your message was read on 13 May 2027 10:00.\n"),
                      (["Content-Type: message/disposition-notification"], b"Final-Recipient: rfc822;sam.carter@luton.example.gov.uk\nDisposition: automatic-action/MDN-sent-automatically; displayed\n")],
                     "mdn"),
           {"is_automatic": True, "automatic_reason": "read receipt", "instruction": None})
    yield ("c_mime_exchange_ooo_no_headers",
           plain_mail(m("OOOAE20@luton", subj=f"Automatic reply: {SUBJ}", sender=SAM),
                      b"I am out of the office until Monday 24 May with no access to e-mail.\n"),
           {"is_automatic": True, "automatic_reason": "out-of-office subject", "instruction": None})
    yield ("c_mime_broken_date_and_folded_subject",
           b"From: Jo Bloggs <jo.bloggs@luton.example.gov.uk>\nTo: drp@luton.example.gov.uk\n"
           b"Subject: RE: [DRP-2027-0031] Pre-Dispute Resolution\n acknowledged: response due\n\t24 May 2027\n"
           b"Date: Thursday 13th May, around ten\nMessage-ID: <BROKENAE21@luton>\nIn-Reply-To: <" + ACK_ID.encode() + b">\n"
           b"MIME-Version: 1.0\nContent-Type: text/plain\n\nResolved\n",
           thread_reply("Resolved", ins("RESOLVED"), reply_text_excludes=[], date=None,
                        subject="RE: [DRP-2027-0031] Pre-Dispute Resolution acknowledged: response due 24 May 2027"))
    yield ("c_mime_outlook_plain_text_only_original",
           plain_mail(m("PLAINAE22@luton"),
                      ("Resolved.\n\n-----Original Message-----\nFrom: Sam Carter <sam.carter@luton.example.gov.uk>\n"
                       "Sent: 12 May 2027 16:40\nTo: Jo Bloggs <jo.bloggs@luton.example.gov.uk>\nSubject: RE: x\n\nIs this resolved?\n").encode(),
                      'text/plain; charset="us-ascii"', "7bit", extra=[f"Thread-Index: AdtAaE22b{'x' * 20}"]),
           thread_reply("Resolved.", ins("RESOLVED"), reply_text_excludes=["Is this resolved?"]))


def main() -> int:
    count = 0
    for name, raw, expected in CASES():
        (OUT / f"{name}.eml").write_bytes(raw)
        (OUT / f"{name}.expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
        count += 1
    print(f"wrote {count} fixtures to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
