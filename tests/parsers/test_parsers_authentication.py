"""parsers.authentication: which Authentication-Results are believed, and what they prove."""

from __future__ import annotations

import pytest

from parsers import ParseRules, parse_message

EXO = ("spf=pass (sender IP is 40.107.1.1) smtp.mailfrom=luton.gov.uk; dkim=pass (signature was verified) "
       "header.d=luton.gov.uk;dmarc=pass action=none header.from=luton.gov.uk;compauth=pass reason=100")


def _check(auth_headers: list[str], rules: ParseRules, sender: str = "sam@luton.gov.uk", extra: str = ""):
    head = "".join(f"Authentication-Results: {h}\r\n" for h in auth_headers)
    raw = (f"{head}From: Sam <{sender}>\r\nTo: drp@luton.gov.uk\r\nSubject: x\r\n{extra}"
           "Message-ID: <a@b>\r\n\r\nRESOLVED\r\n").encode()
    return parse_message(raw, rules).sender_check


def test_nothing_configured_checks_nothing() -> None:
    assert _check(["mx.luton.gov.uk; dmarc=fail"], ParseRules()).verdict == "unchecked"


@pytest.mark.parametrize(
    ("headers", "verdict"),
    [
        (["mx.luton.gov.uk; dmarc=pass header.from=luton.gov.uk"], "pass"),
        (["mx.luton.gov.uk; dmarc=fail header.from=luton.gov.uk"], "fail"),
        (["mx.luton.gov.uk; dmarc=pass header.from=elsewhere.example"], "fail"),  # not the From domain
        (["evil.example; dmarc=pass header.from=luton.gov.uk"], "fail"),  # not a trusted server
        (["mx.luton.gov.uk; spf=pass smtp.mailfrom=luton.gov.uk"], "fail"),  # spf not accepted by default
        ([], "fail"),
    ],
)
def test_only_the_trusted_server_and_accepted_methods_count(headers: list[str], verdict: str) -> None:
    assert _check(headers, ParseRules(trusted_authserv_ids=("mx.luton.gov.uk",))).verdict == verdict


def test_aligned_dkim_and_spf_count_when_configured() -> None:
    rules = ParseRules(trusted_authserv_ids=("mx.luton.gov.uk",), accepted_authentication=("dkim", "spf"))
    assert _check(["mx.luton.gov.uk; dkim=pass header.d=mail.luton.gov.uk"], rules).passed
    assert not _check(["mx.luton.gov.uk; dkim=pass header.d=gov.uk"], rules).passed  # a public suffix


def test_exchange_onlines_header_without_an_id_is_believed_only_on_top() -> None:
    rules = ParseRules(trusted_authserv_ids=("exchange-online",))
    assert _check([EXO], rules).passed
    assert not _check(["spf=fail smtp.mailfrom=evil.example;dmarc=fail header.from=luton.gov.uk", EXO], rules).passed


def test_exchange_internal_mark_when_trusted() -> None:
    rules = ParseRules(trust_exchange_internal=True)
    assert _check([], rules, extra="X-MS-Exchange-Organization-AuthAs: Internal\r\n").passed
    assert not _check([], rules, extra="X-MS-Exchange-Organization-AuthAs: Anonymous\r\n").passed
