"""Finding the new text of a reply: quoted history, client boilerplate and signatures removed.

Only what the sender wrote this time counts as their response or instruction (DESIGN §3), so
everything each common client appends below the new text is cut: Outlook's header block, Gmail's
and Apple Mail's "On ... wrote:" line, ">" quoting, mobile "Sent from" lines, "-- " signatures and
a trailing sign-off block.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

from .instruction import INSTRUCTION_WORDS
from .mime import HTML_PARSER

_RULE = re.compile(r"^\s*_{8,}\s*$")
_ORIGINAL = re.compile(
    r"^\s*(-{2,}\s*(original message|forwarded message|original|message d'origine|message transféré|"
    r"ursprüngliche nachricht|weitergeleitete nachricht|originalnachricht|oorspronkelijk bericht|doorgestuurd bericht|"
    r"mensaje original|mensaje reenviado|messaggio originale|messaggio inoltrato|wiadomość oryginalna|"
    r"oryginalna wiadomość|ursprungligt meddelande|vidarebefordrat meddelande|oprindelig meddelelse|"
    r"videresendt meddelelse|opprinnelig melding|videresendt melding|mensagem original|mensagem encaminhada|"
    r"neges wreiddiol|alkuperäinen viesti)\s*-{2,}\s*|begin forwarded message:\s*|début du message réexpédié\s*:\s*)$",
    re.IGNORECASE,
)
# Outlook writes its quoted-header block in the sender's language: the words each language uses
# for From, Sent/Date, To and Subject (English, German, French, Dutch, Spanish, Italian, Polish,
# Swedish, Danish, Norwegian, Portuguese, Welsh, Finnish).
_HDR = r"^[\s*>]*(?:{})\*?[ \t\u00a0\u202f]*:"  # French Outlook: "Envoyé\u00a0:" (a no-break space)
_FROM = re.compile(_HDR.format(
    r"from|von|de|van|da|od|från|fra|frá|oddi\s*wrth|oddiwrth|gan|lähettäjä|afzender|remitente|mittente|nadawca|avsändare|afsender|avsender|remetente"),
    re.IGNORECASE)
_SENT = re.compile(_HDR.format(
    r"sent|gesendet|envoyé|envoye|verzonden|enviado(?:\s+el)?|inviato|wysłane|wysłano|skickat|sendt|enviada|anfonwyd|lähetetty|data|datum|fecha|date|dato|dyddiad"),
    re.IGNORECASE)
_DATE = re.compile(_HDR.format("date|datum|data|fecha|dato|dyddiad|päivämäärä"), re.IGNORECASE)
_TO = re.compile(_HDR.format("to|an|à|a|aan|para|do|till|til|at|vastaanottaja|cc"), re.IGNORECASE)
_SUBJECT = re.compile(_HDR.format(
    "subject|betreff|objet|onderwerp|asunto|oggetto|temat|ämne|emne|pwnc|assunto|aihe|emne"), re.IGNORECASE)
# "wrote:" in the languages of the clients' attribution lines.
_WROTE_WORDS = (
    r"wrote|schrieb|a\s+écrit|a\s+ecrit|schreef|escribió|escribio|ha\s+scritto|scrisse|napisał\(a\)|napisał|napisała|"
    r"skrev|skriver|pisze|escreveu|ysgrifennodd|kirjoitti|írta|napsal\(a\)|napsal|scrie|έγραψε|"
    r"geschreven|đã\s+viết|написал\(а\)|написал|написала|пишет|sent"
)
_WROTE_ONE = re.compile(rf"^\s*\S.{{4,300}}\b(?:{_WROTE_WORDS})\s*:?\s*$", re.IGNORECASE)
_WROTE_END = re.compile(rf"(?:\b(?:{_WROTE_WORDS})|<[^<>@\s]+@[^<>\s]+>)\s*:\s*$|\b(?:{_WROTE_WORDS})\s*$", re.IGNORECASE)
# _WROTE_END's second branch alone (a writing word ending the text, no colon), searched only in
# the last characters: a search from the start tried the long alternation at every position
# of every joined attribution candidate (issue 13: the reply reader's largest cost).
_WROTE_AT_END = re.compile(rf"\b(?:{_WROTE_WORDS})\s*$", re.IGNORECASE)
_WROTE_AT_END_REACH = 40  # longer than any writing word with its spaces
_DIGIT_OR_AT = re.compile(r"\d|@")
_NUMERIC_DATE = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}")
_ENDS_WITH_ADDRESS = re.compile(r"<[^<>\s@]+@[^<>\s]+>\s*:?$")
_ON_START = re.compile(
    r"^\s*(On|Am|Le|Op|El|Il|W\s+dniu|Den|Em|Ar|Dne|\d{1,4}[-./]\d{1,2}[-./]\d{1,4}|"
    r"(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|mån|tis|ons|tor|fre|lör|sön|ma|di|wo|do|vr|za|zo)\w*[.,]?\s+\d)\b",
    re.IGNORECASE,
)
# A date-first attribution ("2027-05-12 9:14 GMT+01:00 Name <addr>:"), as some webmail writes it.
_DATE_FIRST = re.compile(r"^\s*\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}.{0,120}@[^\s>]+>?\s*:\s*$")
_MOBILE = re.compile(
    r"^\s*(?:sent\s+(?:from|via|with|using)\s+(?:my\s+)?\S.{0,40}$|get\s+outlook\s+for\s+\w+"
    r"|envoyé\s+de\s+mon\s+\S+|von\s+meinem\s+\S+(?:\s+\S+){0,2}\s+gesendet|gesendet\s+von\s+meinem\s+\S+"
    r"|(?:verzonden|verstuurd)\s+(?:vanaf|met|van)\s+(?:mijn\s+)?\S+|enviado\s+(?:desde|do|de)\s+(?:mi|meu|o\s+meu)\s+\S+"
    r"|inviato\s+da\s+\S+|wysłane\s+z\s+\S+|skickat\s+från\s+(?:min\s+)?\S+|sendt\s+fra\s+(?:min\s+)?\S+"
    r"|anfonwyd\s+o\s+(?:fy\s+)?\S+|lähetetty\s+\S+"
    # "Get Outlook for iOS" in other languages: "Pobierz aplikację Outlook dla systemu iOS",
    # "Outlook für iOS beziehen", "Télécharger Outlook pour Android".
    r"|(?:\S+\s+){0,3}outlook\s+(?:\S+\s+){1,2}(?:ios|android)\b\S*(?:\s+\S+)?\s*$)",
    re.IGNORECASE,
)
_SIG_DELIM = re.compile(r"^--\s?$")
_SIGN_OFF = re.compile(
    r"^\s*(kind(est)?\s+regards|warm(est)?\s+regards|best\s+regards|many\s+thanks|"
    r"thanks\s+(again|very much|and regards|all|everyone|both)|thank\s+you|thanks|regards|best\s+wishes|"
    r"best|cheers|yours\s+sincerely|yours\s+faithfully|with\s+thanks|all\s+the\s+best|"
    r"kr|br|"
    # The same in the languages of partner agencies' and relatives' mail.
    r"med\s+venlig\s+hilsen|venlig\s+hilsen|de\s+bedste\s+hilsner|mvh|hilsen|med\s+vennlig\s+hilsen|vennlig\s+hilsen|"
    r"(med\s+)?vänlig(a)?\s+hälsning(ar)?|hälsningar|tack(\s+så\s+mycket)?|mvh|met\s+vriendelijke\s+groet(en)?|vriendelijke\s+groet(en)?|groeten|dank\s+je(\s+wel)?|"
    r"mit\s+freundlichen\s+grüßen|freundliche\s+grüße|viele\s+grüße|beste\s+grüße|liebe\s+grüße|grüße|lg|mfg|"
    r"cordialement|bien\s+à\s+vous|bien\s+cordialement|salutations|bisous|"
    r"(muchas\s+gracias\s+y\s+)?saludos(\s+cordiales)?|un\s+saludo|atentamente|(muchas\s+)?gracias|"
    r"(grazie\s+e\s+)?(cordiali|distinti|cari)\s+saluti|saluti|grazie(\s+mille)?|merci(\s+beaucoup)?|danke(\s+schön)?|"
    r"(serdecznie\s+)?pozdrawiam|z\s+poważaniem|pozdrowienia|dziękuję|atenciosamente|(com\s+os\s+)?(melhores\s+)?cumprimentos|abraços|obrigad[oa]|"
    r"cofion(\s+(gorau|cynnes|caredig))?|yn\s+gywir|diolch(\s+yn\s+fawr)?|ystyried)(?:[ \t]*[,.!])?\s*$",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"confidential|disclaimer|intended recipient|privileged|official[- ]sensitive|"
    r"this e-?mail|this message|named recipient|virus|monitor(?:s|ed|ing)?\b|recorded|in error|"
    # "Any views or opinions presented are solely those of the author and do not necessarily
    # represent those of the Council": the classic footer line that names none of the above.
    r"views\s+(?:or|and)\s+opinions|do(?:es)?\s+not\s+necessarily\s+(?:represent|reflect)",
    re.IGNORECASE,
)
# A bare name (and maybe a job title) as the last paragraph: "Jo", "Jo Bloggs\nIRO".
_NAME_LINE = re.compile(r"^\s*[A-Z][\w'’.\-]*(?:\s+(?:[A-Z][\w'’.\-]*|of|and|&)){0,4}\s*$")
_NAME_BLOCK_MAX = 4
_NAME_BAR_TITLE = re.compile(r"^\s*[A-Z][a-z'’\-]+(?:\s+[A-Z]\.?)?(?:\s+[A-Z][a-z'’\-]+){1,2}\s*\|\s*\S")
_GREETING_ONLY = re.compile(r"^\s*(hi|hello|hey|dear|morning|good\s+\w+)\b[^.!?]{0,30}[,!]?\s*$", re.IGNORECASE)
_SIGNATURE_LINE_MAX = 100  # "Business Support Officer, on behalf of Abi Cole (Team Manager, Children in Care Team)"
_SIGNATURE_LINES_MAX = 15


def _has_within(lines: list[str], start: int, pattern: re.Pattern[str], span: int = 6) -> bool:
    return any(pattern.search(line) for line in lines[start + 1 : start + 1 + span])


def _is_outlook_block(lines: list[str], i: int) -> bool:
    """A "From:" line that opens Outlook's quoted-header block (From/Sent/To/Subject)."""
    if not _FROM.search(lines[i]):
        return False
    if _has_within(lines, i, _SENT) and (_has_within(lines, i, _TO) or _has_within(lines, i, _SUBJECT)):
        return True
    # Thunderbird, Gmail forwards and some gateways write Date: instead of Sent:.
    return _has_within(lines, i, _DATE) and _has_within(lines, i, _SUBJECT)


