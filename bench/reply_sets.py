"""How well each reply-stripping library finds the new text of replies in PUBLIC test sets.

mailbot was never tuned on these cases: they are the reply test cases that other reply parsers
publish with their own tests (bench/reply_sets/README.md names each source, its licence and how
each expectation was derived from that project's assertions). Prints one table per set, then a
table over all sets, for mailbot's ``new_text``, for mailbot's whole ``parse_message`` (raw-mail
cases only), and for email-reply-parser, mail-parser-reply and talon. A benchmark prints figures;
it is not a test. Run from the repository root:

    pip install email-reply-parser mail-parser-reply
    python3 -m venv /tmp/talon-venv && /tmp/talon-venv/bin/pip install talon   # talon, apart
    python bench/reply_sets.py [-v] [--show SET/CASE]

talon (1.4.4, 2017) is called through a subprocess: the Python given by $TALON_PYTHON, else
/tmp/talon-venv/bin/python, else ``import talon`` in this interpreter; a library that is not
found prints "not installed". "talon" is ``quotations.extract_from_plain`` (quotes only);
"talon (+signature)" also applies talon's brute-force ``extract_signature`` (talon's learned
signature extractor imports ``sklearn.externals.joblib``, gone since scikit-learn 0.23, so it does
not load with a scikit-learn that installs on Python 3.11). mail-parser-reply is given every
language it ships.

A case is ``NAME.txt`` (the plain text every parser gets) or ``NAME.eml`` (raw mail: every parser
gets its first text/plain part, decoded as talon's own test does; "mailbot (message)" gets the raw
bytes), with either ``NAME.expected.txt`` (the whole new text the set expects) or
``NAME.expected.json`` (the set only asserts fragments: {"contains": [...], "excludes": [...],
"signature": [...]}, where "signature" lists text the set says is the sender's signature).

Figures, each as n/N and %:

- exact: output and expected text are equal once whitespace is collapsed (only cases with a whole
  expected text count, so N can be smaller than the number of cases);
- clean: every non-blank expected line (or "contains" string) is in the output and nothing
  excluded is: for a whole expected text, "excluded" is every input line that has a letter or
  digit and is not part of the expected text (quote, headers, and the signature where the set
  strips it); for a fragment case, its "excludes" and "signature" strings;
- exact/clean without signatures: the same after cutting both output and expected text at their
  first signature line, and without the "signature" strings. A signature line is, after some
  other non-blank line, a line that is "--" or "---", starts "-Name", is a sign-off on its own
  ("Regards", "Kind regards, Jo", "Thanks!", "Mvh", "Med venlig hilsen", ...; see _SIGN_OFF)
  or a short mobile footer ("Sent from my iPhone", "Get Outlook for iOS": at most five words
  after "Sent from"). Whatever follows the
  cut is not looked at, so a quote left after a sign-off is not counted against a parser here.

``-v`` lists each parser's misses by case name; ``--show SET/CASE`` prints every parser's output
for one case.
"""

from __future__ import annotations

import email
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --root DIR: mailbot's code from another checkout (e.g. before a change), on this checkout's sets.
CODE_ROOT = Path(sys.argv[sys.argv.index("--root") + 1]).resolve() if "--root" in sys.argv else ROOT
sys.path.insert(0, str(CODE_ROOT))

from parsers import ParseRules, parse_message  # noqa: E402
from parsers.reply import new_text  # noqa: E402

SETS = ROOT / "bench" / "reply_sets"
TALON_VENV_PYTHON = "/tmp/talon-venv/bin/python"


@dataclass
class Case:
    set: str
    name: str
    text: str
    raw: bytes | None = None
    expected: str | None = None
    contains: list[str] = field(default_factory=list)
    excludes: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)


def _plain_part(raw: bytes) -> str:
    """The first text/plain part, decoded: what talon's test_standard_replies feeds its parser."""
    message = email.message_from_bytes(raw)
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True) or b""
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
    return ""


