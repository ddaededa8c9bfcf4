"""Write the demo's sample e-mails (mailbot/demo/*.eml) from the story below.

The demo plays a month of DRP traffic at Luton (the embedded default). Each message is written
the way its sender's client writes it: managers on Outlook desktop (Thread-Index, quoted
"From: / Sent:" history), IROs on Outlook or Gmail. Run it again after changing the story:
    python scripts/make_demo_mail.py
"""

from __future__ import annotations

import base64
import hashlib
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

OUT = Path(__file__).resolve().parent.parent / "mailbot" / "demo"
LONDON = ZoneInfo("Europe/London")
DOMAIN = "luton.example.gov.uk"
MAILBOX = f"drp@{DOMAIN}"
NAMES = {
    "sam.iro": "Sam Okafor", "jo.iro": "Jo Reid", "alex.cpchair": "Alex Morgan",
    "dana.tm": "Dana Hughes", "lee.tm": "Lee Carter", "ruth.tm": "Ruth Khan",
    "morgan.sm": "Morgan Ellis", "jamie.ad": "Jamie Fox", "pat.director": "Pat Quinn",
    "unknown": "Kim Vendor",
}


def addr(user: str) -> str:
    if user == "unknown":
        return f'"{NAMES[user]}" <sales@supplier.example.com>'
    return f'"{NAMES[user]}" <{user}@{DOMAIN}>'


def mid(name: str) -> str:
    return f"{name}.{hashlib.sha1(name.encode()).hexdigest()[:12]}@{DOMAIN}"


def write(name: str, when: str, sender: str, to: list[str], subject: str, body: str, *,
          cc: list[str] | None = None, reply_to: str | None = None, quoted: str | None = None,
          client: str = "outlook", extra: dict[str, str] | None = None) -> None:
    at = datetime.fromisoformat(when).replace(tzinfo=LONDON)
    msg = EmailMessage(policy=SMTP)
    msg["From"] = addr(sender)
    msg["To"] = ", ".join(addr(u) for u in to)
    msg["CC"] = ", ".join([addr(u) for u in (cc or [])] + [MAILBOX])
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = f"<{mid(name)}>"
    if reply_to:
        msg["In-Reply-To"] = f"<{mid(reply_to)}>"
        msg["References"] = f"<{mid(reply_to)}>"
    if client == "outlook":
        msg["Thread-Topic"] = subject.split(": ", 1)[-1]
        msg["Thread-Index"] = base64.b64encode(hashlib.md5(name.encode()).digest()[:22]).decode()
        msg["X-MS-Has-Attach"] = ""
        msg["X-Mailer"] = "Microsoft Outlook 16.0"
    else:
        msg["X-Mailer"] = "Gmail"
    for key, value in (extra or {}).items():
        msg[key] = value
    text = body.strip() + "\n"
    if quoted:
        if client == "outlook":
            text += ("\n________________________________\nFrom: " + quoted.split("|")[0] +
                     "\nSent: " + quoted.split("|")[1] + "\nTo: " + quoted.split("|")[2] +
                     "\nSubject: " + quoted.split("|")[3] + "\n\n" + quoted.split("|")[4] + "\n")
        else:
            text += f"\nOn {quoted.split('|')[1]}, {quoted.split('|')[0]} wrote:\n" + "".join(
                f"> {line}\n" for line in quoted.split("|")[4].splitlines())
    msg.set_content(text)
    (OUT / f"{name}.eml").write_bytes(msg.as_bytes())


SIG = {u: f"\nKind regards\n\n{NAMES[u]}\n{title}\nLuton Borough Council" for u, title in {
    "sam.iro": "Independent Reviewing Officer", "jo.iro": "Independent Reviewing Officer",
    "alex.cpchair": "Child Protection Conference Chair", "dana.tm": "Team Manager, Children in Care North",
    "lee.tm": "Team Manager, Children in Care South", "ruth.tm": "Team Manager, Child Protection East",
    "morgan.sm": "Service Manager, Children in Care", "jamie.ad": "Assistant Director",
    "pat.director": "Director of Children and Learning"}.items()}


