"""What people see, in a real browser (issue 10, item 5): every notice and the digest fit a
390 px phone screen and a 1000 px desktop window without scrolling sideways.

A real store is played into a realistic state (three alerts, one lapsed, one answered and
escalated, a STATUS asked, two messages set aside, one from an address far wider than a phone),
and the digest and the notices it queued are rendered from it; every other template is rendered
with the sample data of ``test_templates``. Headless Chromium (the Debian package ``chromium``,
which ``scripts/test`` installs) then

* takes screenshots of the digest, an escalation notice and a status reply at 390 and 1000 px
  wide, kept in ``build/screenshots/`` (with the HTML they were taken of) for a person to look at;
* measures every page: ``document.documentElement.scrollWidth`` must not exceed
  ``window.innerWidth``.

Why the measuring is done inside an iframe: for ``--dump-dom`` headless Chromium lays a page out
in a window no narrower than 500 px whatever ``--window-size`` says (measured: ``innerWidth`` is
500 at ``--window-size=390,900``), so a 390 px check run that way would pass a page 499 px wide.
Each page is therefore placed, unchanged, in an iframe exactly W px wide (``srcdoc``, so the host
page's script may read it), and a small script in the host page writes each iframe's widths into
the DOM that ``--dump-dom`` prints. A control page with a fixed 680 px table (the old layout)
proves the measurement sees sideways scrolling. Screenshots are taken of the page itself: for
``--screenshot`` Chromium does resize the viewport to the window, 390 px included.

Nothing is mocked. Chromium missing is a failure, not a skip: CI installs it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from mailbot.config import load_config
from mailbot.service import Mailbot
from store import repository as repo
from test_service import at, mail
from test_templates import TEMPLATES, cases, context
from test_templates import render as render_sample

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "build" / "screenshots"
WIDTHS = (390, 1000)
SCREENSHOTS = ("digest", "escalation_notice", "status_reply")
CONTROL = "control-fixed-680px"
FRAME_HEIGHT = 12000  # taller than any page, so no iframe shows a vertical scrollbar


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("chromium is not installed: the layout tests need a real browser. Install it with "
                "`apt-get install chromium` (./scripts/test does this), then run the tests again.")


def run_chromium(profile: Path, *args: str) -> str:
    command = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
               f"--user-data-dir={profile}", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


# -- the pages ---------------------------------------------------------------------------------


def realistic_pages(folder: Path, root: Path) -> dict[str, str]:
    """The digest and every notice queued, rendered from a real store played through a week."""
    (folder / "config.yaml").write_text((root / "config.yaml").read_text())
    bot = Mailbot(load_config(folder / "config.yaml"))

    def ingest(sender: str, to: str, subject: str, body: str, when: str, mid: str, reply_to: str | None = None,
               expect: str = "processed") -> None:
        result = bot.ingest(mail(sender, to, subject, body, at(when), mid, in_reply_to=reply_to), at(when))
        assert result.status == expect, result

    ingest("sam.iro", "dana.tm", "Pre-Dispute Resolution", "Child ID: 1234567\nChild ID: 7654321\n\nThe PEP is missing.",
           "2027-05-04T10:00", "a1@luton")
    ingest("jo.iro", "lee.tm", "Pre-Dispute Resolution", "Child ID: 2345678\n\nVisits have not been completed.",
           "2027-05-04T11:00", "a2@luton")
    ingest("alex.cpchair", "ruth.tm", "Pre-Dispute Resolution", "Child ID: 3456789\n\nThe core group minutes are missing.",
           "2027-05-05T09:00", "a3@luton")
    # Set aside: an IRO not yet in the directory, and a stranger with an address and subject
    # far wider than a phone (no space to break at).
    ingest("kim.iro", "dana.tm", "Pre-Dispute Resolution - placement stability and care plan review for a sibling group",
           "Child ID: 4567890\n\nConcern.", "2027-05-06T09:00", "q1@luton", expect="quarantined")
    ingest("a.very.long.name.from.an.external.agency@partnership-agency-services.example.org.uk", "drp",
           "RE: Referral_update_for_the_multi-agency_safeguarding_hub_2027-05-06_final_version_2", "Hello",
           "2027-05-06T10:00", "q2@luton", expect="quarantined")
    assert bot.tick(at("2027-05-10T08:00")) == [("DRP-2027-0003", "DeadlineLapsed")]
    ingest("lee.tm", "jo.iro", "RE: Pre-Dispute Resolution [DRP-2027-0002]", "Visits are now booked for next week.",
           "2027-05-10T11:00", "a2r@luton", reply_to="a2@luton")
    ingest("jo.iro", "lee.tm", "RE: Pre-Dispute Resolution [DRP-2027-0002]", "ESCALATE to stage 2 please.",
           "2027-05-10T14:00", "a2e@luton", reply_to="a2r@luton")
    ingest("sam.iro", "dana.tm", "RE: Pre-Dispute Resolution [DRP-2027-0001]", "STATUS", "2027-05-10T15:00", "a1s@luton",
           reply_to="a1@luton")

    pages = {"digest": bot.digest_rendered(at("2027-05-11T08:30"), queue=False)[2]}
    with bot.sessions() as session:
        for row in repo.outbox_rows(session):
            pages.setdefault(row.template, row.body_html)
    for n, (_, _, _, body_html) in enumerate(bot.monthly(at("2027-06-01T09:00"))):
        pages[f"monthly-{n}"] = body_html
    return pages


def sample_pages() -> dict[str, str]:
    """Every HTML template, rendered with test_templates' sample data as the Renderer does."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    out: dict[str, str] = {}
    for name, with_alert in cases():  # a notice that may be about no alert comes twice: with one, then without
        key = f"sample-{name}" if f"sample-{name}" not in out else f"sample-{name}-no-alert"
        out[key] = render_sample(env, name, context(name, with_alert=with_alert))[2]
    return out