# "From: somebody@example.com" alone over a ">"-quoted original: a client that kept only the
# sender's line of the quoted header.
_FROM_ADDRESS_ONLY = re.compile(r"^\s*\*?from:\*?\s+(?:[^<>\n]{0,60}<)?[^\s<>@]+@[^\s<>@]+>?\s*$", re.IGNORECASE)


def _is_sender_over_quote(lines: list[str], i: int) -> bool:
    """A lone "From: <address>" line with a ">" quote within the next few lines."""
    return bool(_FROM_ADDRESS_ONLY.match(lines[i])) and any(_is_quoted(line) for line in lines[i + 1 : i + 5])


_WROTE_ANY = re.compile(rf"\b(?:{_WROTE_WORDS})(?:\s|:|$)", re.IGNORECASE)


def _is_wrote_line(lines: list[str], i: int) -> bool:
    """An attribution line ("On ... wrote:", "Am ... schrieb Name <addr>:", "Le ... a écrit :",
    "Op ... het volgende geschreven:"), alone or wrapped over a few lines, or a date-first one
    ending "<addr>:". It carries a date or an address, and ends with the writing verb or a colon."""
    line = lines[i]
    if _is_quoted(line) or len(line) > 400:
        return False
    if _DATE_FIRST.search(line):
        return True
    first = line.strip()
    # "2011/4/7 Nathan <support@example.com>" then the quote: an attribution with no verb.
    if _NUMERIC_DATE.search(first) and _ENDS_WITH_ADDRESS.search(first):
        following = next((nxt for nxt in lines[i + 1 : i + 3] if nxt.strip()), "")
        if _is_quoted(following):
            return True
    if not (_ON_START.search(line) or _DIGIT_OR_AT.search(first)):
        return False
    if re.search(r"[.!?]$", first) and not _WROTE_ANY.search(first):
        return False  # a sentence of the new text, not the start of an attribution
    window = " ".join(lines[i : i + 5])
    if "@" not in window and not _WROTE_ANY.search(window):
        # Both endings below need a writing verb or an address in these lines: one search
        # instead of several a line (a table of 6,000 numbered rows is 6,000 candidates).
        return False
    joined = first
    blanks = 0
    for j in range(i, min(i + 5, len(lines))):
        if j > i:
            if _is_quoted(lines[j]) and not re.match(r"^\s*>\s*(?:wrote|schrieb|a\s+écrit)\s*:\s*$", lines[j], re.IGNORECASE):
                break
            if not lines[j].strip():
                blanks += 1
                if blanks > 1:
                    break
                continue
            if _ON_START.search(lines[j]) or _DATE_FIRST.search(lines[j]):
                break  # the next line starts an attribution of its own
            joined = f"{joined} {lines[j].strip()}"
        if len(joined) > 320:
            break
        # (Ending with ":" is the first branch of _WROTE_END; the lines are stripped, so the
        # second can only match in the last few characters.)
        ends = joined.endswith(":") or _WROTE_AT_END.search(joined, max(0, len(joined) - _WROTE_AT_END_REACH))
        if ends and _WROTE_ANY.search(joined) and _DIGIT_OR_AT.search(joined):
            return bool(_ON_START.search(line) or re.search(r"@|\d{1,4}[:./-]\d", joined))
        # Any language: a dated line that ends with the quoted sender's address and a colon.
        if re.search(r"@[^\s<>]+>\s*:$", joined) and re.search(r"\d", joined) and _ON_START.search(line):
            return True
    return False