def story() -> None:
    for old in OUT.glob("*.eml"):
        old.unlink()
    # A: informal, answered, resolved informally (DRP-2027-0001)
    a = "Health assessment is now four months overdue and the placement plan has not been updated."
    write("a1-informal", "2027-04-29T09:10", "sam.iro", ["dana.tm"], "Pre-Dispute Resolution - health assessment",
          f"Hi Dana,\n\nFollowing our conversation at the review I am raising this as a Pre-Dispute Resolution.\n\n"
          f"Child ID: 1234501\n\n{a}\n\nPlease let me know the plan." + SIG["sam.iro"])
    write("a2-response", "2027-05-05T14:02", "dana.tm", ["sam.iro"], "RE: Pre-Dispute Resolution - health assessment",
          "Hi Sam,\n\nThe health assessment is booked for 12 May and the placement plan was updated today." + SIG["dana.tm"],
          reply_to="a1-informal", quoted=f"Sam Okafor|29 April 2027 09:10|Dana Hughes|Pre-Dispute Resolution - health assessment|{a}")
    write("a3-resolved", "2027-05-06T10:30", "sam.iro", ["dana.tm"], "RE: [DRP-2027-0001] Pre-Dispute Resolution - health assessment",
          "Resolved - thank you Dana, that is what was needed." + SIG["sam.iro"], reply_to="a2-response")

    # B: informal with a 3-day timescale, two lapses and two escalations, resolved at stage 2 (0002)
    b = "The statutory visit is overdue: the child has not been visited since February."
    write("b1-informal", "2027-04-30T11:45", "jo.iro", ["lee.tm"], "Pre-DRP: statutory visits",
          f"Dear Lee,\n\nChild ID: 1234502\n\n{b}\n\nPlease respond within 3 working days." + SIG["jo.iro"],
          client="gmail")
    write("b2-escalate", "2027-05-07T09:20", "jo.iro", ["lee.tm"], "Re: [DRP-2027-0002] Pre-DRP: statutory visits",
          "ESCALATE - no response received.\n\nJo", reply_to="b1-informal", client="gmail",
          quoted=f"DRP tracker|Fri, 7 May 2027 at 08:00|drp|x|No response by the deadline.")
    write("b3-escalate", "2027-05-17T09:05", "jo.iro", ["morgan.sm"], "Re: [DRP-2027-0002] statutory visits",
          "Please escalate to stage 2. Still no visit and no reply.\n\nJo", reply_to="b1-informal", client="gmail")
    write("b4-response", "2027-05-20T16:40", "morgan.sm", ["jo.iro"], "RE: [DRP-2027-0002] statutory visits",
          "Jo,\n\nI have allocated a new social worker, who visited yesterday; visits are now booked monthly." + SIG["morgan.sm"],
          reply_to="b1-informal")
    write("b5-resolved", "2027-05-21T09:15", "jo.iro", ["morgan.sm"], "Re: [DRP-2027-0002] statutory visits",
          "resolved, thank you Morgan.\n\nJo", reply_to="b4-response", client="gmail")

    # C: a Stage 1 DRP form, an extension asked for and agreed, then resolved (0003)
    write("c1-form", "2027-05-04T10:00", "sam.iro", ["dana.tm"], "Dispute Resolution Form - Stage 1",
          "Dana,\n\nPlease see the DRP form below.\n\nDispute Resolution Form\nStage: 1\nChild ID: 1234503\n"
          "Category of concern: Key documentation missing - no care plan on file\n"
          "Concern: The care plan has not been written since the placement move.\n" + SIG["sam.iro"])
    write("c2-more-time", "2027-05-10T15:20", "dana.tm", ["sam.iro"], "RE: [DRP-2027-0003] Dispute Resolution Form - Stage 1",
          "Hi Sam,\n\nThe social worker is on leave this week. Could I have until Friday 14 May to complete the care plan?" + SIG["dana.tm"],
          reply_to="c1-form")
    write("c3-agree", "2027-05-10T16:05", "sam.iro", ["dana.tm"], "RE: [DRP-2027-0003] Dispute Resolution Form - Stage 1",
          "Agreed - Friday is fine." + SIG["sam.iro"], reply_to="c2-more-time")
    write("c4-response", "2027-05-13T12:00", "dana.tm", ["sam.iro"], "RE: [DRP-2027-0003] Dispute Resolution Form - Stage 1",
          "Sam, the care plan is now on the file and signed off." + SIG["dana.tm"], reply_to="c3-agree")
    write("c5-resolved", "2027-05-14T09:00", "sam.iro", ["dana.tm"], "RE: [DRP-2027-0003] Dispute Resolution Form - Stage 1",
          "RESOLVED" + SIG["sam.iro"], reply_to="c4-response")

    # D: siblings, answered, then withdrawn (0004)
    write("d1-siblings", "2027-05-05T13:30", "jo.iro", ["dana.tm"], "Pre-Dispute Resolution: sibling contact",
          "Hi Dana,\n\nChild IDs: 1234504, 1234505 and 1234506\n\nThe review decisions about sibling contact have not "
          "been implemented for any of the three children.\n\nJo" + SIG["jo.iro"], client="gmail")
    write("d2-response", "2027-05-11T11:10", "dana.tm", ["jo.iro"], "RE: Pre-Dispute Resolution: sibling contact",
          "Jo, contact is now arranged fortnightly from next week." + SIG["dana.tm"], reply_to="d1-siblings")
    write("d3-withdraw", "2027-05-12T10:00", "jo.iro", ["dana.tm"], "Re: [DRP-2027-0004] sibling contact",
          "Withdraw - raised in error as a formal alert; we agreed this at the review.\n\nJo",
          reply_to="d2-response", client="gmail")

    # E: bypass straight to Stage 3, then the Dispute Resolution Meeting, resolved there (0005)
    write("e1-stage3", "2027-05-10T09:30", "sam.iro", ["jamie.ad"], "Dispute Resolution Form - Stage 3",
          "Jamie,\n\nGiven the level of risk I am raising this directly at Stage 3.\n\nStage: 3\nChild ID: 1234507\n"
          "Category: Significant safeguarding concern\nConcern: risk of harm from a known adult; no safety plan.\n" + SIG["sam.iro"])
    write("e2-response", "2027-05-14T17:00", "jamie.ad", ["sam.iro"], "RE: [DRP-2027-0005] Dispute Resolution Form - Stage 3",
          "Sam, a strategy discussion is booked for Monday." + SIG["jamie.ad"], reply_to="e1-stage3")
    write("e3-escalate", "2027-05-17T08:45", "sam.iro", ["jamie.ad"], "RE: [DRP-2027-0005] Dispute Resolution Form - Stage 3",
          "Escalate please: a strategy discussion alone does not answer the safety plan point. "
          "I would like the Dispute Resolution Meeting." + SIG["sam.iro"], reply_to="e2-response")
    write("e4-resolved", "2027-05-21T15:30", "sam.iro", ["jamie.ad"], "RE: [DRP-2027-0005] Dispute Resolution Form - Stage 3",
          "Resolved - actions agreed at the Dispute Resolution Meeting today." + SIG["sam.iro"], reply_to="e3-escalate")

    # F: Stage 4 to the Director, lapses, referred to CAFCASS (0006)
    write("f1-stage4", "2027-05-11T10:15", "jo.iro", ["pat.director"], "Dispute Resolution Form - Stage 4",
          "Director,\n\nStage: 4\nChild ID: 1234508\nCategory: Significant drift in permanence planning\n"
          "Concern: the permanence plan has drifted for 14 months across three stages of this process.\n" + SIG["jo.iro"],
          client="gmail")
    write("f2-cafcass", "2027-05-20T11:00", "jo.iro", ["pat.director"], "Re: [DRP-2027-0006] Dispute Resolution Form - Stage 4",
          "CAFCASS - referral made this morning after consulting my Service Manager.\n\nJo", reply_to="f1-stage4",
          client="gmail")

    # G: a CP Chair's conference concern, 2 working days, resolved informally (0007)
    write("g1-cp", "2027-05-12T15:00", "alex.cpchair", ["ruth.tm"], "Pre-Dispute Resolution - child protection conference",
          "Ruth,\n\nFollowing today's child protection conference: Child ID: 1234509\n\nThe core group minutes "
          "and the updated CP plan were not available, so the Outcomes cannot be shared." + SIG["alex.cpchair"])
    write("g2-response", "2027-05-13T10:00", "ruth.tm", ["alex.cpchair"], "RE: Pre-Dispute Resolution - child protection conference",
          "Alex, both documents are now on the file." + SIG["ruth.tm"], reply_to="g1-cp")
    write("g3-resolved", "2027-05-13T11:30", "alex.cpchair", ["ruth.tm"], "RE: Pre-Dispute Resolution - child protection conference",
          "Resolved, thanks Ruth." + SIG["alex.cpchair"], reply_to="g2-response")

    # H: raised near the end of the month and still open when the demo ends (0008)
    write("h1-informal", "2027-05-25T10:00", "sam.iro", ["lee.tm"], "Pre-Dispute Resolution - PEP",
          "Lee,\n\nChild ID: 1234510\n\nThe PEP has not been updated this term." + SIG["sam.iro"])

    # Other mail a shared mailbox gets
    write("x1-out-of-office", "2027-05-04T10:01", "dana.tm", ["sam.iro"], "Automatic reply: Dispute Resolution Form - Stage 1",
          "I am out of the office until 5 May.", reply_to="c1-form",
          extra={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})
    write("x2-unrecognised", "2027-05-06T12:00", "unknown", ["dana.tm"], "Children's services software offer",
          "Dear colleague, our case management add-on is now 20% off.", client="gmail")
    write("x3-compliment", "2027-05-18T14:00", "sam.iro", ["lee.tm"], "IRO compliment - excellent life story work",
          "Lee,\n\nChild ID: 1234511\n\nI want to record a compliment for the social worker's life story work." + SIG["sam.iro"])


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    story()
    print(f"wrote {len(list(OUT.glob('*.eml')))} messages to {OUT}")
