"""Mail as each real client writes it, for the fixtures and the end-to-end reply tests.

Each writer takes what a person typed (``new``), the message they answer (``quoted``, with its
sender, date and subject) and the thread headers, and returns the bytes that client would send:
its own header set (Thread-Index, X-Mailer, User-Agent), its MIME layout and boundary style, its
plain-text quoting and its HTML markup for the quoted history (``#divRplyFwdMsg``,
``#appendonsend``, ``gmail_quote``, ``blockquote type="cite"``, ``moz-cite-prefix``). The shapes
are copied from real messages of each client, with the people and the content invented.

Used by scripts/make_fixture_mail.py (which writes tests/fixtures/mail) and by
tests/test_client_replies.py (which sends these replies into a running Mailbot).
"""

from __future__ import annotations

import base64
import hashlib
import html
import quopri
from dataclasses import dataclass, field
from datetime import datetime
from email.header import Header
from email.utils import format_datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Quoted:
    """The message being answered, as the client quotes it."""

    sender_name: str
    sender_addr: str
    when: datetime
    subject: str
    body: str
    to: str = ""
    message_id: str = ""


@dataclass(frozen=True)
class Mail:
    """The header facts every writer needs."""

    from_name: str
    from_addr: str
    to: tuple[str, ...]
    subject: str
    when: datetime
    message_id: str | None
    cc: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    extra_headers: tuple[tuple[str, str], ...] = field(default=())


def _seed(mail: Mail) -> str:
    return hashlib.sha1(f"{mail.message_id}{mail.subject}{mail.when}".encode()).hexdigest()


def _qp(text: str, charset: str = "utf-8") -> str:
    return quopri.encodestring(text.replace("\n", "\r\n").encode(charset)).decode("ascii").replace("\r\n", "\n")


def _b64(data: bytes) -> str:
    raw = base64.b64encode(data).decode("ascii")
    return "\n".join(raw[i : i + 76] for i in range(0, len(raw), 76))


def _addr(name: str, addr: str) -> str:
    if not name:
        return addr
    if all(ord(c) < 128 for c in name):
        return f"{name} <{addr}>"
    return f"{Header(name, 'utf-8').encode()} <{addr}>"


def _subject(subject: str) -> str:
    if all(ord(c) < 128 for c in subject):
        return subject
    return Header(subject, "utf-8").encode()


def _common(mail: Mail, order: str = "outlook") -> list[str]:
    to = ", ".join(mail.to)
    cc = ", ".join(mail.cc)
    lines = []
    if order == "outlook":
        lines.append(f"From: {_addr(mail.from_name, mail.from_addr)}")
        lines.append(f"To: {to}")
        if cc:
            lines.append(f"CC: {cc}")
        lines.append(f"Subject: {_subject(mail.subject)}")
    else:
        lines.append("MIME-Version: 1.0")
    lines.append(f"Date: {format_datetime(mail.when)}")
    if mail.message_id:
        lines.append(f"Message-ID: <{mail.message_id}>")
    if mail.references:
        lines.append("References: " + "\n ".join(f"<{r}>" for r in mail.references))
    if mail.in_reply_to:
        lines.append(f"In-Reply-To: <{mail.in_reply_to}>")
    if order != "outlook":
        lines.append(f"Subject: {_subject(mail.subject)}")
        lines.append(f"From: {_addr(mail.from_name, mail.from_addr)}")
        lines.append(f"To: {to}")
        if cc:
            lines.append(f"Cc: {cc}")
    lines.extend(f"{k}: {v}" for k, v in mail.extra_headers)
    return lines


def _thread_index(mail: Mail) -> str:
    return base64.b64encode(hashlib.sha256(_seed(mail).encode()).digest()[:22]).decode("ascii")


def _ms_headers(mail: Mail, has_attach: bool = False) -> list[str]:
    topic = mail.subject
    for prefix in ("RE: ", "Re: ", "FW: ", "Fwd: ", "WG: ", "TR: "):
        if topic.startswith(prefix):
            topic = topic[len(prefix):]
    return [
        f"Thread-Topic: {_subject(topic)}",
        f"Thread-Index: {_thread_index(mail)}",
        "Accept-Language: en-GB, en-US",
        "Content-Language: en-GB",
        "X-MS-Has-Attach: " + ("yes" if has_attach else ""),
        "X-MS-TNEF-Correlator:",
    ]