def load_cases() -> list[Case]:
    cases = []
    for folder in sorted(p for p in SETS.iterdir() if p.is_dir()):
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".txt", ".eml") or path.name.endswith(".expected.txt"):
                continue
            stem = path.name[: -len(path.suffix)]
            if path.suffix == ".eml":
                raw = path.read_bytes()
                case = Case(folder.name, stem, _plain_part(raw), raw=raw)
            else:
                case = Case(folder.name, stem, path.read_text(encoding="utf-8"))
            whole = folder / f"{stem}.expected.txt"
            fragments = folder / f"{stem}.expected.json"
            if whole.exists():
                case.expected = whole.read_text(encoding="utf-8")
            elif fragments.exists():
                spec = json.loads(fragments.read_text(encoding="utf-8"))
                case.contains = spec.get("contains", [])
                case.excludes = spec.get("excludes", [])
                case.signature = spec.get("signature", [])
            else:
                continue
            cases.append(case)
    return cases + corpus_cases()


CORPUS = ROOT / "tests" / "reading_corpus"


def corpus_cases() -> list[Case]:
    """The replies of mailbot's independent reading corpus (tests/reading_corpus), open and
    sealed as two sets: every parser gets the text mailbot reads (the text/plain part, or the
    HTML as text), and is scored on the corpus's ``reply_contains`` / ``reply_excludes``. Only
    figures and case names are printed, never a sealed message."""
    from parsers import read_envelope

    cases = []
    # Only parts already opened: a batch still being written (or still sealed) is never run here.
    from reading_accuracy import opened_parts  # bench/ is on the path: one reading of opened.txt

    opened = opened_parts()
    for part in sorted((p.name for p in CORPUS.iterdir() if p.is_dir() and p.name in opened), key=lambda n: (n != "open", n)):
        for spec_path in sorted((CORPUS / part).glob("*.json")):
            eml = spec_path.with_suffix(".eml")
            expect = json.loads(spec_path.read_text(encoding="utf-8")).get("expect", {})
            contains, excludes = expect.get("reply_contains") or [], expect.get("reply_excludes") or []
            if not eml.exists() or not (contains or excludes):
                continue
            raw = eml.read_bytes()
            cases.append(Case(f"reading-corpus-{part}", spec_path.stem, read_envelope(raw).text, raw=raw,
                              contains=list(contains), excludes=list(excludes)))
    return cases


# --- the parsers -------------------------------------------------------------------------------

_TALON_SCRIPT = """
import json, sys
import talon
talon.init()
from talon import quotations
from talon.signature.bruteforce import extract_signature
out = []
for text in json.load(sys.stdin):
    try:
        reply = quotations.extract_from_plain(text)
        out.append([reply, extract_signature(reply)[0]])
    except Exception as exc:
        out.append(["<%s>" % type(exc).__name__] * 2)
json.dump(out, sys.stdout)
"""


def _talon_python() -> str | None:
    for python in (os.environ.get("TALON_PYTHON"), TALON_VENV_PYTHON, sys.executable):
        if python and Path(python).exists():
            probe = subprocess.run([python, "-c", "import talon"], capture_output=True)
            if probe.returncode == 0:
                return python
    return None


def _talon_batch(texts: list[str]) -> list[list[str]] | None:
    python = _talon_python()
    if python is None:
        return None
    done = subprocess.run([python, "-c", _TALON_SCRIPT], input=json.dumps(texts), capture_output=True,
                          text=True, check=True)
    return json.loads(done.stdout)


def _libraries() -> dict[str, Callable[[str], str] | None]:
    libs: dict[str, Callable[[str], str] | None] = {}
    try:
        from email_reply_parser import EmailReplyParser as ERP

        libs["email-reply-parser"] = lambda text: ERP.parse_reply(text) or ""
    except ImportError:
        libs["email-reply-parser"] = None
    try:
        from mailparser_reply import EmailReplyParser as MPR
        from mailparser_reply.constants import MAIL_LANGUAGES

        parser = MPR(languages=list(MAIL_LANGUAGES))
        libs["mail-parser-reply"] = lambda text: parser.parse_reply(text) or ""
    except ImportError:
        libs["mail-parser-reply"] = None
    return libs