# -- measuring ---------------------------------------------------------------------------------


MEASURE = """<script>
window.addEventListener("load", function () {
  var out = {};
  document.querySelectorAll("iframe").forEach(function (frame) {
    var root = frame.contentDocument.documentElement;
    out[frame.dataset.name] = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
                               innerWidth: frame.contentWindow.innerWidth,
                               height: Math.ceil(frame.contentDocument.body.getBoundingClientRect().height)};
  });
  var pre = document.createElement("pre");
  pre.id = "measured";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def measure(pages: dict[str, str], width: int, folder: Path) -> dict[str, dict[str, int]]:
    """One browser run: every page in an iframe ``width`` px wide; their widths, read back."""
    frames = "".join(
        f'<iframe data-name="{html.escape(name)}" style="display:block;border:0;width:{width}px;'
        f'height:{FRAME_HEIGHT}px" srcdoc="{html.escape(source, quote=True)}"></iframe>'
        for name, source in pages.items())
    host = folder / f"measure-{width}.html"
    host.write_text(f'<!DOCTYPE html><html><body style="margin:0">{frames}{MEASURE}</body></html>', encoding="utf-8")
    dom = run_chromium(folder / f"profile-measure-{width}", f"--window-size={width},900", "--virtual-time-budget=10000",
                       "--dump-dom", host.as_uri())
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run: " + dom[-500:]
    measured = json.loads(html.unescape(found.group(1)))
    assert set(measured) == set(pages)
    return measured


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("store")
    out = realistic_pages(folder, ROOT)
    out.update(sample_pages())
    # The layout this issue replaced: a card fixed at 680 px. It must be seen to scroll sideways.
    out[CONTROL] = ('<!DOCTYPE html><html><body><table width="680" style="width:680px"><tr><td>'
                    'DRP-2027-0001</td></tr></table></body></html>')
    return out


@pytest.fixture(scope="module")
def measured(pages: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, dict[str, int]]]:
    folder = tmp_path_factory.mktemp("browser")
    return {width: measure(pages, width, folder) for width in WIDTHS}


# -- the tests ---------------------------------------------------------------------------------


def test_the_measurement_sees_sideways_scrolling(measured: dict[int, dict[str, dict[str, int]]]) -> None:
    phone = measured[390][CONTROL]
    assert phone["innerWidth"] == 390 and phone["scrollWidth"] > 680  # the fixed table, plus the body's margin
    assert measured[1000][CONTROL]["scrollWidth"] <= 1000


def test_the_realistic_pages_hold_what_they_should(pages: dict[str, str]) -> None:
    digest = pages["digest"]
    assert all(f"DRP-2027-000{n}" in digest for n in (1, 2, 3))
    assert "Q-0004" in digest and "Q-0005" in digest and "partnership-agency-services" in digest
    assert "overdue: waiting for the CP Chair&#39;s decision" in digest
    assert "How to answer" in pages["escalation_notice"] and "ESCALATE [to stage N]" not in pages["escalation_notice"]
    assert "How to instruct" in pages["status_reply"]
    for name in ("acknowledgement", "chaser", "lapse_notice", "response_received", "monthly-0"):
        assert name in pages


@pytest.mark.parametrize("width", WIDTHS)
def test_nothing_scrolls_sideways(measured: dict[int, dict[str, dict[str, int]]], width: int) -> None:
    pages_measured = {name: m for name, m in measured[width].items() if name != CONTROL}
    assert len(pages_measured) > 30
    for name, m in pages_measured.items():
        assert m["innerWidth"] == width, (name, m)
        assert m["height"] < FRAME_HEIGHT, (name, m)  # so no vertical scrollbar narrowed the frame
    too_wide = {name: m["scrollWidth"] for name, m in pages_measured.items() if m["scrollWidth"] > m["innerWidth"]}
    assert not too_wide, f"scroll sideways at {width} px: {too_wide}"


def test_screenshots_at_390_and_1000(pages: dict[str, str], measured: dict[int, dict[str, dict[str, int]]],
                                     tmp_path: Path) -> None:
    """The digest and two notices, as a person sees them, kept in build/screenshots/."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in SCREENSHOTS:
        page = SHOTS / f"{name}.html"
        page.write_text(pages[name], encoding="utf-8")
        for width in WIDTHS:
            shot = SHOTS / f"{name}-{width}.png"
            shot.unlink(missing_ok=True)
            height = min(10000, measured[width][name]["height"] + 40)
            run_chromium(tmp_path / f"profile-{name}-{width}", f"--window-size={width},{height}",
                         f"--screenshot={shot}", page.as_uri())
            assert png_size(shot) == (width, height), shot
            assert shot.stat().st_size > 5000, f"{shot} looks empty"