_ONE_LINE_BLOCK = re.compile(
    r"^\s*(?:from|date|sent|de|von|van)\s*:.{4,200}?\b(?:from|to|an|à|aan)\s*:.{1,200}?\b(?:subject|betreff|objet|onderwerp|asunto)\s*:",
    re.IGNORECASE,
)


def _is_header_block(lines: list[str], i: int) -> bool:
    """An Outlook-style quoted-header block starting at line i with whichever header comes
    first (From, or Sent/Date first as some clients write it), in any of its languages; also
    the whole block run together on one line, as some gateways flatten it."""
    if _ONE_LINE_BLOCK.search(lines[i]):
        return True
    window = lines[i : i + 7]
    if not (_FROM.search(lines[i]) or _SENT.search(lines[i]) or _DATE.search(lines[i])):
        return False
    has_from = any(_FROM.search(line) for line in window)
    has_when = any(_SENT.search(line) or _DATE.search(line) for line in window)
    has_to_or_subject = any(_TO.search(line) or _SUBJECT.search(line) for line in window)
    if has_from and has_when and has_to_or_subject:
        return True
    # A short block ("Date: ...", "To: ...") right under each other, with an address or a date.
    pair = lines[i : i + 2]
    return (
        len(pair) == 2
        and (_SENT.search(pair[0]) or _DATE.search(pair[0]) or _FROM.search(pair[0]))
        and bool(_TO.search(pair[1]) or _SUBJECT.search(pair[1]) or _FROM.search(pair[1]) or _SENT.search(pair[1]))
        and bool(re.search(r"@|\d{1,2}:\d{2}", "\n".join(pair)))
    )


def before_history(text: str) -> str:
    """The text above the quoted history or client boilerplate, signature and all (where a
    table typed into the new text survives: the reply reader may take its cells for a
    signature)."""
    lines = (text or "").replace("\r\n", "\n").split("\n")
    return "\n".join(lines[:_history_start(lines)])


def _history_start(lines: list[str]) -> int:
    """Index of the first line of quoted history or client boilerplate (len(lines) if none)."""
    for i, line in enumerate(lines):
        if _RULE.search(line) and any(_is_outlook_block(lines, j) for j in range(i + 1, min(i + 4, len(lines)))):
            return i
        if _ORIGINAL.search(line) or _MOBILE.search(line) or _SIG_DELIM.search(line):
            return i
        if _is_outlook_block(lines, i) or _is_header_block(lines, i) or _is_wrote_line(lines, i) \
                or _is_sender_over_quote(lines, i):
            return i
        if _DASHED.search(line) and (i + 1 < len(lines) and _is_header_block(lines, i + 1) or _DASHED_TITLE.search(line)):
            return i
    return len(lines)


_DASHED = re.compile(r"^\s*-{3,}\s*[^-]{3,80}?\s*-{3,}\s*$")
# "-----Reply Message-----", "---- John Smith wrote ----", "------On 12/29 ... wrote-----": a
# title between runs of dashes, as clients set off the quoted mail.
_DASHED_TITLE = re.compile(
    r"^\s*-{3,}\s*\S[^\n]{0,80}?\b(?:message|messages|nachricht|bericht|meddelande|meddelelse|melding|mensaje|messaggio|"
    r"wiadomość|mensagem|neges|wrote|schrieb|écrit|reply|antwort|original|forward(?:ed)?)\b[^\n]{0,80}?-{3,}\s*$",
    re.IGNORECASE,
)


# A line that is a decision word alone ("Agreed.", "RESOLVED") is never part of a signature: after
# "Thank you." typed under one quoted point, it answers the next ("> can I have until the 20th?").
_DECISION_LINE = re.compile(r"^\s*(?:agreed?|resolved|escalate|extend(?:ed)?|withdraw(?:n)?|cafcass|note)\b\W*$",
                            re.IGNORECASE)


# "RESOLVED - thank you Liam, I'm closing this one." under an answer that ends "Thanks.": a line
# opening with an instruction word in capitals, as the notices ask, is the reply, not a signature.
_CAPITAL_COMMAND = re.compile(r"^\s*(?:RESOLVED|ESCALATE|EXTEND|AGREE|AGREED|WITHDRAW|CAFCASS|NOTE|STATUS)\b")


_FOOTER_RULE = re.compile(r"^\s*([*=_~#-])\1{9,}\s*$")


def _sign_off_start(lines: list[str]) -> int:
    """Index of a sign-off line followed only by a short signature block (len(lines) if none).

    A sign-off as the very first line is a greeting ("Thanks, ..." then the message), not a
    signature, so it is kept.
    """
    seen_text = False
    for i, line in enumerate(lines):
        if _SIGN_OFF.search(line) and seen_text:
            rest = [r for r in lines[i + 1 :] if r.strip()]
            # A rule of stars, dashes or underscores under the name opens the organisation's
            # footer (NHSmail's): what is under it is not checked line by line.
            rule = next((k for k, r in enumerate(rest) if _FOOTER_RULE.match(r)), None)
            if rule is not None and any(_DISCLAIMER.search(r) for r in rest[rule + 1:]):
                rest = rest[:rule]
            if len(rest) <= _SIGNATURE_LINES_MAX and all(
                len(r.strip()) <= _SIGNATURE_LINE_MAX or _DISCLAIMER.search(r) for r in rest
            ) and not any(_DECISION_LINE.match(r) or _CAPITAL_COMMAND.match(r) for r in rest):
                return i
        if line.strip():
            seen_text = True
    return len(lines)