def run_all(cases: list[Case]) -> tuple[dict[str, list[str | None]], list[str]]:
    """Every parser's output for every case (None where a parser does not apply to a case)."""
    outputs: dict[str, list[str | None]] = {}
    missing = []

    def guarded(run: Callable[[], str]) -> str:
        try:
            return run() or ""
        except Exception as exc:  # noqa: BLE001 - a parser that crashes scores a miss
            return f"<{type(exc).__name__}>"

    outputs["mailbot"] = [guarded(lambda c=c: new_text(c.text)) for c in cases]
    rules = ParseRules()
    outputs["mailbot (message)"] = [
        guarded(lambda c=c: parse_message(c.raw, rules).reply_text) if c.raw is not None else None for c in cases
    ]
    for name, lib in _libraries().items():
        if lib is None:
            missing.append(name)
        else:
            outputs[name] = [guarded(lambda c=c, lib=lib: lib(c.text)) for c in cases]
    talon = _talon_batch([c.text for c in cases])
    if talon is None:
        missing += ["talon", "talon (+signature)"]
    else:
        outputs["talon"] = [pair[0] for pair in talon]
        outputs["talon (+signature)"] = [pair[1] for pair in talon]
    return outputs, missing


# --- scoring -----------------------------------------------------------------------------------

_SIGN_OFF = re.compile(
    r"^(kind(est)?\s+regards|best\s+regards|warm(est)?\s+regards|regards|best\s+wishes|best|cheers|"
    r"many\s+thanks|thanks(\s+again)?|thank\s+you|sincerely|yours\s+(sincerely|truly|faithfully)|"
    r"all\s+the\s+best|mvh|med\s+venlig\s+hilsen|venlig\s+hilsen|hilsen|kh|med\s+vänlig\s+hälsning|"
    r"hälsningar|mit\s+freundlichen\s+grüßen|viele\s+grüße|grüße|cordialement|bien\s+à\s+vous|"
    r"saludos|atentamente|cordiali\s+saluti|saluti|met\s+vriendelijke\s+groet|groeten|pozdrawiam|"
    r"z\s+poważaniem)"
    r"(\s*[,.!]\s*([\w.'’-]+\s*){0,3})?[,.!]?$",
    re.IGNORECASE,
)
_SIG_OTHER = re.compile(
    r"^(?!.*wrote:)(-{2,3}|-{1,2}[^\W\d_].*|(sent (from|with)|envoyé de|gesendet von|inviato da|"
    r"enviado desde) (my |mon |meinem |mio |mi )?\S+( \S+){0,3}|get outlook for \S+)$",
    re.IGNORECASE,
)


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def _is_signature_line(line: str) -> bool:
    line = line.strip()
    return bool(_SIGN_OFF.match(line) or _SIG_OTHER.match(line))


def cut_signature(text: str) -> str:
    """The text up to its first signature line that follows some other non-blank line."""
    lines = (text or "").split("\n")
    seen_content = False
    for i, line in enumerate(lines):
        if seen_content and _is_signature_line(line):
            return "\n".join(lines[:i])
        if line.strip():
            seen_content = True
    return text or ""


def _excluded_lines(case: Case) -> list[str]:
    """Input lines with a letter or digit that are not part of the whole expected text."""
    expected = _norm(case.expected or "")
    lines = {_norm(line) for line in case.text.split("\n")}
    return sorted(x for x in lines if re.search(r"\w", x) and x not in expected)


