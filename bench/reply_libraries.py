"""How well each reply-stripping library finds the new text of our fixture replies.

Prints, for mailbot's own parser and for the maintained libraries named in issue 4
(mail-parser-reply, email-reply-parser, quotequail), the share of fixtures whose new text each
gets right. A benchmark prints figures; it is not a test. Run from the repository root:

    pip install mail-parser-reply email-reply-parser quotequail
    python bench/reply_libraries.py [-v]

Every fixture whose expectations give the exact ``reply_text`` is used. Each library is given
the same plain text mailbot reads (the text/plain part, or the HTML turned into text when there
is none), because all three work on plain text. Two figures per library:

- exact: the output, whitespace collapsed, equals the expected new text;
- clean: every line of the expected text is in the output and none of the quoted history
  (``reply_text_excludes``) is: the quote is gone, though a signature may be left.

"mailbot (text only)" runs our ``new_text`` on that same plain text; "mailbot" is the whole
parser, which also reads the HTML's structure (``#divRplyFwdMsg``, ``gmail_quote``, ...).
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "parsers"))

from conftest import LUTON_RULES  # noqa: E402

from parsers import parse_message, read_envelope  # noqa: E402
from parsers.reply import new_text  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "mail"


def _libraries() -> dict[str, Callable[[str], str] | None]:
    libs: dict[str, Callable[[str], str] | None] = {}
    try:
        from mailparser_reply import EmailReplyParser as MPR

        parser = MPR(languages=["en", "de", "fr"])
        libs["mail-parser-reply"] = lambda text: parser.parse_reply(text) or ""
    except ImportError:
        libs["mail-parser-reply"] = None
    try:
        from email_reply_parser import EmailReplyParser as ERP

        libs["email-reply-parser"] = lambda text: ERP.parse_reply(text) or ""
    except ImportError:
        libs["email-reply-parser"] = None
    try:
        import quotequail

        libs["quotequail"] = lambda text: "\n".join(part for shown, part in quotequail.quote(text) if shown)
    except ImportError:
        libs["quotequail"] = None
    return libs


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def _score(output: str, expected: str, excludes: list[str]) -> tuple[bool, bool]:
    exact = _norm(output) == _norm(expected)
    lines_in = all(_norm(line) in _norm(output) for line in expected.split("\n") if line.strip())
    clean = lines_in and not any(x in output for x in excludes)
    return exact, clean


def main(verbose: bool = False) -> int:
    cases = []
    for path in sorted(FIXTURES.glob("*.eml")):
        expected = json.loads(path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8"))
        if "reply_text" in expected and expected.get("rules", "luton") == "luton":
            cases.append((path, expected["reply_text"], expected.get("reply_text_excludes", [])))
    results: dict[str, list[tuple[bool, bool]]] = {}
    misses: dict[str, list[str]] = {}
    libraries = _libraries()
    for path, expected, excludes in cases:
        raw = path.read_bytes()
        plain = read_envelope(raw).text
        runners: dict[str, Callable[[], str]] = {
            "mailbot": lambda: parse_message(raw, LUTON_RULES).reply_text,
            "mailbot (text only)": lambda: new_text(plain),
        }
        for name, lib in libraries.items():
            if lib is not None:
                runners[name] = lambda lib=lib: lib(plain)
        for name, run in runners.items():
            try:
                output = run()
            except Exception as exc:  # noqa: BLE001 - a library that crashes scores a miss
                output = f"<{type(exc).__name__}>"
            score = _score(output, expected, excludes)
            results.setdefault(name, []).append(score)
            if not score[1]:
                misses.setdefault(name, []).append(path.stem)
    print(f"reply text on {len(cases)} fixture replies (exact = new text exactly; clean = quote removed, new text kept)")
    print(f"{'parser':<22} {'exact':>12} {'clean':>12}")
    for name, scores in results.items():
        exact = sum(s[0] for s in scores)
        clean = sum(s[1] for s in scores)
        print(f"{name:<22} {exact:>4}/{len(scores):<3} {100 * exact / len(scores):>3.0f}% "
              f"{clean:>4}/{len(scores):<3} {100 * clean / len(scores):>3.0f}%")
    for name, lib in libraries.items():
        if lib is None:
            print(f"{name:<22} not installed")
    if verbose:
        for name, names in misses.items():
            print(f"\n{name} not clean on: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(verbose="-v" in sys.argv[1:]))