def _name_block_start(lines: list[str]) -> int:
    """Index of a trailing paragraph that is only a name and title (len(lines) if none)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and lines[start - 1].strip():
        start -= 1
    block = lines[start:end]
    # Above the name there must be a real message, not just "Hi Sam," ("Hi Sam,\n\nResolved").
    has_text_above = any(line.strip() and not _GREETING_ONLY.match(line) for line in lines[:start])
    words = {w.lower() for line in block for w in re.findall(r"[A-Za-z]+", line)}
    if has_text_above and 0 < len(block) <= _NAME_BLOCK_MAX and _NAME_BAR_TITLE.match(block[0]) \
            and all(len(line.strip()) <= 60 for line in block) and not words & INSTRUCTION_WORDS:
        # "Jim Smith | Enrollment Manager\nXYZ Corp": a signature set with bars, no "--" above it.
        return start
    if (
        has_text_above
        and 0 < len(block) <= _NAME_BLOCK_MAX
        and not words & INSTRUCTION_WORDS
        and all(_NAME_LINE.match(line) and len(line.strip()) <= 40 for line in block)
        # "Svar." / "Done." is a sentence of the reply, not a name ("J." is an initial).
        and not any(re.search(r"[a-z]{2,}\.$", line.strip()) for line in block)
    ):
        return start
    return len(lines)


_PS = re.compile(r"^\s*p\.?\s?s\.?\b", re.IGNORECASE)


_POST_NOMINALS = re.compile(r"(?:[A-Z][A-Za-z.]{0,5}|\([A-Za-z. ]{1,12}\))(?:[\s,]+(?:[A-Z][A-Za-z.]{0,5}|\([A-Za-z. ]{1,12}\)))*")


def cut_at_own_signature(text: str, from_name: str, set_with_bars: bool = False) -> str:
    """``text`` up to its writer's own signature block: the first line that is their name as
    From gives it ("Tom Whitaker", "Aisha Rahman (she/her)", "Kate Moreno | IRO"), with the
    first-name sign-off just above it. What a long signature carries after the name (titles,
    numbers, a quotation of the day, the council's footer) is not what was said; a P.S. below
    it is, and is kept. ``set_with_bars``: only a name line set with bars ("Kerry Doyle |
    Business Manager | ...") or signed just above with the first name counts, as in a new mail,
    whose form may hold the name as a value."""
    name = " ".join((from_name or "").replace(",", " ").split()).lower()
    if len(name.split()) < 2:
        return text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        words = " ".join(re.split(r"[|(,\u2013\u2014-]", line, maxsplit=1)[0].split()).lower()
        if words != name and words.startswith(name + " "):
            # "Tom Whitaker BA (Hons) MA SW": the name with its letters after it.
            after = " ".join(line.split())[len(name):]
            words = name if _POST_NOMINALS.fullmatch(after.strip()) else words
        if i == 0 or words != name or not any(l.strip() for l in lines[:i]):
            continue
        start = i
        above = [j for j in range(i) if lines[j].strip()]
        signed_above = bool(above) and lines[above[-1]].strip().lower().rstrip(",.") == name.split()[0]
        if set_with_bars and "|" not in line and not signed_above:
            continue  # a form's value ("IRO\nKate Moreno"), not the signature under "Kate"
        if signed_above:
            start = above[-1]
        head = "\n".join(lines[:start]).rstrip()
        postscript = _postscript(lines, i + 1)
        return head + ("\n" + "\n".join(postscript).rstrip() if postscript else "")
    return text


# "see my comments in red below": the answers are in the quoted text (their initials not named;
# _ANSWERS_BELOW reads "my answers are below, marked PH").
# The new text saying its answers are in the quote below ("see my comments in red below",
# "answered inline"); _ANSWERS_BELOW adds the initials that mark them when the text names them.
_SAYS_BELOW = (r"\b(?:answers?|responses?|replies|comments?|updates?|notes?)\b[^\n]{0,40}"
               r"\b(?:below|inline|in\s+(?:blue|red|green|bold))\b")
_POINTS_BELOW = re.compile(rf"{_SAYS_BELOW}|\b(?:answered|replied|responded)\s+(?:\w+\s+){{0,2}}?(?:below|inline)\b",
                           re.IGNORECASE)


def answers_marked_with_name(text: str, from_name: str, already: str) -> list[str]:
    """Inline answers typed into the quoted history and tagged with the writer's name, as
    Outlook users do when they answer "in blue below": "[Morgan Ellis] Visit completed on 13
    July ...". The tag marks them as the writer's own words; those not in ``already`` are returned."""
    name = " ".join((from_name or "").split())
    if len(name.split()) < 2:
        return []
    first, last = name.split()[0], name.split()[-1]
    # "[Tom Whitaker]", "[Tom W]", "[Tom W.]", "[TW]": how people tag their own words.
    tags = "|".join(re.escape(t) for t in (name, f"{first} {last[0]}.", f"{first} {last[0]}", f"{first[0]}{last[0]}"))
    tag = re.compile(rf"^\s*\[\s*(?:{tags})\s*\]\s*:?\s*(?P<said>\S.*)$", re.IGNORECASE)
    # Without brackets ("AC – Referral went in on 21/09."), only the writer's initials, in
    # capitals, before a dash or colon, and only when the new text says the answers are below.
    initials = re.escape(first[0] + last[0])
    # ... or after the answer: "PEP meeting held 13/07; record uploaded this morning. – GO".
    bare = re.compile(rf"^\s*{initials}\s*[-–—:]\s*(?P<said>\S.*)$|^\s*(?P<before>[^>\s].*?)\s+[-–—]\s*{initials}\s*$") \
        if _POINTS_BELOW.search(already) else None
    seen = " ".join(already.split())
    found = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        m = tag.match(line) or (bare.match(line) if bare else None)
        said = m and (m.groupdict().get("said") or m.groupdict().get("before"))
        if said and " ".join(said.split()) not in seen:
            found.append(line.strip())  # the tag kept: it says whose words these are
    return found


_IN_COLOUR = re.compile(r"\b(?:answers?|responses?|replies|comments?|updates?|notes?)\b[^\n]{0,40}\bin\s+(?P<colour>blue|red|green)\b",
                        re.IGNORECASE)
_STYLE_COLOUR = re.compile(r"(?:^|;)\s*color\s*:\s*(?P<value>#[0-9a-f]{6}|#[0-9a-f]{3}|[a-z]+)", re.IGNORECASE)
_NAMED = {"blue": (0, 0, 255), "red": (255, 0, 0), "green": (0, 128, 0), "navy": (0, 0, 128)}


def _hue(value: str) -> str | None:
    """"blue", "red" or "green" for a CSS colour that plainly is one, else None."""
    value = value.lower()
    if value.startswith("#"):
        digits = value[1:] if len(value) == 7 else "".join(c * 2 for c in value[1:])
        r, g, b = (int(digits[i:i + 2], 16) for i in (0, 2, 4))
    elif value in _NAMED:
        r, g, b = _NAMED[value]
    else:
        return None
    if b >= 0xA0 and r < 0x40 and g < 0x90:
        return "blue"
    if r >= 0xA0 and g < 0x50 and b < 0x50:
        return "red"
    if g >= 0x80 and r < 0x40 and b < 0x40:
        return "green"
    return None


def answers_in_colour(html: str | None, already: str) -> list[str]:
    """"Answers below in blue against each of your points": the paragraphs set in that colour
    in the quoted HTML (links aside), those not already in the new text, in order. The HTML is
    parsed here, and only when the new text says so (rare, and parsing is the slow step)."""
    said = _IN_COLOUR.search(already or "")
    if said is None or not html:
        return []
    from bs4 import BeautifulSoup  # noqa: PLC0415 (only for the rare mail that needs it)

    soup = BeautifulSoup(html, "html.parser")
    colour = said.group("colour").lower()
    seen = " ".join(already.split())
    found: list[str] = []
    for element in soup.find_all(style=_STYLE_COLOUR):
        if element.name == "a" or element.find_parent("a") is not None:
            continue
        m = _STYLE_COLOUR.search(element.get("style", ""))
        text = " ".join(element.get_text(" ").split())
        if m and _hue(m.group("value")) == colour and text and text not in seen and text not in found:
            found.append(text)
    return found


def only_signature(text: str, from_name: str) -> bool:
    """Is ``text`` nothing but its writer's signature (a sign-off, then their name, title,
    numbers and the council's footer), as an Outlook reply sent with the decision typed in the
    subject is? The writer's display name, as From gives it, is what marks the signature."""
    name = " ".join((from_name or "").replace(",", " ").split()).lower()
    if not name:
        return False
    lines = [" ".join(line.split()).lower() for line in text.splitlines() if line.strip()]
    while lines and (_SIGN_OFF.search(lines[0]) or _MOBILE.search(lines[0])):
        lines.pop(0)
    return bool(lines) and lines[0] in (name, " ".join(reversed(name.split())))


def _is_quoted(line: str) -> bool:
    stripped = line.strip()
    # ">>> http://example.com <<<" is a banner, not a quote.
    return stripped.startswith(">") and not stripped.endswith("<<<")


_LINK_TAIL = re.compile(r"^\s*(?:\S*[=/_?&#%]\S*|\(?https?://\S+\)?\s*>?)\s*$")


def _block_holds_an_inline_reply(lines: list[str], start: int) -> bool:
    """The message under the header block at ``start`` opens with its own "On ... wrote:" over
    ">" quotes: an earlier inline reply, quoted whole. The lines between its quotes are that
    writer's answers (history), not the sender's ("STATUS please" over the IRO's inline reply to
    the manager, whose "Please escalate" is the IRO's of last week)."""
    blank = next((j for j in range(start + 1, min(start + 14, len(lines))) if not lines[j].strip()), None)
    if blank is None or not any(_is_header_block(lines, j) or _is_outlook_block(lines, j) for j in range(start, blank)):
        return False  # (a signature over an attribution: the sender's own inline reply follows)
    first = next((j for j in range(blank, min(blank + 4, len(lines))) if lines[j].strip()), None)
    return first is not None and not _is_quoted(lines[first]) and _is_wrote_line(lines, first)


def _inline_answers(rest: list[str]) -> list[str]:
    """The sender's own lines between ">" quotes after an attribution line (an inline reply).

    A top-posted reply has nothing unquoted between its quotes, so this is empty for it; a
    signature after the whole quote is not an answer either.
    """
    quoted = [i for i, line in enumerate(rest) if _is_quoted(line)]
    if not quoted:
        return []
    last_quote = quoted[-1]
    # A long link in the quote that the client wrapped leaves its tail unquoted
    # ("_nonce=3dd518)", " (http://example.com/c/Yz) >"): part of the quote, not an answer.
    rest = [
        f"> {line}" if quoted[0] < i <= last_quote + 1 and _LINK_TAIL.match(line) and i - 1 in quoted else line
        for i, line in enumerate(rest)
    ]
    quoted = [i for i, line in enumerate(rest) if _is_quoted(line)]
    last_quote = quoted[-1]
    answers = [
        line for i, line in enumerate(rest)
        if quoted[0] < i < last_quote and line.strip() and not _is_quoted(line)
    ]
    if not answers:
        return []
    # Answers after the last quote belong to the reply too (the closing remark), up to history.
    tail = rest[last_quote + 1 :]
    tail = tail[: _history_start(tail)]
    return [line for i, line in enumerate(rest) if quoted[0] < i < last_quote and not _is_quoted(line)] + tail


def _attribution_end(lines: list[str], start: int) -> int:
    """Index of the first line after the attribution that starts at ``start`` (it may wrap)."""
    end = start + 1
    while end < len(lines) and end < start + 3 and lines[end].strip() and not _is_quoted(lines[end]) \
            and not (_WROTE_END.search(lines[end - 1]) or lines[end - 1].rstrip().endswith(":")):
        end += 1
    return end


def _below_quote(rest: list[str]) -> list[str]:
    """A bottom-posted reply: the sender's text after the ">" quote that follows an attribution
    (up to any further history)."""
    quoted = [i for i, line in enumerate(rest) if _is_quoted(line)]
    if not quoted:
        return []
    tail = rest[quoted[-1] + 1 :]
    return tail[: _history_start(tail)]


_AFTERTHOUGHT = re.compile(r"^\s*[a-z][a-z'’]*(?:\s+[A-Za-z'’]+){3,}[\s.!?]*$")


def _postscript(lines: list[str], cut: int) -> list[str]:
    """The P.S. paragraph below a signature cut at ``cut`` ([] if none): a decision is sometimes
    written there ("P.S. EXTEND to Friday 9 July please"), and it is what was said; the footer
    after it is not."""
    start = next((j for j in range(cut, len(lines)) if _PS.match(lines[j])), None)
    if start is None:
        # "Thanks\nMark\nend of Weds should do it": a sentence typed under the name, in lower
        # case as phones leave it, before any signature block.
        start = next((j for j in range(cut, min(cut + 4, len(lines))) if _AFTERTHOUGHT.match(lines[j])), None)
    if start is None:
        return []
    end = next((j for j in range(start + 1, len(lines)) if not lines[j].strip()), len(lines))
    return [""] + lines[start:end]


# A mailing list's footer (Mailman's rule of underscores over "<list> mailing list", its address
# and the listinfo link; Google Groups' "You received this message because ..."): the list wrote
# it, not the sender.
_LIST_FOOTER_LINE = re.compile(r"\bmailing\s+list\s*$|/listinfo\b|^\s*you received this message because you are subscribed",
                               re.IGNORECASE)


# Google Calendar's invitation sets its own footer ("Invitation from Google Calendar ...") under
# this line.
_CALENDAR_FOOTER = re.compile(r"^\s*~~//~~\s*$")


def _list_footer_start(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if _CALENDAR_FOOTER.match(line):
            return i
        if _RULE.match(line) or _SIG_DELIM.match(line):
            following = [later for later in lines[i + 1 : i + 5] if later.strip()][:3]
            if any(_LIST_FOOTER_LINE.search(later) for later in following):
                return i
    return len(lines)


def _clean(lines: list[str]) -> str:
    lines = [line.rstrip() for line in lines if not _is_quoted(line)]
    lines = lines[: _list_footer_start(lines)]
    whole = lines
    lines = lines[: _sign_off_start(lines)]
    lines = lines[: _signed_name_start(lines)]
    lines = lines[: _name_block_start(lines)]
    lines = lines[: _dash_name_start(lines)]
    if len(lines) < len(whole):
        lines = lines + _postscript(whole, len(lines))
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


# (Letters of the Latin alphabets too: "Nadia Fernández", "Łukasz Nowak".)
_FIRST_NAME = re.compile(r"^\s*[A-ZÀ-ÖØ-Þ\u0100-\u017f][a-zà-öø-ÿ\u0100-\u017f'’\-]+"
                         r"(?:\s+[A-ZÀ-ÖØ-Þ\u0100-\u017f][a-zà-öø-ÿ\u0100-\u017f'’\-]+)?\s*[.,]?\s*$")
_SIGNATURE_MARK = re.compile(
    r"\d{3,}|@|\||www\.|https?://|\b(?:council|borough|officer|manager|director|head|lead|chair|iro|"
    r"service|services|team|tel|mob|mobile|phone|email|e-mail|department|children|safeguarding|social|"
    r"practitioner|worker|coordinator|assistant|principal|senior|independent|reviewing)\b",
    re.IGNORECASE,
)


_SENTENCE_LINE = re.compile(r"^\s*\S+(?:\s+\S+){5,}.*[.?!]\s*$")
# A council footer's sentence right under the name ("This e-mail is confidential ..."); "recorded
# on MiCare" in a sentence of the message is not one (_DISCLAIMER's wider net would take it).
_FOOTER_SENTENCE = re.compile(r"confidential|intended recipient|privileged|in error|virus|this e-?mail|this message",
                              re.IGNORECASE)


def _message_sentence_before_name(rest: list[str]) -> bool:
    """Whether a sentence of the message comes before the next first-name line in ``rest``."""
    for line in rest:
        # A name line, or the footer (a disclaimer, a rule of stars), ends the search.
        if _FIRST_NAME.match(line) or _DISCLAIMER.search(line) or re.match(r"^\W{5,}$", line.strip()):
            return False
        if _SENTENCE_LINE.match(line) and not _FOOTER_SENTENCE.search(line) and not _SIGNATURE_MARK.search(line):
            return True
    return False


def _signed_name_start(lines: list[str]) -> int:
    """A first name signing off ("Sam") followed only by a signature block (full name, title,
    council, phone, disclaimer): cut from the name (len(lines) if none)."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return len(lines)
    # Only a name with at most _SIGNATURE_LINES_MAX lines after it can start a signature: the
    # lines before those are not looked at (a long body of names stays linear).
    for i in content[max(1, len(content) - _SIGNATURE_LINES_MAX - 1):]:
        line = lines[i]
        if not _FIRST_NAME.match(line) or len(line.strip()) > 30:
            continue
        if {w.lower() for w in re.findall(r"[A-Za-z]+", line)} & INSTRUCTION_WORDS:
            continue
        rest = [r for r in lines[i + 1 :] if r.strip()]
        if not rest or len(rest) > _SIGNATURE_LINES_MAX:
            continue
        # "... would be complete by 17\nDecember.": the end of a hard-wrapped sentence.
        if i and lines[i - 1].strip() and len(lines[i - 1].strip()) >= 40 and lines[i - 1].rstrip()[-1:] not in ".,!?:;":
            continue
        # "Timescale" over "I would like the plan agreed by Friday 4 June.": a heading over a
        # sentence of the message, not a name over a title.
        if _SENTENCE_LINE.match(rest[0]) and not _FOOTER_SENTENCE.search(rest[0]):
            continue
        # "Timescale\nPlan agreed by 28/05/2027\n\nI'm happy to discuss - I'm in the office on
        # Tuesday.\n\nHannah\nHannah Price ...": a sentence of the message before the next name
        # line says the signature starts further down.
        if _message_sentence_before_name(rest):
            continue
        # A signature set on one line between bars ("Alex Morgan | Child Protection Conference
        # Chair | ... | Luton Borough Council") may be longer than a line of one.
        if all(len(r.strip()) <= _SIGNATURE_LINE_MAX or _DISCLAIMER.search(r) or r.count("|") >= 2 for r in rest) and any(
            _SIGNATURE_MARK.search(r) or _MOBILE.search(r) for r in rest
        ):
            return i
    return len(lines)


_DASH_NAME = re.compile(r"^\s*[-–~/]\s?[A-Z][\w'’.\-]*(?:\s+[A-Z][\w'’.\-]*)?\s*$")


def _dash_name_start(lines: list[str]) -> int:
    """A "-Sam" / "- Sam Okafor" signature as the last line (len(lines) if none)."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if end and _DASH_NAME.match(lines[end - 1]) and any(line.strip() for line in lines[: end - 1]):
        return end - 1
    return len(lines)


# "...at all. On 14 Jan 2027, at 16:55, Dana <dana@x> wrote:" - a client that joined the
# attribution to the last line of the new text (after a dashed rule, too: "reply--- On ...").
_SHARED_ATTRIBUTION = re.compile(
    r"^(?!\s*>)(.*[A-Za-z]\S*?)(?:\s*[-–—]{2,})?\s+((?:On|Am|Le|Op|El|Il|Em|Ar)\s+[^\n]{6,200}?(?:\d|@)[^\n]{0,200}?\b(?:wrote|schrieb|a\s+écrit|schreef|escribió|ha\s+scritto|escreveu|skrev|ysgrifennodd)\s*:?\s*)$",
    re.MULTILINE,
)


_MAX_UNWRAP = 10


# "My answers are below, marked PH (in blue if you're reading it in Outlook)": the answers are
# typed into the quoted original without ">" marks, each line opening with the writer's initials.
_ANSWERS_BELOW = re.compile(
    rf"{_SAYS_BELOW}"
    # "... inline below in blue, marked [AM]": the initials may be in brackets.
    r"[^\n]{0,60}?(?:\(([A-Z]{2,3})\)|\bmarked\s+(?:with\s+)?\[?([A-Z]{2,3})\b)"
    r"|\b(?:marked|initials?)\s+([A-Z]{2,3})\b[^\n]{0,40}\b(?:below|inline)\b")


def _with_marked_answers(top: str, history: list[str]) -> str:
    """The new text above the history, and the answers it says are marked in the history."""
    said = _ANSWERS_BELOW.search(top)
    if said is None:
        return top
    marker = next(g for g in said.groups() if g)
    # "AM: ...", "AM - ...", "[AM] ...".
    opens = re.compile(rf"^\s*(?:{re.escape(marker)}\s*[:\-–]|\[{re.escape(marker)}\]:?)\s*\S")
    answers: list[str] = []
    taking = False
    for line in history:
        if opens.match(line):
            taking = True
        elif not line.strip() or re.match(r"^\s*(?:\d+[.)]|[-*•])\s", line) or _HEADER_LINE.match(line):
            # (A form's next field, "Impact on the child: ...", ends an answer typed under the
            # one before: the form is the history, not the writer's words.)
            taking = False
        if taking:
            answers.append(line.rstrip())
    return top + ("\n\n" + "\n".join(answers) if answers else "")


_BLOCK_SENDER = re.compile(r"^\s*[^:<>]{1,30}:\s*\*?\s*\"?(?P<name>[^<>\[\]\"@:]{2,60}?)\"?\s*[<\[]")


def _addressed_below(lines: list[str], start: int) -> list[str] | None:
    """The lines from the first one below an unquoted header block that greets the block's
    sender by first name ("Sam -", "Hi Sam,"): a bottom-posted reply's own text. None if none."""
    found = _BLOCK_SENDER.match(lines[start]) if start < len(lines) else None
    if found is None:
        return None
    name = found.group("name").strip()
    first = name.split(",", 1)[1].split()[0] if "," in name else name.split()[0]
    if len(first) < 2 or not first[0].isalpha():
        return None
    # "Sam -", "Sam,", "Hi Sam": a greeting; "Sam" alone is the quoted mail's own sign-off.
    name = re.escape(first)
    greeting = re.compile(rf"^\s*(?:(?:hi|hello|dear|morning|afternoon)\s+{name}\b\s*(?:[,:!\-–—]|$)|{name}\s*[,:!\-–—])",
                          re.IGNORECASE)
    for i in range(start + 1, len(lines)):
        if greeting.match(lines[i]) and not _is_quoted(lines[i]):
            return lines[i:]
    return None


def _first_text(lines: list[str]) -> int:
    """Index of the first line with anything on it other than a rule."""
    return next((i for i, line in enumerate(lines) if line.strip() and not _RULE.search(line)), len(lines))


def new_text(text: str, _carried: int = 0) -> str:
    """The new text of a plain-text reply: history, quotes, boilerplate and signature removed.

    The new text may sit above the history (top-posting), between its ">" quotes (inline
    answers) or below it (bottom-posting); all three are found. A reply with text is never read
    as empty: when nothing is left above or among the quotes, the text below them is the reply.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    if _WROTE_ANY.search(text):
        # Line by line and only on lines of a sane length: the pattern backtracks within a line.
        text = "\n".join(
            # (Only a line with a writing verb can hold one: the cheap search first.)
            _SHARED_ATTRIBUTION.sub(lambda m: f"{m.group(1)}\n{m.group(2)}", line)
            if len(line) <= 600 and _WROTE_ANY.search(line) else line
            for line in text.split("\n")
        )
    lines = text.split("\n")
    start = _history_start(lines)
    if start == len(lines):
        # "My answers are in your e-mail below.\n\nKwame\n\nKwame Mensah ..." over a ">" quote
        # whose own attribution is quoted: the quote is the history, and the answers typed
        # between its lines follow the signature (not part of it).
        first_quote = next((i for i, line in enumerate(lines) if _is_quoted(line)), None)
        if first_quote is not None and _POINTS_BELOW.search("\n".join(lines[:first_quote])):
            start = first_quote
    top = _clean(lines[:start])  # what is above the history, cleaned once and asked about below
    if start < len(lines) and _MOBILE.search(lines[start]) and not top \
            and _history_start(lines[start + 1:]) <= _first_text(lines[start + 1:]):
        # "Get Outlook for Android" over the quoted history and nothing else: the phone wrote
        # its line and the history; the writer wrote nothing (the decision may be in the subject).
        return ""
    after: list[str] = []
    if start < len(lines) and _is_wrote_line(lines, start):
        rest = lines[_attribution_end(lines, start) :]
        after = _inline_answers([lines[start], *rest])
        if not after and not top:
            after = _below_quote(rest)
    elif start < len(lines) and not _block_holds_an_inline_reply(lines, start):
        # Inline answers under an Outlook block or "-----Original Message-----" whose original
        # is ">"-quoted ("Answers below"): the sender's lines between the quotes.
        after = _inline_answers(lines[start:])
    if after and _POINTS_BELOW.search(top):
        # "Answers in line below.\n\nRuth\n\nRuth Khan\nTeam Manager" over the quoted original: the
        # signature under the top ends the top only; the answers between the quotes follow it.
        out = "\n\n".join(part for part in (top, _clean(after)) if part)
    else:
        out = top if not after else _clean(lines[:start] + after)
    if out and start < len(lines):
        out = _with_marked_answers(out, lines[start:])
    if not out and start < len(lines):
        # Nothing above: a reply whose own text is below an Outlook block or other history.
        out = _clean(_below_quote(lines[start:]))
    if not out and start < len(lines) and not top:
        # Bottom-posted under an unquoted Outlook block: the original is pasted plain, and the
        # sender's own text follows it, opening with the quoted sender's name ("Sam - sorry, ...").
        below = _addressed_below(lines, start)
        if below is not None:
            out = _clean(below)
    signed_above = any(line.rstrip() == "--" for line in lines[:start + 1])
    if (not out and start < len(lines) and not top and _carried < _MAX_UNWRAP
            and not _is_wrote_line(lines, start) and not signed_above):
        # (Nothing above but the writer's "-- " signature: a reply that says nothing in its body,
        # its decision typed in the subject; not a forward.)
        # (A quote under "On ... wrote:" with nothing of the sender's is a reply that says nothing
        # in its body, as when the decision is typed in the subject: it stays empty.)
        # A message that opens with a header block (a forward with no comment): its body is all
        # the text there is, and a message with text is never read as empty. Forwards of
        # forwards are unwrapped to a bounded depth, so the work stays linear in the message.
        out = forwarded_text(text, _carried + 1)
    return out


def _remove_from(node: Tag) -> None:
    """Remove ``node`` and everything after it in document order."""
    current: Tag | None = node
    while current is not None and current.name != "[document]":
        for sibling in list(current.next_siblings):
            sibling.extract()
        current = current.parent
    node.extract()


_CUT_IDS = {"appendonsend", "divRplyFwdMsg", "mail-editor-reference-message-container"}
_DOOMED_DIV_CLASSES = {"gmail_attr", "gmail_signature", "moz-signature", "ms-outlook-mobile-signature"}


def strip_html_history(html: str, soup: BeautifulSoup | None = None) -> BeautifulSoup:
    """Parse HTML and remove the quoted history each client marks up in its own way.

    ``soup``, when given, is ``html`` already parsed, and is changed in place.
    """
    if soup is None:
        soup = BeautifulSoup(html or "", HTML_PARSER)
    remove_html_history(soup)
    return soup


def remove_html_history(soup: BeautifulSoup) -> bool:
    """Remove, in place, the quoted history each client marks up in its own way; whether
    anything was removed (when nothing was, the text of ``soup`` is unchanged).

    One walk over the tags collects every marker (a find_all per marker walked the tree a dozen
    times, the slowest step of parsing an HTML reply).
    """
    cut: Tag | None = None
    gmail_attrs: list[Tag] = []
    doomed: list[Tag] = []
    cite_prefixes: list[Tag] = []
    for tag in soup.find_all(True):
        ident = tag.get("id")
        classes = set(tag.get("class") or ())
        if cut is None and ident in _CUT_IDS:
            # Outlook on the web / new Outlook / Outlook mobile: the reply header, and all of
            # the quoted thread after it. The first in document order covers the others.
            cut = tag
        if tag.name == "div" and classes & _DOOMED_DIV_CLASSES:
            doomed.append(tag)
            if "gmail_attr" in classes:
                gmail_attrs.append(tag)
        elif tag.name == "blockquote" and ("gmail_quote" in classes or tag.get("type") == "cite"):
            doomed.append(tag)
        elif ident == "ms-outlook-mobile-signature":
            doomed.append(tag)
        if "moz-cite-prefix" in classes:
            cite_prefixes.append(tag)
    if cut is not None:
        _remove_from(cut)
    # A Gmail forward is not quoted at all: the forwarded mail follows the attribution as is.
    for attr in gmail_attrs:
        if not attr.decomposed and attr.parent is not None and re.search(
            r"forwarded message", attr.get_text(" "), re.IGNORECASE
        ):
            container = attr.find_parent("div", class_="gmail_quote") or attr
            _remove_from(container)
            break
    # Gmail keeps inline answers inside its quote container, between the quoted blocks: the
    # attribution and the quotes go, whatever the sender wrote among them stays.
    for found in doomed:
        if not found.decomposed and found.parent is not None:
            found.decompose()
    for prefix in cite_prefixes:
        if prefix.decomposed or prefix.parent is None:
            continue
        quote = prefix.find_next_sibling("blockquote")
        if quote is not None:
            quote.decompose()
        prefix.decompose()
    return bool(cut is not None or doomed or cite_prefixes or gmail_attrs)


_HEADER_LINE = re.compile(r"^[\s>]*[A-Za-zÀ-ÿ][\w .\-]{0,20}\s*:\s*\S")


def _forward_start(lines: list[str]) -> int:
    """Index of the forward marker or quoted header block, past any "Sent from" line above it
    (len(lines) if there is none): where a forward's carried mail begins."""
    return next((j for j, line in enumerate(lines) if _ORIGINAL.search(line) or _is_header_block(lines, j)
                 or _is_outlook_block(lines, j) or _is_wrote_line(lines, j)), len(lines))


def forwarded_text(text: str, _depth: int = 0) -> str:
    """The new text of the message a forward carries ("FW: Pre-Dispute Resolution" sent on to
    the mailbox): what follows the forward marker and its header block, unquoted, with its own
    history and signature removed. Empty when ``text`` holds no history."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    # The forward marker or the quoted header block, past any "Sent from" line above it.
    start = _forward_start(lines)
    if start >= len(lines):
        return ""
    i = start + 1 if (_ORIGINAL.search(lines[start]) or _RULE.search(lines[start]) or _DASHED.search(lines[start])) else start
    if i < len(lines) and _is_wrote_line(lines, i):
        i = _attribution_end(lines, i)
    while i < len(lines) and (not lines[i].strip() or _HEADER_LINE.match(lines[i])) and i < start + 12:
        if not lines[i].strip() and i > start + 1 and _HEADER_LINE.match(lines[i - 1] or ""):
            break
        i += 1
    body = [re.sub(r"^\s*>\s?", "", line) for line in lines[i:]]
    return new_text("\n".join(body), _carried=_depth)


def forwarded_chain(text: str) -> str:
    """Every message a forward carries, oldest last, as plain text: quote markers, attribution
    lines and header blocks removed. A raising mail forwarded on with a covering note ("Gareth has
    agreed (below) ...") has its form or concern somewhere down the chain, not always first."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    start = _forward_start(lines)
    kept = []
    for j in range(start, len(lines)):
        line = re.sub(r"^(?:\s*>)+\s?", "", lines[j])
        if _ORIGINAL.search(line) or _RULE.search(line) or _DASHED.search(line) or _is_wrote_line([line], 0):
            continue
        if _FROM.search(line) or _SENT.search(line) or _DATE.search(line) or _TO.search(line) or _SUBJECT.search(line):
            continue
        kept.append(line)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()