def _html_paras(text: str, cls: str = "MsoNormal") -> str:
    out = []
    for line in text.split("\n"):
        if line.strip():
            out.append(f'<p class="{cls}">{html.escape(line)}<o:p></o:p></p>')
        else:
            out.append(f'<p class="{cls}"><o:p>&nbsp;</o:p></p>')
    return "\n".join(out)


def _plain_divs(text: str) -> str:
    return "\n".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in text.split("\n"))


def _outlook_sent(when: datetime) -> str:
    local = when.astimezone(LONDON)
    return local.strftime("%d %B %Y %H:%M")


def _owa_sent(when: datetime) -> str:
    local = when.astimezone(LONDON)
    return local.strftime("%A, %B %-d, %Y %-I:%M %p")


_WORD_HEAD = """<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta name="Generator" content="Microsoft Word 15 (filtered medium)">
<style><!--
/* Font Definitions */
@font-face
	{font-family:"Cambria Math";
	panose-1:2 4 5 3 5 4 6 3 2 4;}
p.MsoNormal, li.MsoNormal, div.MsoNormal
	{margin:0cm;
	font-size:11.0pt;
	font-family:"Calibri",sans-serif;}
span.EmailStyle19
	{mso-style-type:personal-reply;
	font-family:"Calibri",sans-serif;
	color:windowtext;}
.MsoChpDefault
	{mso-style-type:export-only;
	font-size:10.0pt;}
@page WordSection1
	{size:612.0pt 792.0pt;
	margin:72.0pt 72.0pt 72.0pt 72.0pt;}
div.WordSection1
	{page:WordSection1;}
--></style><!--[if gte mso 9]><xml>
<o:shapedefaults v:ext="edit" spidmax="1026" />
</xml><![endif]--><!--[if gte mso 9]><xml>
<o:shapelayout v:ext="edit">
<o:idmap v:ext="edit" data="1" />
</o:shapelayout></xml><![endif]-->
</head>"""

_WORD_HTML_OPEN = (
    '<html xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="urn:schemas-microsoft-com:office:word" xmlns:m="http://schemas.microsoft.com/office/2004/12/omml" '
    'xmlns="http://www.w3.org/TR/REC-html40">'
)


def _alternative(boundary: str, plain: str, html_body: str, plain_cte: str = "qp",
                 plain_charset: str = "us-ascii", html_charset: str = "us-ascii") -> list[str]:
    def part(ctype: str, charset: str, body: str, cte: str) -> list[str]:
        if cte == "qp":
            return [f'Content-Type: {ctype}; charset="{charset}"', "Content-Transfer-Encoding: quoted-printable",
                    "", _qp(body, "utf-8" if charset.lower() in ("us-ascii", "utf-8") else charset)]
        if cte == "base64":
            return [f'Content-Type: {ctype}; charset="{charset}"', "Content-Transfer-Encoding: base64", "",
                    _b64(body.encode(charset))]
        return [f'Content-Type: {ctype}; charset="{charset}"', "", body]

    return [f"--{boundary}", *part("text/plain", plain_charset, plain, plain_cte), "",
            f"--{boundary}", *part("text/html", html_charset, html_body, "qp"), "", f"--{boundary}--", ""]


def _charset_for(*texts: str) -> str:
    return "us-ascii" if all(ord(c) < 128 for t in texts for c in t) else "utf-8"


# ---- Outlook desktop (Microsoft 365 / 2016+) ------------------------------------------------