def score(case: Case, output: str, no_signature: bool) -> tuple[bool | None, bool]:
    """(exact, clean); exact is None for a case that only asserts fragments."""
    out = cut_signature(output) if no_signature else output
    if case.expected is not None:
        expected = cut_signature(case.expected) if no_signature else case.expected
        exact = _norm(out) == _norm(expected)
        lines_in = all(_norm(line) in _norm(out) for line in expected.split("\n") if line.strip())
        clean = lines_in and not any(x in _norm(out) for x in _excluded_lines(case))
        return exact, clean
    banned = case.excludes + ([] if no_signature else case.signature)
    clean = all(_norm(x) in _norm(out) for x in case.contains) and not any(_norm(x) in _norm(out) for x in banned)
    return None, clean


# --- report ------------------------------------------------------------------------------------


def _cell(hits: int, total: int) -> str:
    if total == 0:
        return f"{'-':>11}"
    return f"{hits:>3}/{total:<3} {100 * hits / total:>3.0f}%"


def _table(title: str, cases: list[Case], outputs: dict[str, list[str | None]], missing: list[str],
           index: list[int], verbose: bool) -> None:
    whole = sum(1 for i in index if cases[i].expected is not None)
    print(f"\n== {title}: {len(index)} cases ({whole} with the whole expected text, "
          f"{len(index) - whole} asserting fragments)")
    print(f"{'parser':<20} {'cases':>5}  {'exact':>11}  {'clean':>11}  {'exact no-sig':>12}  {'clean no-sig':>12}")
    misses: dict[str, tuple[list[str], list[str]]] = {}
    for parser, outs in outputs.items():
        mine = [i for i in index if outs[i] is not None]
        if not mine:
            continue
        counts = [0, 0, 0, 0]
        n_exact = 0
        not_clean, not_exact = [], []
        for i in mine:
            exact, clean = score(cases[i], outs[i], no_signature=False)
            exact_ns, clean_ns = score(cases[i], outs[i], no_signature=True)
            if exact is not None:
                n_exact += 1
                counts[0] += exact
                counts[2] += bool(exact_ns)
                if not exact:
                    not_exact.append(cases[i].name)
            counts[1] += clean
            counts[3] += clean_ns
            if not clean:
                not_clean.append(cases[i].name)
        misses[parser] = (not_clean, not_exact)
        print(f"{parser:<20} {len(mine):>5}  {_cell(counts[0], n_exact)}  {_cell(counts[1], len(mine))}  "
              f" {_cell(counts[2], n_exact)}   {_cell(counts[3], len(mine))}")
    for name in missing:
        print(f"{name:<20} not installed")
    if verbose:
        for parser, (not_clean, not_exact) in misses.items():
            print(f"  {parser} not clean ({len(not_clean)}): {', '.join(not_clean) or '-'}")
            print(f"  {parser} not exact ({len(not_exact)}): {', '.join(not_exact) or '-'}")


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    cases = load_cases()
    outputs, missing = run_all(cases)
    if "--show" in argv:
        wanted = argv[argv.index("--show") + 1]
        for i, case in enumerate(cases):
            if f"{case.set}/{case.name}" != wanted:
                continue
            spec = {"contains": case.contains, "excludes": case.excludes, "signature": case.signature}
            expected = case.expected if case.expected is not None else json.dumps(spec, ensure_ascii=False)
            print(f"--- input\n{case.text}\n--- expected\n{expected}")
            for parser, outs in outputs.items():
                if outs[i] is not None:
                    verdict = f"exact/clean {score(case, outs[i], False)}, no-sig {score(case, outs[i], True)}"
                    print(f"--- {parser}: {verdict}\n{outs[i]}")
        return 0
    print("reply text on public reply test sets (exact = new text exactly, whitespace collapsed; "
          "clean = expected text kept, quote/excluded text gone; no-sig = both cut at the first signature line)")
    sets = sorted({c.set for c in cases})
    for name in sets:
        _table(name, cases, outputs, missing, [i for i, c in enumerate(cases) if c.set == name], verbose)
    _table("all sets", cases, outputs, missing, list(range(len(cases))), verbose=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