def outlook_desktop(mail: Mail, new: str, quoted: Quoted | None, *, style: str = "border",
                    forward: bool = False, language: str = "en") -> bytes:
    """Outlook for Windows: text/plain + Word HTML; the quote under a rule with From/Sent/To/Subject.

    ``style``: "border" (the border-top div of Outlook 2016+), "appendonsend" (Microsoft 365's
    ``#appendonsend`` + ``#divRplyFwdMsg``), or "original" (-----Original Message-----, as Outlook
    writes plain-text replies). ``language`` "de"/"fr" writes the header block as a German or
    French Outlook does.
    """
    seed = _seed(mail)
    boundary = f"_000_{seed[:28].upper()}LO2P265MB{seed[28:36].upper()}GBRP_"
    labels = {"en": ("From", "Sent", "To", "Cc", "Subject"),
              "de": ("Von", "Gesendet", "An", "Cc", "Betreff"),
              "fr": ("De\u00a0", "Envoyé\u00a0", "À\u00a0", "Cc\u00a0", "Objet\u00a0")}[language]
    plain_labels = tuple(l.replace("\u00a0", " ") for l in labels)
    plain = new + "\n\n"
    html_quote = ""
    if quoted is not None:
        sent = _outlook_sent(quoted.when)
        header_lines = [
            f"{plain_labels[0]}: {quoted.sender_name} <{quoted.sender_addr}>",
            f"{plain_labels[1]}: {sent}",
            f"{plain_labels[2]}: {quoted.to or mail.from_name}",
            f"{plain_labels[4]}: {quoted.subject}",
        ]
        if style == "original":
            plain += "-----Original Message-----\n" + "\n".join(header_lines) + "\n\n" + quoted.body + "\n"
        elif style == "appendonsend":
            plain += "________________________________\n" + "\n".join(header_lines) + "\n\n" + quoted.body + "\n"
        else:
            plain += "\n".join(header_lines) + "\n\n" + quoted.body + "\n"
        hdr_html = (
            f'<b>{labels[0]}:</b> {html.escape(quoted.sender_name)} &lt;{html.escape(quoted.sender_addr)}&gt; <br>\n'
            f"<b>{labels[1]}:</b> {html.escape(sent)}<br>\n"
            f"<b>{labels[2]}:</b> {html.escape(quoted.to or mail.from_name)}<br>\n"
            f"<b>{labels[4]}:</b> {html.escape(quoted.subject)}"
        )
        if style == "appendonsend":
            html_quote = (
                '<div id="appendonsend"></div>\n<hr style="display:inline-block;width:98%" tabindex="-1">\n'
                f'<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">{hdr_html}</font>\n'
                "<div>&nbsp;</div>\n</div>\n" + _html_paras(quoted.body)
            )
        elif style == "original":
            html_quote = (
                '<p class="MsoNormal">-----Original Message-----<br>\n' + hdr_html + "<o:p></o:p></p>\n"
                + _html_paras(quoted.body)
            )
        else:
            html_quote = (
                '<div>\n<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">\n'
                f'<p class="MsoNormal"><span lang="EN-US">{hdr_html}<o:p></o:p></span></p>\n</div>\n</div>\n'
                '<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n' + _html_paras(quoted.body)
            )
    html_body = (
        f"{_WORD_HTML_OPEN}\n{_WORD_HEAD}\n"
        '<body lang="EN-GB" link="#0563C1" vlink="#954F72" style="word-wrap:break-word">\n'
        '<div class="WordSection1">\n' + _html_paras(new) + '\n<p class="MsoNormal"><o:p>&nbsp;</o:p></p>\n'
        + html_quote + "\n</div>\n</body>\n</html>\n"
    )
    charset = _charset_for(plain, html_body)
    head = _common(mail) + _ms_headers(mail) + [
        f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"', "MIME-Version: 1.0", ""]
    body = _alternative(boundary, plain, html_body, plain_charset=charset, html_charset="utf-8")
    return "\n".join(head + body).encode("ascii")


# ---- Outlook on the web / new Outlook -----------------------------------------------------

def owa(mail: Mail, new: str, quoted: Quoted | None, *, html_only: bool = False) -> bytes:
    """Outlook on the web: an Exchange-built plain part (or none) and OWA's ``divRplyFwdMsg`` HTML."""
    seed = _seed(mail)
    boundary = f"_000_{seed[:32].upper()}PR3P192MB_"
    new_html = "".join(
        f'<div class="elementToProof" style="font-family: Aptos, Aptos_EmbeddedFont, Calibri, Helvetica, sans-serif; '
        f'font-size: 12pt; color: rgb(0, 0, 0);">{html.escape(line) or "<br>"}</div>\n'
        for line in new.split("\n")
    )
    quote_html = plain_quote = ""
    if quoted is not None:
        sent = _owa_sent(quoted.when)
        quote_html = (
            '<div id="appendonsend"></div>\n<hr style="display:inline-block;width:98%" tabindex="-1">\n'
            '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
            f"<b>From:</b> {html.escape(quoted.sender_name)} &lt;{html.escape(quoted.sender_addr)}&gt;<br>\n"
            f"<b>Sent:</b> {html.escape(sent)}<br>\n<b>To:</b> {html.escape(quoted.to or mail.from_name)}<br>\n"
            f"<b>Subject:</b> {html.escape(quoted.subject)}</font>\n<div>&nbsp;</div>\n</div>\n"
            + _plain_divs(quoted.body)
        )
        plain_quote = (
            "\n________________________________\n"
            f"From: {quoted.sender_name} <{quoted.sender_addr}>\nSent: {sent}\nTo: {quoted.to or mail.from_name}\n"
            f"Subject: {quoted.subject}\n\n{quoted.body}\n"
        )
    html_body = (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '<style type="text/css" style="display:none;"> P {margin-top:0;margin-bottom:0;} </style>\n</head>\n'
        '<body dir="ltr">\n' + new_html + quote_html + "</body>\n</html>\n"
    )
    head = _common(mail) + _ms_headers(mail)
    if html_only:
        head += ['Content-Type: text/html; charset="utf-8"', "Content-Transfer-Encoding: quoted-printable",
                 "MIME-Version: 1.0", "", _qp(html_body)]
        return "\n".join(head).encode("ascii")
    plain = new + "\n" + plain_quote
    head += [f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"', "MIME-Version: 1.0", ""]
    body = _alternative(boundary, plain, html_body, plain_charset=_charset_for(plain), html_charset="utf-8")
    return "\n".join(head + body).encode("ascii")


# ---- Outlook for iOS / Android ------------------------------------------------------------

def outlook_mobile(mail: Mail, new: str, quoted: Quoted | None, *, platform: str = "iOS") -> bytes:
    """Outlook for iOS/Android: "Get Outlook for iOS" signature, ``ms-outlook-mobile-signature``."""
    seed = _seed(mail)
    boundary = f"_000_{seed[:32].upper()}DB9P192MB_"
    link = "https://aka.ms/o0ukef" if platform == "iOS" else "https://aka.ms/AAb9ysg"
    plain = f"{new}\n\nGet Outlook for {platform}<{link}>\n"
    quote_html = ""
    if quoted is not None:
        sent = _owa_sent(quoted.when)
        plain += (
            "________________________________\n"
            f"From: {quoted.sender_name} <{quoted.sender_addr}>\nSent: {sent}\nTo: {quoted.to or mail.from_name}\n"
            f"Subject: {quoted.subject}\n\n{quoted.body}\n"
        )
        quote_html = (
            '<div id="mail-editor-reference-message-container" class="ms-outlook-mobile-reference-message">\n'
            '<hr style="display:inline-block;width:98%" tabindex="-1">\n'
            '<div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">'
            f"<b>From:</b> {html.escape(quoted.sender_name)} &lt;{html.escape(quoted.sender_addr)}&gt;<br>\n"
            f"<b>Sent:</b> {html.escape(sent)}<br>\n<b>Subject:</b> {html.escape(quoted.subject)}</font>\n"
            "<div>&nbsp;</div>\n</div>\n" + _plain_divs(quoted.body) + "\n</div>\n"
        )
    html_body = (
        '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n</head>\n<body>\n'
        '<div dir="auto">' + "<br>".join(html.escape(l) for l in new.split("\n")) + "</div>\n"
        '<div id="ms-outlook-mobile-signature" dir="auto"><div><br></div>'
        f'Get <a href="{link}">Outlook for {platform}</a></div>\n' + quote_html + "</body>\n</html>\n"
    )
    head = _common(mail) + _ms_headers(mail) + [
        f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"', "MIME-Version: 1.0", ""]
    body = _alternative(boundary, plain, html_body, plain_charset=_charset_for(plain), html_charset="utf-8")
    return "\n".join(head + body).encode("ascii")


# ---- Gmail --------------------------------------------------------------------------------

def _gmail_attr(quoted: Quoted) -> str:
    local = quoted.when.astimezone(LONDON)
    return f"On {local:%a}, {local.day} {local:%b %Y} at {local:%H:%M}, {quoted.sender_name} <{quoted.sender_addr}> wrote:"


def gmail(mail: Mail, new: str, quoted: Quoted | None, *, inline: list[tuple[str, str]] | None = None,
          forward: bool = False, mobile_signature: str | None = None) -> bytes:
    """Gmail (web and app): "On ... wrote:" and ``>`` quoting, ``gmail_quote`` HTML.

    ``inline``: (quoted paragraph, answer) pairs for an inline reply; ``forward`` writes Gmail's
    "---------- Forwarded message ---------" block instead of a quote.
    """
    seed = _seed(mail)
    boundary = "000000000000" + seed[:16]
    sig = f"\n\n{mobile_signature}" if mobile_signature else ""
    if quoted is None:
        plain = new + sig + "\n"
        html_body = '<div dir="ltr">' + "<br>".join(html.escape(l) for l in new.split("\n")) + "</div>\n"
    elif forward:
        local = quoted.when.astimezone(LONDON)
        fwd_head = (f"---------- Forwarded message ---------\nFrom: {quoted.sender_name} <{quoted.sender_addr}>\n"
                    f"Date: {local:%a}, {local.day} {local:%b %Y} at {local:%H:%M}\nSubject: {quoted.subject}\n"
                    f"To: {quoted.to}\n")
        plain = f"{new}\n\n{fwd_head}\n\n{quoted.body}\n"
        html_body = (
            '<div dir="ltr">' + "<br>".join(html.escape(l) for l in new.split("\n")) + "<br><br>"
            '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">' + html.escape(fwd_head).replace("\n", "<br>")
            + "</div><br><br>" + "<br>".join(html.escape(l) for l in quoted.body.split("\n")) + "</div></div>\n"
        )
    elif inline:
        attr = _gmail_attr(quoted)
        parts = [new, "", attr, ""] if new else [attr, ""]
        hparts = [f'<div dir="ltr">{html.escape(new)}</div><br>' if new else "",
                  f'<div class="gmail_quote"><div dir="ltr" class="gmail_attr">{html.escape(attr)}<br></div>']
        for q, answer in inline:
            parts += ["> " + l for l in q.split("\n")] + ["", answer, ""]
            hparts.append('<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid '
                          f'rgb(204,204,204);padding-left:1ex">{html.escape(q)}</blockquote><div>{html.escape(answer)}</div><br>')
        hparts.append("</div>\n")
        plain = "\n".join(parts) + sig + "\n"
        html_body = "".join(hparts)
    else:
        attr = _gmail_attr(quoted)
        plain = f"{new}{sig}\n\n{attr}\n\n" + "\n".join("> " + l if l else ">" for l in quoted.body.split("\n")) + "\n"
        html_body = (
            '<div dir="ltr">' + "<br>".join(html.escape(l) for l in new.split("\n"))
            + (f'<br clear="all"><div><br></div><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">{html.escape(mobile_signature)}</div>' if mobile_signature else "")
            + '</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">'
            + html.escape(attr) + '<br></div><blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;'
            'border-left:1px solid rgb(204,204,204);padding-left:1ex">'
            + "<br>".join(html.escape(l) for l in quoted.body.split("\n")) + "</blockquote></div>\n"
        )
    head = _common(mail, order="gmail") + [f'Content-Type: multipart/alternative; boundary="{boundary}"', ""]
    charset = "UTF-8"
    body = [f"--{boundary}", f'Content-Type: text/plain; charset="{charset}"']
    if all(ord(c) < 128 for c in plain):
        body += ["", plain]
    else:
        body += ["Content-Transfer-Encoding: quoted-printable", "", _qp(plain)]
    body += [f"--{boundary}", f'Content-Type: text/html; charset="{charset}"', "Content-Transfer-Encoding: quoted-printable",
             "", _qp(html_body), f"--{boundary}--", ""]
    return "\n".join(head + body).encode("ascii")


# ---- Apple Mail (macOS) and iPhone Mail -------------------------------------------------------

def _apple_attr(quoted: Quoted) -> str:
    local = quoted.when.astimezone(LONDON)
    return f"On {local.day} {local:%b %Y}, at {local:%H:%M}, {quoted.sender_name} <{quoted.sender_addr}> wrote:"


def apple_mail(mail: Mail, new: str, quoted: Quoted | None, *, iphone: bool = False,
               forward: bool = False) -> bytes:
    """Apple Mail: ``Apple-Mail=_`` boundary, ``blockquote type="cite"``; iPhone: plain text only
    with "Sent from my iPhone"."""
    seed = _seed(mail)
    if iphone:
        plain = new + "\n\nSent from my iPhone\n"
        if quoted is not None:
            plain += "\n> " + _apple_attr(quoted) + "\n> \n" + "\n".join("> " + l if l else ">" for l in quoted.body.split("\n")) + "\n"
        head = _common(mail, order="gmail") + [
            "Content-Type: text/plain;\n\tcharset=utf-8", "Content-Transfer-Encoding: quoted-printable",
            "Mime-Version: 1.0 (1.0)", "X-Mailer: iPhone Mail (21E236)", "", _qp(plain)]
        return "\n".join(head).encode("ascii")
    boundary = f"Apple-Mail=_{seed[:8].upper()}-{seed[8:12].upper()}-{seed[12:16].upper()}-{seed[16:20].upper()}-{seed[20:32].upper()}"
    if quoted is None:
        plain = new + "\n"
        quote_html = ""
    elif forward:
        local = quoted.when.astimezone(LONDON)
        fwd = (f"Begin forwarded message:\n\nFrom: {quoted.sender_name} <{quoted.sender_addr}>\n"
               f"Subject: {quoted.subject}\nDate: {local.day} {local:%B %Y} at {local:%H:%M}:00 BST\nTo: {quoted.to}\n")
        plain = f"{new}\n\n{fwd}\n{quoted.body}\n"
        quote_html = ('<div><br><blockquote type="cite"><div>' + html.escape(fwd).replace("\n", "<br>")
                      + "</div>" + _plain_divs(quoted.body) + "</blockquote></div>")
    else:
        attr = _apple_attr(quoted)
        plain = f"{new}\n\n> {attr}\n> \n" + "\n".join("> " + l if l else ">" for l in quoted.body.split("\n")) + "\n"
        quote_html = ('<div><br><blockquote type="cite"><div>' + html.escape(attr)
                      + '</div><br class="Apple-interchange-newline">' + _plain_divs(quoted.body) + "</blockquote></div>")
    html_body = ('<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>'
                 '<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">'
                 + _plain_divs(new) + quote_html + "</body></html>")
    head = [f"From: {_addr(mail.from_name, mail.from_addr)}", f'Content-Type: multipart/alternative;\n\tboundary="{boundary}"',
            "Mime-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.500.171.1.1\\))", f"Subject: {_subject(mail.subject)}",
            f"Date: {format_datetime(mail.when)}"]
    if mail.references:
        head.append("References: " + "\n ".join(f"<{r}>" for r in mail.references))
    head.append(f"To: {', '.join(mail.to)}")
    if mail.cc:
        head.append(f"Cc: {', '.join(mail.cc)}")
    if mail.in_reply_to:
        head.append(f"In-Reply-To: <{mail.in_reply_to}>")
    if mail.message_id:
        head.append(f"Message-Id: <{mail.message_id}>")
    head += [f"{k}: {v}" for k, v in mail.extra_headers] + ["X-Mailer: Apple Mail (2.3774.500.171.1.1)", ""]
    body = [f"--{boundary}", "Content-Transfer-Encoding: quoted-printable", "Content-Type: text/plain;\n\tcharset=utf-8",
            "", _qp(plain), f"--{boundary}", "Content-Transfer-Encoding: quoted-printable",
            "Content-Type: text/html;\n\tcharset=utf-8", "", _qp(html_body), f"--{boundary}--", ""]
    return "\n".join(head + body).encode("ascii")


# ---- Thunderbird --------------------------------------------------------------------------

def thunderbird(mail: Mail, new: str, quoted: Quoted | None, *, inline: list[tuple[str, str]] | None = None,
                html_part: bool = True) -> bytes:
    """Thunderbird: ``moz-cite-prefix`` and ``blockquote type="cite"``; format=flowed plain text."""
    seed = _seed(mail)
    boundary = f"------------{seed[:24]}"
    attr = ""
    if quoted is not None:
        local = quoted.when.astimezone(LONDON)
        attr = f"On {local:%d/%m/%Y} {local:%H:%M}, {quoted.sender_name} wrote:"
    if quoted is None:
        plain = new + "\n"
        quote_html = ""
    elif inline:
        pieces = [attr]
        hp = [f'<div class="moz-cite-prefix">{html.escape(attr)}<br></div>']
        for q, answer in inline:
            pieces += ["> " + l for l in q.split("\n")] + ["", answer, ""]
            hp.append(f'<blockquote type="cite">{html.escape(q)}</blockquote><p>{html.escape(answer)}</p>')
        plain = (new + "\n\n" if new else "") + "\n".join(pieces) + "\n"
        quote_html = "".join(hp)
    else:
        plain = f"{new}\n\n{attr}\n" + "\n".join("> " + l if l else ">" for l in quoted.body.split("\n")) + "\n"
        quote_html = (f'<div class="moz-cite-prefix">{html.escape(attr)}<br></div>\n'
                      f'<blockquote type="cite" cite="mid:{html.escape(quoted.message_id or "x@y")}">'
                      + _plain_divs(quoted.body) + "</blockquote>\n")
    new_html = "" if (inline and not new) else "".join(f"<p>{html.escape(l)}</p>\n" for l in new.split("\n\n"))
    html_body = ('<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv="Content-Type" content="text/html; charset=UTF-8">\n'
                 "  </head>\n  <body>\n" + new_html + quote_html + "  </body>\n</html>\n")
    head = [f"Message-ID: <{mail.message_id}>" if mail.message_id else "", f"Date: {format_datetime(mail.when)}",
            "MIME-Version: 1.0", "User-Agent: Mozilla Thunderbird", f"Subject: {_subject(mail.subject)}",
            f"To: {', '.join(mail.to)}"]
    if mail.cc:
        head.append(f"Cc: {', '.join(mail.cc)}")
    if mail.references:
        head.append("References: " + "\n ".join(f"<{r}>" for r in mail.references))
    head += ["Content-Language: en-GB", f"From: {_addr(mail.from_name, mail.from_addr)}"]
    if mail.in_reply_to:
        head.append(f"In-Reply-To: <{mail.in_reply_to}>")
    head += [f"{k}: {v}" for k, v in mail.extra_headers]
    head = [h for h in head if h]
    charset = "UTF-8"
    cte = "8bit" if any(ord(c) > 127 for c in plain) else "7bit"
    if not html_part:
        head += [f"Content-Type: text/plain; charset={charset}; format=flowed", f"Content-Transfer-Encoding: {cte}", "", plain]
        return "\n".join(head).encode("utf-8")
    head += [f'Content-Type: multipart/alternative;\n boundary="{boundary}"', "", "This is a multi-part message in MIME format."]
    body = [f"--{boundary}", f"Content-Type: text/plain; charset={charset}; format=flowed", f"Content-Transfer-Encoding: {cte}",
            "", plain, f"--{boundary}", f"Content-Type: text/html; charset={charset}", f"Content-Transfer-Encoding: {cte}",
            "", html_body, f"--{boundary}--", ""]
    return "\n".join(head + body).encode("utf-8")


CLIENTS = {
    "outlook_desktop": outlook_desktop,
    "owa": owa,
    "outlook_mobile": outlook_mobile,
    "gmail": gmail,
    "apple_mail": apple_mail,
    "thunderbird": thunderbird,
}
