"""Reading an IRO's decision in a reply: RESOLVED, ESCALATE, EXTEND, AGREE, WITHDRAW, CAFCASS, ...

IROs write decisions the way they write mail: "Hi Sam, resolved - thanks", "Please escalate to
stage 3, the stage 2 response did not address the visits", "Having read Dana's reply I'm
satisfied, so we can close this." Two kinds of reading come out of the new text:

* a **command**: a sentence that starts with the decision word, after courtesy words at most
  ("Escalate please", "Please can you escalate this to the Head of Service", "I'd like to extend
  by 5 working days", "RESOLVED"). It is obeyed;
* **prose** that plainly states a decision ("I'm satisfied with the plan, so we can close this",
  "please treat this as withdrawn", "I am now making a referral to Cafcass"). It is read with a
  ``doubt`` and confirmed with the sender before anything changes (DESIGN §6.8).

The argument belongs to the verb: only the words right after it ("to stage 3", "straight to the
Head of Service", "by 5 working days", "until Friday") are read as one, so the stage numbers,
dates and durations of the reason that follows ("escalate please, the stage 1 deadline has
passed") never are. A negated verb ("not resolved", "I don't agree") is no decision; two
different decisions in one reply, or a decision contradicted later, are a doubt.
"""

from __future__ import annotations

import re
from datetime import date

from .alternation import WordLedAlternation
from .dates import (LIST_ITEM, NUMBER, NUMBER_WORDS, day_at, find_dates, number_value, parse_uk_date, period_at, period_or_date, response_timescale,
                    same_deadline, sentences)
from .types import Instruction, Timescale

# Word -> verb, for the command reading (the word starts its sentence, after courtesy words).
_VERBS = {
    "resolved": "RESOLVED",
    "resolve": "RESOLVED",
    "close": "RESOLVED",
    "closed": "RESOLVED",
    "escalate": "ESCALATE",
    "escalated": "ESCALATE",
    "escalation": "ESCALATE",
    "escalating": "ESCALATE",
    "extend": "EXTEND",
    "extended": "EXTEND",
    "extending": "EXTEND",
    "agree": "AGREE",
    "agreed": "AGREE",
    "withdraw": "WITHDRAW",
    "withdrawn": "WITHDRAW",
    "withdrawing": "WITHDRAW",
    "cafcass": "CAFCASS",
    "note": "NOTE",
    "status": "STATUS",
}
# Words that can carry an instruction; reply stripping never removes a line made of them.
INSTRUCTION_WORDS = frozenset(_VERBS) | {"extension", "withdrawal"}
# What may stand before a command's verb in its sentence: courtesy, the speaker, auxiliaries.
_COURTESY = frozenset(
    """please pls kindly can could would will you we i i'm im i'd id i'll ill am is are
    be now like want wish need intend have has decided to going ok okay yes right so then
    this it matter case dispute alert drp concern issue the hi hello dear thanks thank
    and but just also therefore such given that happy content satisfied being been should shall
    must let's lets us i've ive mailbox inbox tracker mailbot""".split()
)
_NEGATIONS = {
    "not", "no", "never", "don't", "dont", "doesn't", "isn't", "isnt", "aren't", "wasn't",
    "can't", "cannot", "won't", "wont", "shouldn't", "haven't", "hasn't", "nor", "without",
    "unable", "un",
}
_NEGATION_WINDOW = 4
# ("I'm withdrawing this rather than recording it as resolved": the decision not taken.)
_NEGATED_BEFORE = re.compile(r"\b(?:not|no|never|cannot|unable|don't|dont|won't|isn't|can't|rather\s+than|instead\s+of)\b[^,.;:!?\-]{0,30}$",
                             re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")
_GREETING = re.compile(
    r"^\s*(hi|hello|hey|dear|morning|good\s+(morning|afternoon|evening)|afternoon|"
    r"thanks|thank\s+you|many\s+thanks|thanks\s+all|all)\b[^.!?\n]{0,40}[,.!:]?\s*$",
    re.IGNORECASE,
)
_REFERENCE = re.compile(r"\[?\b[A-Za-z]{2,10}-\d{4}-\d{3,}\b\]?")
_CONDITIONAL = re.compile(r"\b(if|unless|otherwise|should\s+you|in\s+case|whether|before\s+i|may\s+need|might|once(?!\s+again)|as\s+soon\s+as"
                          # "... at the latest or I'll have to take it to Morgan": a threat, on a condition.
                          r"|or\s+(?:else\s+)?(?=i'll|i\s+will|it'll|it\s+will|this\s+will))\b", re.IGNORECASE)
_QUESTION_ABOUT = re.compile(r"\b(do|does|should|shall)\s+(i|we|you)\b", re.IGNORECASE)
_STAGE_WORDS = {**NUMBER_WORDS, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5,
                "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_STAGE = re.compile(
    r"\bstage\s*(?P<n>\d{1,2}|one|two|three|four|five|iv|v|i{1,3}|first|second|third|fourth|fifth)\b",
    re.IGNORECASE,
)
# The target right after ESCALATE: "to stage 3", "straight to the Head of Service", "up to Stage 2
# Service Manager", "on to Morgan Ellis". It stops at the end of the clause.
# ("escalate the PEP to Vikram": the part of the concern escalated, then the rung.)
_TARGET = re.compile(
    r"^\s*(?:(?:please|pls)\s*(?=[:\-–—]))?(?:[:\-–—]\s*)?(?:(?:this|it|the)(?:\s+(?:matter|concern|dispute|alert|issue|case|drp))?\s+|the(?:\s+(?!(?:deadline|timescale|date|response|time)\b)[\w-]+){1,2}?\s+(?=(?:to|with)\s+(?:stage\b|(?-i:[A-Z]))))?(?:(?:now|please|again|further|formally|straight|directly|immediately|up|on|onwards|onward|back|down|both)\s+)*"
    r"(?:to|into|onto|with(?=\s+(?-i:[A-Z])))\s+(?:the\s+)?(?P<target>[^,.;:!?()\n]{1,80})",
    re.IGNORECASE,
)
_TARGET_END = re.compile(
    # A spaced dash starts another clause: "to the AD – I'd want Jamie's response by Friday".
    r"\s+[–—]\s.*$|\s+-\s+(?!(?:stage|level)\b).*$|"
    r"\s+(?:as|because|since|given|due|following|after|so|and\s+(?:request|ask|please|i)|please|pls|plz|for\s+(?:a|the|their|his|her)|with\s+a|"
    r"who|which|to\s+(?:respond|review|consider|look)|asap|today|now|by|within|thanks?|this\s+(?:week|morning|afternoon)|tomorrow|next\s+week)\b.*$",
    re.IGNORECASE,
)
# The doubt of a decision read from prose alone ("so I am escalating it to you at Stage 2").
WRITTEN_AS_PROSE = "written as prose, not as an instruction word"
# Prose that plainly states a decision without a command: read, then confirmed with the IRO.
_PROSE = (
    ("RESOLVED", re.compile(
        # ("I will close it on Mosaic": the case system's record, not the alert.)
        r"\b(?:(?:we|i)\s+(?:can|could|will|shall)\s+(?:(?:now|probably|possibly|just)\s+)*close\s+(?:this|it|the\s+(?:alert|dispute|drp|matter|concern))(?!\s+(?:on|in)\s+(?:mosaic|micare|lcs|the\s+(?:system|file|case)))"
        # "I'm satisfied with that and I'll close this one down."
        r"|\b(?:i'll|we'll)\s+(?:(?:now|just)\s+)?close\s+(?:this|it|the\s+(?:alert|dispute|drp|matter|concern))(?:\s+one)?(?:\s+(?:down|off))?\b(?!\s+(?:on|in)\s+(?:mosaic|micare|lcs|the\s+(?:system|file|case)))"
        # "I'm happy to close my concern on that basis", "content to close this now".
        r"|\b(?:i'm|i\s+am)\s+(?:now\s+|quite\s+)?(?:happy|content|prepared|willing)\s+to\s+(?:now\s+)?close\s+(?:my\s+concern|this(?:\s+one)?|it|the\s+(?:alert|dispute|drp|matter|concern))\b(?!\s+(?:on|in)\s+(?:mosaic|micare|lcs|the\s+(?:system|file|case)))"
        # "so I am closing this DRP as resolved" (said as done; from a manager, not theirs to do).
        r"|\b(?:i'm|i\s+am|we're|we\s+are)\s+(?:now\s+)?closing\s+(?:this|it|the\s+(?:alert|dispute|drp|matter|concern))(?:\s+(?:drp|alert|dispute|one))?(?:\s+(?:down|off|as\s+resolved))?\b(?!\s+(?:on|in)\s+(?:mosaic|micare|lcs|the\s+(?:system|file|case)))"
        # Asked, not stated: "Can we close this now?" from the IRO is the decision put as a question.
        r"|(?:can|could|shall)\s+(?:we|i)\s+(?:now\s+)?close\s+(?:this|it|the\s+(?:alert|dispute|drp|matter|concern))"
        # MiCare calls the dispute a "recommendation": "the recommendation can be closed as resolved".
        r"|(?:this(?:\s+(?:one|drp|alert|dispute|matter|concern))?|it|the\s+(?:matter|issue|dispute|concern|alert|drp|recommendation))(?:'s|\s+(?:is|has\s+been|can\s+be|can\s+now\s+be|is\s+now))\s+(?:now\s+)?(?:resolved|closed|concluded)"
        # "That's resolved as far as I'm concerned."
        r"|(?:that's|that\s+is|this\s+is|it's|it\s+is|(?:that|this)\s+(?:part|bit)\s+is)\s+(?:now\s+)?(?:resolved|sorted|closed)\s+as\s+far\s+as\s+i'?m\s+concerned"
        # "as far as I'm concerned this one is sorted", "from my point of view this one is sorted".
        r"|(?:as\s+far\s+as\s+i'm\s+concerned|from\s+my\s+(?:point\s+of\s+view|perspective|side)|for\s+my\s+part),?\s+(?:this(?:\s+one)?|it)(?:'s|\s+is)\s+(?:now\s+)?(?:sorted|resolved)"
        # "I think we can put this one to bed now", "happy with this" (said to a response).
        r"|(?:we|i)\s+(?:can|could)\s+(?:now\s+)?put\s+(?:this|it)(?:\s+one)?\s+to\s+bed"
        # (The writer's own view: "the carers are happy with the plan" is someone else's.)
        r"|(?:\b(?:i'm|i\s+am|am)\s+(?:now\s+|quite\s+|very\s+)?|(?:^|[,;:!-])\s*)(?:happy|content|satisfied)\s+with\s+(?:this|that|the\s+(?:response|plan|update)|your\s+(?:response|plan|update))(?:\s+now)?\s*(?:[.!,;]|$)"
        # "I think we can call it resolved now the carers have agreed".
        r"|(?:we|i)\s+(?:can|could)\s+(?:(?:now|probably|possibly)\s+)*call\s+(?:this|it)(?:\s+one)?\s+(?:resolved|closed|concluded)"
        # "... I don't think I need to take this any further", "no need to take this further".
        # (The writer's own: "I don't think we need to take this any further" from a manager is
        # their view of their response.)
        r"|(?:(?:don't|do\s+not)\s+think\s+i\s+need\s+to|(?:there's|there\s+is)\s+no\s+need\s+for\s+me\s+to)\s+take\s+(?:this|it|the\s+(?:matter|concern|dispute|alert|drp))(?:\s+one)?\s+(?:any\s+)?further\b"
        # "I don't think the DRP needs to stay open", "this one doesn't need to stay open".
        r"|(?:don't|do\s+not)\s+think\s+(?:the|this|it)(?:\s+(?:drp|alert|dispute|one|recommendation))?\s+needs\s+to\s+(?:stay|remain|be\s+kept|be\s+left)\s+open"
        r"|(?:the|this|it)(?:\s+(?:drp|alert|dispute|one|recommendation))?\s+(?:doesn't|does\s+not|no\s+longer)\s+needs?\s+to\s+(?:stay|remain|be\s+kept|be\s+left)\s+open"
        # "From my side there's nothing further needed on this one", "I don't think there's
        # anything further I need from you on this one".
        r"|(?:there's|there\s+is)\s+nothing\s+(?:further|more|else)\s+(?:needed|required)\s+(?:on|for)\s+(?:this|my\s+part)"
        r"|(?:there's|there\s+is)\s+nothing\s+(?:further|more|else)\s+(?:i|we)\s+need\s+from\s+you"
        r"|(?:don't|do\s+not)\s+think\s+(?:there's|there\s+is)\s+anything\s+(?:further|more|else)\s+(?:i|we)\s+need\s+from\s+you"
        # "from my side, there's nothing more that needs to happen on this one".
        r"|(?:there's|there\s+is)\s+nothing\s+(?:further|more|else)\s+(?:that\s+)?(?:needs|has)\s+to\s+(?:happen|be\s+done)\s+(?:on|for|about)\s+(?:this|it)"
        # A decision word hedged at once: "Resolved I think - Kwame's plan is fine."
        r"|^\W*(?:resolved|closed)\s+(?:i\s+think|i\s+guess|i\s+suppose|i\s+reckon|probably)\b"
        # Asking for it to be closed: "Can you close it please." (to whoever keeps the record).
        r"|(?:(?:can|could|would)\s+you\s+(?:please\s+)?|\bplease\s+)close\s+(?:this|it|the\s+(?:alert|dispute|drp|matter|concern))\b"
        r"|(?:consider(?:ing)?|treat(?:ing)?|mark(?:ing)?|record(?:ing)?|log(?:ging)?)\s+(?:this\s+(?:drp|alert|dispute|matter|concern|one)|this|it|the\s+\w+)\s+(?:as\s+)?(?:resolved|closed|concluded)"
        # Done on the case system: "I've ticked resolved on Mosaic", "I have marked it as resolved on MiCare".
        r"|(?:i've|i\s+have)\s+(?:now\s+|just\s+|also\s+)?(?:ticked|marked|recorded|logged)\s+(?:(?:this|it|the\s+\w+)\s+)?(?:as\s+)?(?:resolved|closed|concluded)\b"
        # "I would ask that this alert is now closed as resolved at Stage 2."
        r"|\bask\s+that\s+(?:this|it|the\s+(?:matter|issue|dispute|concern|alert|drp))(?:\s+alert)?\s+(?:is|be)\s+(?:now\s+)?(?:closed|resolved|concluded)"
        r"|(?:this(?:\s+one)?|it|the\s+(?:matter|issue|dispute|concern|alert|drp|recommendation))\s+(?:can|could|should|may)\s+(?:now\s+)?be\s+(?:marked|recorded|treated|logged)\s+as\s+(?:resolved|closed|concluded)"
        # Asked: "so please can it be marked as resolved and closed".
        r"|(?:can|could|would)\s+(?:it|this(?:\s+one)?)\s+(?:please\s+)?(?:now\s+)?be\s+(?:marked|recorded|treated|logged)\s+as\s+(?:resolved|closed|concluded)"
        r"|(?:no\s+further\s+action\s+(?:is\s+)?(?:needed|required)\s+(?:from\s+me|under\s+the\s+drp))"
        r"|(?:satisfied|content|happy)\s+(?:that\s+)?(?:this|it|that|the\s+(?:matter|issue|concern|dispute))(?:'s|\s+(?:is|has\s+been|can\s+be))\s+(?:now\s+)?(?:resolved|closed|concluded|addressed|sorted|dealt\s+with)"
        # "I'm happy to sign this off once the visit on Friday has happened" (asked: a condition).
        r"|\b(?:happy|content|ready|willing|able)\s+to\s+sign\s+(?:this|it)(?:\s+one)?\s+off\b"
        r"|(?:happy|content|fine|ok|okay)\s+(?:for|that)\s+(?:this|it|the\s+\w+)(?:\s+(?:one|drp|alert|dispute|concern))?\s+(?:to\s+|can\s+|will\s+)?(?:now\s+)?(?:be\s+)?(?:(?:treated|marked|recorded|logged)\s+as\s+)?(?:close[ds]?|resolved|concluded|end(?:ed)?)\b"
        r"|(?:happy|content|ok|okay|fine)\s+to\s+close\s+(?:this|it|the\s+\w+)"
        r"|(?:happy|content|fine|ok|okay)\s+for\s+(?:us|me|you|them)\s+to\s+(?:now\s+)?close\s+(?:this|it|the\s+\w+)"
        r"|(?:we|i)\s+(?:don't|do\s+not)\s+need\s+to\s+take\s+(?:this|it|the\s+\w+)\s+(?:any\s+)?further"
        r"|no\s+need\s+to\s+take\s+(?:this|it|the\s+\w+)\s+(?:any\s+)?further"
        # "... and I don't see any need to take this further."
        r"|(?:don't|do\s+not)\s+see\s+(?:any\s+)?(?:need|reason)\s+to\s+take\s+(?:this|it|the\s+\w+)\s+(?:any\s+)?further"
        # "I'm satisfied that the plan is moving again and I don't need anything further from you".
        r"|(?:we|i)\s+(?:don't|do\s+not)\s+need\s+anything\s+(?:further|more|else)\s+from\s+(?:you|the\s+team|(?-i:[A-Z][a-z]+))\b"
        # "I am not going to take this any further, but I will keep an eye on it at the review".
        r"|(?:i'm|i\s+am)\s+not\s+going\s+to\s+take\s+(?:this|it|the\s+\w+)\s+(?:any\s+)?further"
        r"|(?:i\s+won't|i\s+will\s+not)\s+(?:be\s+)?tak(?:e|ing)\s+(?:this|it|the\s+\w+)\s+(?:any\s+)?further"
        # "Happy to leave it there for now, but please send me the outcome": asked about.
        r"|(?:happy|content)\s+to\s+leave\s+(?:it|this|things)\s+there)",
        re.IGNORECASE)),
    ("EXTEND", re.compile(
        # A correction of the deadline read: "Sorry, my typo in the original email - the deadline
        # is the 14th not the 4th."
        r"\b(?:typo|mistake|i\s+meant|should\s+have\s+(?:said|put|written)|correction)\b[^.;!?\n]{0,60}?"
        r"\b(?:deadline|response\s+date|due\s+date)\s+(?:is|was|should\s+be|should\s+have\s+been)\s+(?=\S)|"
        # "Apologies, typo in my last - please make that 14 July, not 7 July."
        r"\b(?:typo|mistake|correction)\b[^.;!?\n]{0,40}?\b(?:please\s+)?(?:make|change)\s+(?:that|it)\s+(?:to\s+)?(?=\S)|"
        # "I spoke to Ben and we agreed he will have it signed and on Mosaic by 5pm tomorrow": a
        # new day for the response, agreed with the manager (asked about, as all prose is).
        r"\bwe\s+(?:have\s+)?agreed\s+(?:that\s+)?(?:he|she|they|you|(?-i:[A-Z][a-z]+))\s+(?:will|would|is\s+to|are\s+to)\b[^.;!?\n]{0,160}?(?=\b(?:by|before)\s+(?:\d|noon|midday|end\s+of|close\s+of|cop|tomorrow|today|monday|tuesday|wednesday|thursday|friday|the\s+\d))|"
        # Relayed: "Kate has asked me to extend this one by a week" (who may give it is the
        # routing's question).
        r"\b(?:has|have|had)\s+asked\s+me\s+to\s+extend\s+(?:this|it|the\s+(?:alert|deadline|dispute|drp|timescale))(?:\s+one)?\s+(?=by\b|to\b|until\b|till\b|for\b)|"
        # "I'm not escalating at this point, but I want the minutes on MiCare ... by Friday": the
        # time given before escalating.
        r"\b(?:i'm|i\s+am)\s+not\s+escalating\s+(?:this\s+|it\s+)?(?:at\s+this\s+(?:point|stage)|yet|now|today|for\s+now)\s*,?\s*but\s+"
        r"(?:i\s+(?:want|need|expect|would\s+like)|i'd\s+like)\b[^.;!?\n]{0,160}?(?=\b(?:by|before)\s)|"
        # "So I'd like to keep this open for another week to give you time to get the plan updated".
        r"\b(?:i'd\s+like\s+to|i\s+would\s+like\s+to|i'll|i\s+will|let's|let\s+us|we'll|we\s+will|happy\s+to)\s+(?:keep|leave)\s+(?:this|it)\s+open\s+"
        # (Only for a period: "keep this open until I've seen it" is a condition, not a day.)
        r"(?=for\s+(?:another|a\s+further|one\s+more|a\s+(?:week|fortnight|few\s+days)|\d|one|two|three|four|five|ten)\b)|"
        # "I'm inclined to let this run until then rather than escalate it now".
        r"\b(?:let|letting)\s+(?:this|it)\s+run\s+(?=until\b|till\b)|"
        # "so let's leave it until Friday and if I haven't got the plan by then ...".
        r"\b(?:let's|let\s+us|i'll|i\s+will|i'm\s+going\s+to|(?:i'm\s+|i\s+am\s+)?happy\s+to)\s+leave\s+(?:it|this)\s+(?:with\s+you\s+)?(?=until\b|till\b)|"
        # "..., so I'll hold off on stage 2 until then": the time given before escalating.
        r"\b(?:i'll|i\s+will|i\s+am\s+going\s+to|i'm\s+going\s+to|(?:i'm\s+|i\s+am\s+)?happy\s+to)\s+hold\s+off\s+(?:on\s+)?"
        r"(?:escalating(?:\s+(?:this|it))?|(?:the\s+|any\s+)?escalation|(?:going\s+to\s+|moving\s+to\s+)?stage\s+\w+)\s+(?=until\b|till\b)|"
        # "Can we make it Tuesday 13th rather than today though?": the IRO's own date.
        r"\b(?:can|could)\s+we\s+make\s+it\s+(?=[^.?!\n]{0,40}\b(?:rather\s+than|instead\s+of)\b)"
        r"|\b(?:happy|content|willing|prepared|ok|okay|fine)\s+to\s+extend\s+(?:it\s+|this\s+|the\s+(?:deadline|date|timescale)\s+)?(?:to|until|till|by)\b"
        # Granting in their own words: "Ok go on then, one more week", "fine, take till the 30th".
        r"|\b(?:ok|okay|fine|alright|all\s+right)[,.!]?\s+(?:go\s+on\s+then(?:\s*[-–—,]\s*take)?|take|have)(?=[,.!]?\s+(?:(?:one|another|a)\s+(?:more\s+|further\s+)?(?:week|fortnight|days?)\b|(?:till|until|to)\b))",
        re.IGNORECASE)),
    ("WITHDRAW", re.compile(
        r"\b(?:treat|mark|record|log|consider)\s+(?:this|it|the)(?:\s+\w+){0,3}?\s+as\s+withdrawn"
        r"|\b(?:i\s+am|i'm|i\s+will|i'll|i\s+would\s+like\s+to|i'd\s+like\s+to|i\s+wish\s+to|i\s+have)\s+(?:now\s+)?withdraw(?:n|ing)?\s+(?:this|the|my)"
        r"|\bwithdraw(?:ing)?\s+(?:this|the|my)\s+(?:alert|dispute|drp|concern)"
        # "so I'd ask that this alert is withdrawn".
        r"|\b(?:ask|request)\s+that\s+(?:this|the|it)(?:\s+(?:alert|dispute|drp|concern|recommendation))?\s+(?:is|be)\s+withdrawn"
        r"|\bwe\s+(?:can|could)\s+(?:now\s+|just\s+)?withdraw\s+(?:this|it|the\s+\w+)",
        re.IGNORECASE)),
    ("CAFCASS", re.compile(
        r"\b(?:mak(?:e|ing)|made|submit(?:ting|ted)?|send(?:ing)?|complet(?:e|ing))\s+(?:a|the|my)\s+referral\s+to\s+cafcass"
        r"|\brefer(?:ring|red)?\s+(?:this|the\s+(?:case|matter|child)|[A-Z][a-z]+(?:-[A-Za-z][a-z]+)?(?:'s\s+(?:case|matter))?)\s+(?:on\s+)?to\s+cafcass"
        # "Please record this alert as referred to Cafcass."
        r"|\b(?:record|mark|log|treat|close)\s+(?:this|it|the)(?:\s+\w+){0,2}?\s+as\s+(?:now\s+)?referred\s+(?:on\s+)?to\s+cafcass"
        r"|\bcafcass\s+referral"
        # "Please log this as a referral to Cafcass".
        r"|\b(?:record|mark|log|treat)\s+(?:this|it)\s+as\s+a\s+referral\s+to\s+cafcass"
        # Asked: "Should I now be referring this to Cafcass?"
        r"|\bshould\s+(?:i|we)\s+(?:now\s+)?(?:be\s+)?refer(?:ring)?\s+(?:this|it|the\s+(?:case|matter|alert))\s+(?:on\s+)?to\s+cafcass"
        # "I want this referred to CAFCASS please."
        r"|\b(?:want|would\s+like|'d\s+like|need)\s+(?:this|it|the\s+(?:case|matter|alert|dispute))\s+(?:to\s+be\s+)?referred\s+(?:on\s+)?to\s+cafcass"
        # "I think we are at the point where this needs to be referred to Cafcass."
        r"|\b(?:this|it|the\s+(?:case|matter|alert|dispute))\s+(?:now\s+)?(?:needs|has|ought|must)\s+(?:to\s+)?be\s+referred\s+(?:on\s+)?to\s+cafcass"
        # "I am asking for Leon's case to be referred to CAFCASS".
        r"|\b(?:asking|ask|asked)\s+for\s+(?:this|it|the\s+(?:case|matter|alert|dispute)|(?-i:[A-Z][a-z]+)(?:-[A-Za-z][a-z]+)?'s\s+(?:case|matter))\s+to\s+be\s+referred\s+(?:on\s+)?to\s+cafcass",
        re.IGNORECASE)),
    ("ESCALATE", re.compile(
        r"\b(?:i\s+(?:will|shall|am\s+going\s+to|intend\s+to|have\s+decided\s+to)|i'll|i'm\s+going\s+to)\s+(?:now\s+)?(?:be\s+)?escalat(?:e|ing)"
        # "Im going to take this to Morgan", "I'll be raising this with Jo Whitfield this week":
        # the writer taking it to a named manager (the rung is read from the name).
        # ("I'm going to have to take this to Claire", "I'll need to raise it with Gareth".)
        r"|\b(?:i\s+(?:will|shall|am\s+going\s+to|intend\s+to)|i'll|ill|i'm|im|i\s+am)\s+(?:now\s+)?(?:be\s+|going\s+to\s+(?:have\s+to\s+)?|(?:have|need)\s+to\s+)?"
        r"(?:tak(?:e|ing)\s+(?:this|it)(?:\s+up)?|rais(?:e|ing)\s+(?:this|it))(?=\s+(?:to|with)\s+(?-i:[A-Z][a-z]+)\b)"
        r"|\b(?:will|shall|am|i'm)\s+(?:now\s+|therefore\s+|also\s+|formally\s+|then\s+)*(?:be\s+)?escalating\b"
        # "I think at this point I have little choice but to escalate to Vikram at stage 2".
        r"|\b(?:little|no)\s+(?:choice|option|alternative)\s+(?:now\s+)?but\s+to\s+escalate\b"
        # "Please treat this as escalated to the next stage."
        r"|\b(?:treat|mark|record|log|consider)\s+(?:this|it)(?:\s+(?:alert|dispute|drp))?\s+as\s+(?:now\s+)?escalated\b"
        r"|\b(?:this|it|the\s+(?:matter|concern|dispute|alert))\s+(?:now\s+)?(?:will|should|needs\s+to|must)\s+(?:now\s+)?(?:be\s+)?escalated"
        # "Yes, I think this does need escalating, but can we hold off until ...".
        r"|\b(?:this|it|the\s+(?:matter|concern|dispute|alert))\s+(?:does\s+|really\s+|now\s+|probably\s+)?needs?\s+escalating\b"
        # "I am therefore asking for this alert to be escalated to Jamie Fox".
        r"|\b(?:asking|ask|asked)\s+for\s+(?:this|it|the)(?:\s+(?:alert|dispute|drp|matter|concern))?\s+to\s+be\s+escalated\b"
        # "so I'd ask that this is escalated to Jamie as Assistant Director".
        r"|\b(?:ask|request)\s+that\s+(?:this|it|the\s+(?:matter|concern|dispute|alert|drp))\s+(?:is|be)\s+escalated\b"
        # "so I suppose this needs to go up for him": up the ladder, the rung unnamed.
        r"|\b(?:this|it)\s+(?:probably\s+|now\s+)?needs?\s+to\s+go\s+up\b(?!\s+to\b)"
        # "please take this email as my escalation to Bridget at Stage 4"
        r"|\btake\s+this\s+(?:e-?mail\s+|message\s+)?as\s+my\s+(?:formal\s+)?escalation(?=\s+(?:to|up)\b)"
        # "I'm going to take this to Claire as Head of Service", "Probably needs to go up to Joanne?"
        r"|\b(?:i\s+(?:will|shall|am\s+going\s+to|intend\s+to)|i'll|i'm\s+going\s+to)\s+(?:now\s+)?take\s+(?:this|it|the\s+(?:matter|concern|dispute|alert|drp))(?=\s+(?:up\s+)?to\b)"
        r"|\b(?:needs?|ought|has)\s+to\s+go\s+up(?=\s+to\b)"
        # "I am bypassing Stage 2 and progressing the dispute directly to the Assistant Director".
        r"|\b(?:i\s+am|i'm|i\s+will\s+be|i'll\s+be)\s+(?:now\s+)?(?:bypassing\s+[^.;!?\n]{1,40}?\s+and\s+)?"
        r"(?:progressing|moving|referring|passing)\s+(?:this|it|the\s+(?:dispute|matter|concern|alert|drp|case))"
        r"(?:\s+(?:straight|directly|up|on))?(?=\s+to\b)"
        # "I don't think we can keep this at team manager level any longer and I'd like Joanne to
        # look at it": the next manager, named.
        r"|\b(?:i'd|i\s+would)\s+like(?=\s+(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?\s+to\s+(?:(?:look\s+at|pick\s+up|take\s+over|review)\s+(?:it|this)|(?:pick|take)\s+(?:it|this)\s+(?:up|over))\b)"
        # "I don't think this can stay with you any longer and I think Claire needs to see it now."
        r"|\b(?:i\s+think|so)\s+(?=(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?\s+needs\s+to\s+(?:see|look\s+at|review)\s+(?:it|this)\b)"
        # "I'll be asking Jamie to look at it as Assistant Director."
        r"|\b(?:i'll|i\s+will|i'm\s+going\s+to|i\s+am\s+going\s+to)\s+(?:be\s+asking|ask)(?=\s+(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?\s+to\s+(?:(?:look\s+at|pick\s+up|take\s+over|review)\s+(?:it|this)|(?:pick|take)\s+(?:it|this)\s+(?:up|over))\b)"
        # A correction of the rung read: "No - I meant stage 3."
        r"|\bi\s+meant\s+(?:it\s+)?(?:to\s+(?:go\s+|be\s+)?)?(?:to\s+|at\s+)?(?=stage\s+(?:\d|one|two|three|four|five|iv|i{1,3})\b)"
        # "This has been with Morgan informally for a month and needs to go to Jamie Fox as
        # Assistant Director": to a person named in full.
        r"|\bneeds?\s+to\s+go(?:\s+up)?(?=\s+to\s+(?-i:[A-Z][a-z]+)\s+(?-i:[A-Z][a-z]+))"
        # "I'd like this to go to Jo Whitfield as Head of Service now".
        r"|\b(?:i'd|i\s+would)\s+like\s+(?:this|it|the\s+(?:matter|concern|dispute|alert|drp))\s+to\s+go(?:\s+up|\s+straight|\s+directly)?(?=\s+to\b)"
        # "so I think this probably has to go to Ruth".
        # ("... needs to go straight to Mike as Head of Service": past the rung in between.)
        r"|\b(?:this|it|the\s+(?:matter|concern|dispute|alert|drp))\s+(?:probably\s+|now\s+)?(?:needs?|has|ought)\s+to\s+go(?:\s+(?:straight|directly))?(?=\s+(?:up\s+)?to\b)"
        # "Can this go to Morgan for the placement plan please?": asked for, to a person or rung.
        r"|\b(?:can|could)\s+(?:this|it)\s+(?:now\s+|please\s+)?go(?:\s+up|\s+straight|\s+directly)?(?=\s+to\s+(?:(?-i:[A-Z][a-z]+)|stage\s+\w+)\b)"
        # "I've agreed with Hannah that this now goes to Stage 2 with Joanne."
        r"|\b(?:this|it)\s+now\s+goes(?:\s+up|\s+straight|\s+directly)?(?=\s+to\s+stage\s+\w+)"
        # "Do you think this should now go to Ruth at Stage 2?": to a rung or a person named.
        r"|\b(?:this|it)\s+should\s+(?:now\s+|probably\s+)?go(?:\s+up)?(?=\s+to\s+(?:(?-i:[A-Z][a-z]+)|stage\s+\w+)\b)"
        r"|\bescalat(?:e|ing)\s+(?:this|it|the\s+(?:matter|concern|dispute|alert))(?=\s+(?:to|up)\b)"
        # Relayed: "she has asked for this to be escalated to Bridget at stage 4".
        # ("I want his part escalated to Marcus": one child's part of a sibling alert.)
        r"|\b(?:asked|asks|want|wants|would\s+like|wishes)\s+(?:for\s+|that\s+)?(?:this|it|the\s+(?:matter|concern|dispute|alert|drp|case|issue)|(?:his|her|their|the\s+other)\s+part)\s+(?:to\s+be\s+|is\s+|be\s+)?escalated",
        re.IGNORECASE)),
)
# Every sentence of every reply is searched with these: word by word (parsers.alternation), which
# finds what re finds in about half the time (issue 13).
_PROSE = tuple((verb, WordLedAlternation.of(pattern)) for verb, pattern in _PROSE)
_AGREE_PROSE = re.compile(
    r"\b(?:happy|content|fine|ok|okay)\s+(?:to\s+|with\s+|for\s+)?(?:agree|grant|allow|give|accept|go\s+along\s+with|the|an?|that|this)\b[^.!?]{0,40}\b(?:extension|extra|more\s+time|further|another|week|days?|until)\b"
    r"|\b(?:extension|extra\s+time|more\s+time)\s+(?:is\s+)?(?:agreed|granted|fine|approved)\b"
    # "I am happy for him to have the extra time he has asked for."
    r"|\b(?:happy|content|fine|ok|okay)\s+for\s+(?:him|her|them|you|(?-i:[A-Z][a-z]+))\s+to\s+have\s+(?:(?:the\s+)?(?:extra|more|further|additional)\s+(?:time|days?|week)|until|till)"
    # "Agreed in principle, but I need it by Tuesday 16th rather than the 19th".
    r"|^\W*(?:agreed?|ok|okay|fine|happy)\s+in\s+principle\b"
    r"|\b(?:(?:happy|content|willing|prepared|ok|okay|fine)(?:\s+(?:by|with)\s+me)?\s+to|i'll|i\s+will|i\s+can|i'm\s+going\s+to|i\s+am\s+going\s+to|let's|let\s+us"
    # "so can we give it another couple of days and I'll decide then".
    r"|(?:can|could|shall)\s+we"
    # "given the bank holiday it is fair to give you until Friday".
    r"|(?:it\s+is|it's|it\s+seems|that\s+seems|that's|that\s+is)\s+(?:only\s+)?(?:fair|reasonable|right)\s+to"
    # Written without the tense: "so I give you extra 24 hours for this".
    r"|(?<=\bi)(?=\s+(?:give|allow|grant)\b))\s+(?:give|allow|grant)\s+(?:the\s+team|you|him|her|them|\w+)\s+(?:until|till|a\s+further|another|an\s+extra|extra|more|\d)"
    # "As agreed, I'm giving you the further 24 hours for the referral".
    r"|\b(?:i'm|i\s+am)\s+(?:now\s+)?(?:giving|allowing|granting)\s+(?:you|him|her|them|the\s+team|(?-i:[A-Z][a-z]+))\s+(?:until|till|the\s+further|a\s+further|another|an\s+extra|extra|more|\d)"
    # "Give her until Thursday and I'll look again then."
    r"|^\W*(?:give|allow)\s+(?:him|her|them|the\s+team|(?-i:[A-Z][a-z]+))\s+(?:until|till|to|another|a\s+further|an\s+extra|extra|more|\d)"
    # "You can have until Monday 19 July to get section 4 completed."
    # ("That's fine by me - Vikram can have until the 25th": after a dash, too.)
    r"|(?:^|\s[-–—]\s|;|\bso\s)\W*(?:you|(?-i:[A-Z][a-z]+)|the\s+team|she|he|they)\s+(?:can|may)\s+have\s+(?:until|till|a\s+further|another|an\s+extra|more|\d"
    # "so she can have the three extra days she has asked for".
    r"|the\s+(?:\w+\s+)?(?:extra|further|additional)\s+(?:time|days?|weeks?|hours?))"
    # "That's fine by me - Wednesday it is.": the day asked for, taken.
    r"|(?:^|\s[-–—]\s|[,;:]\s*)\W*(?:monday|tuesday|wednesday|thursday|friday|the\s+\d{1,2}(?:st|nd|rd|th)?)\s+it\s+is(?:\s+then)?\W*$"
    # "I can live with Monday for the chronology, but ...": a day accepted, in the writer's words.
    r"|\bi\s+can\s+live\s+with(?=\s+(?:monday|tuesday|wednesday|thursday|friday|the\s+\d|\d))",
    re.IGNORECASE,
)
_AGREE_PROSE = WordLedAlternation.of(_AGREE_PROSE)  # word by word, as _PROSE


def stage_number(text: str) -> int | None:
    """"Stage 2" / "stage two" / "Stage III" -> the number; None if no stage is named."""
    m = _STAGE.search(text or "")
    if m is None:
        return None
    token = m.group("n").lower()
    return int(token) if token.isdigit() else _STAGE_WORDS.get(token)


def _negated(words: list[re.Match[str]], index: int, sentence: str) -> bool:
    """A negation shortly before the verb in the same clause ("not resolved", "don't escalate").

    A clause break in between ("Not resolved - escalate to stage 2") ends the negation's reach.
    """
    for j in range(index - 1, max(-1, index - _NEGATION_WINDOW - 1), -1):
        if re.search(r"[-–—,.;:!?()]", sentence[words[j].end() : words[j + 1].start()]):
            return False
        if words[j].group().lower() in _NEGATIONS:
            return True
    return False


# (?<!\s): a run of spaces is tried once, from its start, not again from each space in it.
_PARTICIPLE_WORD = re.compile(r"\b(?-i:[a-z]+)(?:ed|wn)$")
_CLAUSE = re.compile(r"(?<!\s)\s+[-–—]+\s+|;\s*|:\s+|,\s+|\s+then\s+(?=please\b)"
                     # Typed without a comma: "Rachel has agreed so escalate to stage 2 please".
                     r"|\s+so\s+(?=(?:please\s+|pls\s+)?(?:escalate|extend|extent|withdraw)\b)", re.IGNORECASE)


_TYPO_TARGETS = {"resolved": "RESOLVED", "escalate": "ESCALATE", "extend": "EXTEND", "withdraw": "WITHDRAW",
                 "cafcass": "CAFCASS"}
# Real words one slip from a decision word: never read as one.
_OR_ANOTHER_DECISION = re.compile(r"\s+or\s+(?:to\s+|should\s+i\s+|do\s+i\s+)?(?:escalate|extend|resolve|close|withdraw|agree|leave)\b", re.IGNORECASE)
_EXTENT_AS_EXTEND = re.compile(r"\s+(?:to|until|till|by)\s+(?!which\b|what\b|that\b|whom\b)", re.IGNORECASE)
_ESC_SHORT = re.compile(r"\.?(?:\s+(?:up\s+)?to\s+(?:s\s?\d|stage\b|(?-i:[A-Z]))|\s+(?:pls|please|plz)\b|\s*[.!]*\s*$)", re.IGNORECASE)
_REAL_NEIGHBOURS = frozenset({"extent", "expend", "extends", "extant", "withdrew", "resolves", "revolved",
                              "dissolved", "escalates", "escalated", "resolver"})


def _one_slip(a: str, b: str) -> bool:
    """Are ``a`` and ``b`` one insertion, deletion, substitution or swap of neighbours apart?"""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def _misspelt_verb(token: str) -> str | None:
    if len(token) < 5 or token in _REAL_NEIGHBOURS or token in _VERBS:
        return None
    found = {verb for word, verb in _TYPO_TARGETS.items() if _one_slip(token, word)}
    return found.pop() if len(found) == 1 else None


def _command(sentence: str) -> tuple[str, int] | None:
    """(verb, offset after it) when a clause of the sentence is a command ("Not resolved -
    escalate to stage 2" holds one in its second clause); a status question is one too."""
    start = 0
    ends = list(_CLAUSE.finditer(sentence))
    if _CONDITION_FIRST.match(sentence):
        # "If there's no response by Friday please escalate it to Jo": the condition typed
        # without its comma ends where the request starts (and is asked about as a condition).
        ends = sorted(ends + list(_REQUEST_AFTER_CONDITION.finditer(sentence)), key=lambda m: m.start())
    for clause_end in ends + [None]:
        end = clause_end.start() if clause_end else len(sentence)
        found = _clause_command(sentence[start:end]) if clause_end else _clause_command(sentence[start:])
        # "Stage 3 Jo Whitfield, 14/04/2027, extended to 23/04/2027": a participle after a date
        # or figure is the history a form or list tells, not a decision given now.
        if found is not None and start and sentence[:start].rstrip(" ,;:-–—\n")[-1:].isdigit() and \
                _PARTICIPLE_WORD.search(sentence[start:start + found[1]]):
            found = None
        if found is not None:
            return found[0], start + found[1]
        if clause_end is None:
            break
        start = clause_end.end()
    if _status_question(sentence):
        return "STATUS", len(sentence)
    return None


# "I'll keep this open until the visit is written up, then I'll close it": open now, closed later.
_KEPT_OPEN = re.compile(r"\b(?:i'll|i\s+will|i'm\s+going\s+to|i\s+am\s+going\s+to|we'll|we\s+will|i'm|i\s+am)\s+(?:just\s+)?"
                        r"(?:keep|keeping|leave|leaving|hold|holding)\s+(?:this|it)(?:\s+one)?\s+open\b", re.IGNORECASE)
# "Thank you for escalating this to me", "sorry for extending it again": the deed after "for",
# "about" or "since" is thanked, apologised for or told, not asked for (searched just before a
# command word and before a prose match, the one rule for both).
_THANKED_FOR = re.compile(r"\b(?:for|about|since)\s+$", re.IGNORECASE)
_REQUEST_AFTER_CONDITION = re.compile(r"\s+(?=(?:please|pls|kindly)\s+[a-z])", re.IGNORECASE)


_INSTRUCTION_FRAME = re.compile(
    r"^\W*(?:please\s+)?(?:(?:treat|take)\s+this(?:\s+(?:e-?mail|message|reply))?\s+as|this\s+(?:e-?mail\s+|message\s+)?is)\s+"
    r"(?:an?|my)\s+(?:formal\s+)?instruction\s+to\s+(?=\w)", re.IGNORECASE)


# "Please record CAFCASS on this DRP": the instruction word itself, in capitals, given to the
# record (in lower case, "please record this as resolved" is prose, asked about).
_RECORD_THE_WORD = re.compile(r"^\W*(?:please\s+)?(?:record|log|mark|enter)\s+(?=(?-i:RESOLVED|ESCALATE|WITHDRAWN?|CAFCASS)\b)",
                              re.IGNORECASE)


# "so rather than escalate I will EXTEND by 24 hours": the road not taken, before the command.
_RATHER_THAN_LEAD = re.compile(r"^\W*(?:(?:so|and|but|then)\s+)?(?:rather\s+than|instead\s+of)\s+(?:escalat(?:e|ing)|clos(?:e|ing)|extend(?:ing)?|withdraw(?:ing)?)"
                               r"(?:\s+(?:it|this|now|yet|today))*[\s,]+(?=(?:i|we)\b)", re.IGNORECASE)


_WORD_AS_SUBJECT = re.compile(
    r"\s+(?:is|isn't|isnt|was|wasn't|are|aren't|has|hasn't|have|haven't|had|would|wouldn't|will|won't|can't|cannot|"
    r"could|couldn't|should|shouldn't|may|might|must|does|doesn't|did|didn't)\b", re.IGNORECASE)


_BETWEEN_WRITER_AND_DEED = frozenset({"have", "has", "had", "therefore", "also", "already", "now", "just", "today", "then", "so"})


def _told_by_the_writer(words: list[re.Match[str]], index: int) -> bool:
    """"I escalated this", "I have therefore escalated this to Daniel": the writer telling what
    they did (a fact of the story), the subject up to three words before the participle."""
    for back in range(index - 1, max(-1, index - 4), -1):
        token = words[back].group().lower()
        if token in ("i", "we", "i've", "we've", "ive"):
            return True
        if token not in _BETWEEN_WRITER_AND_DEED:
            return False
    return False


def _clause_command(sentence: str) -> tuple[str, int] | None:
    """(verb, offset after it) when the clause is a command: the decision word comes first,
    after courtesy words, names followed by a comma, and nothing else."""
    framed = _INSTRUCTION_FRAME.match(sentence) or _RECORD_THE_WORD.match(sentence) or _RATHER_THAN_LEAD.match(sentence)
    if framed is not None:
        # "Please treat this as an instruction to escalate DRP-2027-0019 to Stage 3": the
        # plainest way there is of giving the instruction the word names.
        found = _clause_command(sentence[framed.end():])
        return (found[0], framed.end() + found[1]) if found is not None else None
    words = list(_WORD.finditer(sentence))
    for index, word in enumerate(words):
        token = word.group().lower()
        verb = _VERBS.get(token)
        if verb is None and index == 0:
            # "extnd by 5 working days pls", "ESCALTE TO STAGE 3": a decision word typed in a
            # hurry, first in its clause. Only one slip away, and never a real word ("extent").
            verb = _misspelt_verb(token)
            if verb is None and token in ("esc", "escl") and _ESC_SHORT.match(sentence, word.end()):
                # "esc to S2 pls", "esc pls": the word shortened on a phone, known by what
                # follows it (a rung, a courtesy, or nothing).
                verb = "ESCALATE"
            if verb is None and token == "extent" and _EXTENT_AS_EXTEND.match(sentence, word.end()):
                # "so extent to then pls": autocorrect's word for "extend", known by what follows
                # (the noun comes as "the extent" or "extent to which").
                verb = "EXTEND"
        if verb is not None:
            if _negated(words, index, sentence):
                return None
            # "Cafcass isn't open to us for a child protection concern": the word is the subject
            # of a sentence about it (CAFCASS is written in capitals as a name, too).
            if (not word.group().isupper() or verb == "CAFCASS") and _WORD_AS_SUBJECT.match(sentence, word.end()):
                return None
            # "Escalate or extend? Honestly not sure.": the choice weighed, not made.
            if _OR_ANOTHER_DECISION.match(sentence, word.end()):
                return None
            if token.endswith("ing") and not word.group().isupper() and \
                    _THANKED_FOR.search(sentence, max(0, word.start() - 8), word.start()):
                return None  # "Thank you for escalating this to me" (_THANKED_FOR)
            # "I am now escalating this to the DCS": the writer telling what they are doing, as
            # "I am now making a referral to Cafcass" is: prose, read and confirmed (issue 8).
            if token.endswith("ing") and not word.group().isupper() and any(
                    w.group().lower() in ("am", "i'm", "im") for w in words[max(0, index - 2):index]):
                return None
            # "Happy to agree the extra week, but ...": the writer's willingness, prose (read by
            # the prose patterns and confirmed), not the command word.
            if not word.group().isupper() and index >= 2 and words[index - 1].group().lower() == "to" and \
                    words[index - 2].group().lower() in ("happy", "content", "fine", "ok", "okay", "willing", "prepared"):
                return None
            # "We are agreed: please withdraw this alert": people agreeing with each other, told.
            if token == "agreed" and not word.group().isupper() and index > 0 and \
                    words[index - 1].group().lower() in ("are", "were", "we're", "were", "all", "both", "been"):
                return None
            # "I escalated this to stage 2 this morning, but ...": what the writer did before, a
            # fact of the story, not a decision given now.
            # ("I've agreed a further 24 hours" is the IRO's decision, told as made: only the
            # simple past "I agreed"/"we extended" is history for time given.)
            if token in ("escalated", "extended", "agreed", "closed", "withdrew") and not word.group().isupper() and (
                    words[index - 1].group().lower() in ("i", "we") if index > 0 and token in ("agreed", "extended")
                    else _told_by_the_writer(words, index)):
                return None
            # "You have agreed that the virtual school will upload it by tomorrow": what the
            # reader did, told back to them, not the writer's decision.
            if token in _PARTICIPLES and not word.group().isupper() and index > 1 \
                    and words[index - 1].group().lower() in ("have", "has") \
                    and words[index - 2].group().lower() in ("you", "they", "he", "she"):
                return None
            # "so I will escalate internally to Morgan": a manager's own work, not the alert's rung.
            if verb == "ESCALATE" and re.match(r"\s+(?:it\s+|this\s+)?(?:internally|within\s+(?:my|our|the)\s+(?:team|service))\b",
                                                sentence[word.end():], re.IGNORECASE):
                return None
            # "We can withdraw this one, and I'll send a fresh ...": a suggestion in prose, confirmed.
            if verb == "WITHDRAW" and not word.group().isupper() and index >= 2 and \
                    words[index - 2].group().lower() == "we" and words[index - 1].group().lower() in ("can", "could"):
                return None
            if verb in ("NOTE", "STATUS") and index > 0 and not _status_question(sentence):
                return None
            # "close" is a command only as the clause's first word or after "please" ("Close
            # this please"); "so we can close this" is prose, to be confirmed.
            if token in ("close", "closed") and not (
                index == 0 or (index == 1 and words[0].group().lower() == "please")
            ):
                return None
            # Written in capitals as the notices ask ("NOTE for the file"), the word is a command.
            if not word.group().isupper() and not _stands_as_command(token, verb, sentence[word.end() :]):
                return None
            return verb, word.end()
        if token in _COURTESY:
            continue
        # "Dana, please escalate": a name set off by a comma.
        if sentence[word.end() : word.end() + 1] == "," and word.group()[0].isupper() and index < 3:
            continue
        return None
    return None


# What may follow a decision word that is a participle or could start a noun phrase ("Resolved",
# "Closed", "Agreed", "Withdrawn", "Status", "Note"): the end of the clause, courtesy, or the
# words of the decision itself. "Agreed actions are attached", "Closed contact has been
# arranged", "Withdrawn from school last term" and "Status of the plan: ..." are no decisions.
_AFTER_PARTICIPLE = re.compile(
    r"^\s*(?:$|[-–—,.;:!?)]|(?:this|it|thanks|thank|please|pls|plz|now|at|as|by|with|and|for\s+now|today|in\s+full|"
    r"on\s+(?:my|our|the)\s+(?:side|part)|from\s+(?:my|our)\s+(?:side|point)|to|until|till|the\s+(?:extension|request|"
    r"extra|further|new|alert|dispute|drp|matter|concern)|an?\s+(?:extension|further|extra)|that|stage|straight|"
    r"directly|immediately|up|again|formally|further|all|everything|sam|\w+'s"
    # "Resolved for the health assessment, ... so please escalate this part": for one part.
    r"|for\s+(?:the|this|that)\s+(?!weekend|moment|time\b|record\b)|re|regarding|as\s+regards"
    # "Resolved for all three children", "Resolved for both": for every child of the alert.
    r"|for\s+(?:all|both|each|every)\b"
    # "Resolved then.": the decision drawn from the answer; "Resolved for Leo": for one child
    # named (asked about, as for one part).
    r"|then\b(?=\s*(?:$|[.!,;]))|for\s+(?-i:[A-Z][a-z'’\-]+)(?!['’]s)\b)\b)",
    re.IGNORECASE,
)
_PARTICIPLES = {"resolved", "closed", "close", "agreed", "agree", "withdrawn", "withdraw", "status", "note",
                "extended", "escalated"}


_HANDED_OVER = re.compile(r"\b(?:keep\s+an\s+eye\s+on|pick\s+(?:this|it)(?:\s+one)?\s+up|look\s+after|cover)\b[^.?!]{0,60}?"
                          r"\b(?:while|whilst|when)\s+i(?:'m|\s+am)\s+(?:on\s+leave|off|away|out)\b", re.IGNORECASE)
_FINE_WITH_THAT = re.compile(r"\W*(?:and\s+)?(?:i'm|i\s+am|that's|that\s+is|it's|which\s+is)\s+(?:absolutely\s+|perfectly\s+|quite\s+)?"
                             r"(?:fine|happy|ok|okay|content)(?:\s+(?:with\s+(?:that|this)|by\s+me))?\b", re.IGNORECASE)
_TIME_ASKED = re.compile(r"\b(?:asked|asking|requested|requesting|wants|would\s+like)\s+(?:for\s+)?(?:an?\s+|some\s+|a\s+bit\s+(?:of\s+)?)?"
                         r"(?:extension|more\s+time|further|extra|additional|until|till|another)\b", re.IGNORECASE)


_TIME_WORDS = re.compile(
    r"\b(?:extension|extend|time|until|till|days?|weeks?|deadline|date|monday|tuesday|wednesday|thursday|friday|"
    r"tomorrow|month|\d{1,2}(?:st|nd|rd|th)?)\b", re.IGNORECASE)


_ASSENT = re.compile(
    r"^\W*(?:(?:yes|yep|yeah)\b(?:\s*[,.!\-–—]*\s*(?:that'?s|that\s+is|it'?s)?\s*(?:fine|ok(?:ay)?|agreed|no\s+problem|right|correct)\b"
    r"(?:\s+(?:with|by)\s+me\b)?)?"
    r"|(?:that'?s|that\s+is)\s+(?:fine|ok(?:ay)?|right|correct)\b|fine\s+by\s+me\b|no\s+problem\b"
    # The words of a yes to mailbot's own "please confirm your instruction".
    r"|confirm(?:ed)?\b|correct\b|ok(?:ay)?\b|go\s+ahead\b|please\s+do\b)(?=\s*(?:[,.!\-–—]|please\b|$)"
    # "Yep thats fine with me given the legal planning meeting is next wk": a yes and its reason.
    r"|\s+(?:given|as|because|since|seeing)\b"
    # "That's fine Daniel, Friday 11 June it is.": said to the one who asked, by name.
    r"|\s+(?-i:[A-Z][a-z]+)\s*[,.!])",
    re.IGNORECASE,
)


def only_assent(text: str) -> bool:
    """Is ``text`` a yes and nothing more ("Yes", "Confirmed.", "Yes, that's fine - thanks")?"""
    found = _ASSENT.match(text or "")
    rest = text[found.end():] if found else ""
    return found is not None and not re.sub(r"(?i)\b(?:please|thanks|thank\s+you|go\s+ahead|do\s+it)\b|[\W_]", "", rest)


# "1. Contact with dad - agreed, ...": a topic, a dash or colon, then "agreed" answers that point.
_TOPIC_THEN_AGREED = re.compile(r"[A-Za-z]{2,}[^\n]{0,60}?\s*[-–—:]\s*agreed?\W*$", re.IGNORECASE)


def _agrees_with_a_point(rest: str) -> bool:
    """Is what follows "Agreed," a statement of its own (four words or more, nothing about
    time), so the word agrees with a point rather than with a request for more time?"""
    rest = rest.lstrip(" ,-–—:")
    return len(_WORD.findall(rest)) >= 4 and not _TIME_WORDS.search(rest)


# "Extend Leo's current placement beyond the 12-week assessment", "extend her protected time":
# the plan's own actions, not more time for the response.
_RESOLVES_SOMETHING_ELSE = re.compile(
    r"\s+(?:the|his|her|their|a|an|any|some|these|those)\s+(?!(?:matter|concerns?|issues?|dispute|alert|drp|case|points?|recommendation)\b)\w",
    re.IGNORECASE)
_SAYS_RESOLVED = re.compile(r"\bresolv|\bsorted\b", re.IGNORECASE)
_OPENS_PART_RESOLVED = re.compile(r"^\W*(?:(?:resolved|closed|sorted)\s+in\s+part|(?:partly|partially|part)[\s-]+(?:resolved|closed|sorted))\b",
                                  re.IGNORECASE)
# "Resolved re the pathway plan, ...": said of one part of the concern.
_FOR_ONE_PART = re.compile(r"\s+(?:re|regarding|as\s+regards|for\s+(?:the|this|that))\s+\w"
                           # "Resolved as far as the placement plan goes" (not "as far as I'm concerned").
                           r"|\s+as\s+far\s+as\s+(?:the|this|that|his|her|their|(?-i:[A-Z])[\w'’-]+['’]s)\s+[^.;!?\n]{1,60}?\s+(?:goes|go|is\s+concerned|are\s+concerned)\b"
                           # "That's resolved as far as Leo is concerned": one child of the alert's.
                           r"|\s+as\s+far\s+as\s+(?-i:[A-Z][a-z'’-]+)(?:\s+(?:and|&)\s+(?-i:[A-Z][a-z'’-]+))?\s+(?:is|are)\s+concerned\b"
                           r"|\s+for\s+(?-i:[A-Z][a-z'’\-]+)\b(?!['’]s)(?!\s+(?:and|&)\s)", re.IGNORECASE)
# "escalate Maya's part", "escalate the PEP bit": one part of the concern named as what goes up.
_ONE_PART_OF_IT = re.compile(
    r"\s+(?:(?-i:[A-Z][\w-]*)['’]s|this|that|the|his|her|their|(?:the\s+)?(?-i:[A-Z]{2,}))(?:\s+[\w-]+)?\s+(?:part|bit|element|aspect|half)\b",
    re.IGNORECASE)
# "Agreed with Hannah and Simon this morning: ...": an agreement reached with people, told; and
# "A matching plan ..., with a timetable, agreed with Omar." (a form's cell): what was agreed.
_AGREED_WITH_PEOPLE = re.compile(
    r"\s+with\s+(?-i:[A-Z][a-z]+)(?:\s+(?:and|&)\s+(?-i:[A-Z][a-z]+))*\s*(?::|\.|;|$|\s+(?:this\s+morning|this\s+afternoon|today|yesterday|on\s+the\s+phone|earlier)\b)",
    re.IGNORECASE)
# "so I agree with Aisha that this needs to go up": agreeing with a person's view, not with a
# request for time.
_AGREES_WITH_A_VIEW = re.compile(r"\s+with\s+(?:(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?|you)\s+(?:that|about|on\s+this|when|where)\b"
                                 # "We agree that Mia needs the placement ...": a view shared, no time in it.
                                 r"|\s+that\b(?![^.;!?\n]{0,60}\b(?:extension|extra|more\s+time|until|till|weeks?|days?|deadline|date)\b)",
                                 re.IGNORECASE)
_NOUN_AFTER_ESCALATION = re.compile(
    r"\s+(?:notice|notification|e-?mail|letter|meeting|process|procedure|protocol|policy|form|route|pathway|"
    r"stage|level|ladder|history|chain|request|decision|was|is|has|had"
    # "the escalation came to my inbox rather than his": the escalation told of, not given.
    r"|came|went|sat|arrived|landed|reached|got|stalled|ended"
    # "an escalation in risk", "the escalation of her self-harm": the social-work term.
    r"|in|of)\b", re.IGNORECASE)
_EXTENDS_SOMETHING_ELSE = re.compile(
    r"\s+(?:(?-i:[A-Z][\w-]*)['’]s|his|her|their|its|the\s+(?:placement|plan|assessment|contact|order|arrangement|"
    r"support|package|hours|visits?|sessions?|protected))\b", re.IGNORECASE)


# "We have agreed to bypass Stage 3": people agreeing on something to do, not time agreed.
_AGREED_TO_ACT = re.compile(r"\s+to\s+(?:bypass|skip|meet|escalate|hold|convene|move|go|take|raise|refer|speak|talk|visit|share"
                            r"|complete|arrange|book|close|withdraw|keep)\b", re.IGNORECASE)


def _stands_as_command(token: str, verb: str, rest: str) -> bool:
    if verb == "EXTEND" and _EXTENDS_SOMETHING_ELSE.match(rest):
        return False
    if token == "escalation" and _NOUN_AFTER_ESCALATION.match(rest):
        return False  # "the escalation notice only gives you the reference"
    if token == "resolve" and _RESOLVES_SOMETHING_ELSE.match(rest):
        return False  # "We need to resolve the contact arrangements with the Guardian"
    if token not in _PARTICIPLES:
        return True
    if verb == "STATUS" and re.match(r"\s*(?:$|[?.!]|please|update|check|report|\?)", rest, re.IGNORECASE):
        return True
    # "Note:", "Note - ...", "Note for the record – don't escalate yet", "Note for the file".
    if verb == "NOTE" and re.match(r"\s*(?:$|[:\-–]|for\s+(?:the\s+)?(?:record|file|log|info(?:rmation)?)\b)", rest, re.IGNORECASE):
        return True
    if verb == "AGREE":
        return bool(re.match(
            r"\s*(?:$|[-–—,.;:!)]|(?:to|with(?!\s+(?:\w[\w-]*'s|the|your|her|his|their|its)\s+(?:[\w-]+\s+){0,2}?(?:plan|approach|assessment|analysis|view|points?|comments?|summary|update|concerns?|position|reasoning|suggestions?)\b)"
            r"|until|till|that|this|thanks|thank|please|the\s+(?:extension|request|extra|further|new)|"
            # "Agree with Priya's plan, but ..." agrees with a point, not with a request for time.
            r"an?\s+(?:extension|further|extra)"
            # "Yes agreed Abi can have the extra week she asked for" (typed on a phone, no comma).
            r"|(?:she|he|they|you|(?-i:[A-Z][a-z]+))\s+can\s+have)\b)", rest, re.IGNORECASE)) \
            and not _AGREED_WITH_PEOPLE.match(rest) and not _AGREES_WITH_A_VIEW.match(rest) \
            and not _AGREED_TO_ACT.match(rest)
    if verb in ("STATUS", "NOTE"):
        return False
    return bool(_AFTER_PARTICIPLE.match(rest))


def _status_question(sentence: str) -> bool:
    return bool(re.search(r"\b(what(?:'s|\s+is)\s+the\s+(?:current\s+)?status|status\s+(?:update|please|\?)|where\s+(?:are|is)\s+we\s+up\s+to"
                          # "Can you tell me where it's up to?"
                          r"|(?:tell|let)\s+me\s+(?:know\s+)?where\s+(?:it's|it\s+is|this\s+is|this's|things\s+are|we\s+are)\s+up\s+to"
                          r")", sentence, re.IGNORECASE)) or (
        # "Could you tell me where this one has got to?" (asked; not "I'm happy with where this
        # has got to", which says where it is).
        _GOT_TO.search(sentence) is not None and (sentence.rstrip().endswith("?") or _ASKS_WHERE.search(sentence) is not None))


_GOT_TO = re.compile(r"\bwhere\s+(?:this|it|the\s+(?:alert|dispute|drp|matter))(?:\s+one)?\s+(?:has|'s)\s+got\s+to\b", re.IGNORECASE)
_ASKS_WHERE = re.compile(r"\b(?:tell\s+me|let\s+me\s+know|know|wonder(?:ing|ed)?|ask(?:ing)?|check(?:ing)?|update\s+me\s+on)\s+where\b", re.IGNORECASE)


_PERSON = re.compile(r"(?-i:[A-Z][a-z'’\-]+)(?:\s+(?-i:[A-Z][a-z'’\-]+)){0,2}")
_PERSON_AFTER_STAGE = re.compile(r"\s*stage\s*\w+\s*(?:[-–—,]\s*(?:to\s+)?|\bwith\b)\s*(?P<name>(?-i:[A-Z][a-z'’\-]+)(?:\s+(?-i:[A-Z][a-z'’\-]+)){0,2})",
                                 re.IGNORECASE)
_PERSON_IN_BRACKETS = re.compile(r"\s*\(\s*(?P<name>(?-i:[A-Z][a-z'’\-]+)(?:\s+(?-i:[A-Z][a-z'’\-]+)){0,2})\s*[),]")


_STAGE_SHORT = re.compile(r"(?:s|stg)\.?\s?([1-5])", re.IGNORECASE)


def _target(rest: str) -> tuple[int | None, str | None]:
    """The stage number or rung words right after ESCALATE; (None, None) for the next rung. With
    a stage number, the second item is the person named with it, if any ("to Vikram at stage 2")."""
    # A line the client wrapped is one line ("to Marcus at\nStage 2"); a blank line still ends it.
    rest = re.sub(r"(?<!\n)[ \t]*\n[ \t]*(?!\n)", " ", rest)
    m = _TARGET.match(rest)
    if m is None:
        # "escalate stage 3" / "escalate: stage 3"
        bare = re.match(r"^\s*[:\-–]?\s*(stage\s*\S+)", rest, re.IGNORECASE)
        return (stage_number(bare.group(1)), None) if bare else (None, None)
    target = _TARGET_END.sub("", m.group("target")).strip()
    number = stage_number(target) if re.match(r"\s*stage\b", target, re.IGNORECASE) else None
    if (short := _STAGE_SHORT.fullmatch(target)) is not None:
        return int(short.group(1)), None  # "esc to S2 pls", "to stg 3"
    person = None
    if number is not None:
        # "to stage 3 - Sana Ali -", "to Stage 4 (Catherine Bell)": the person said with the rung,
        # kept so that mailbot can see whether the two agree.
        said = (_PERSON_AFTER_STAGE.match(m.group("target")) or _PERSON_IN_BRACKETS.match(rest[m.end():])
                or _PERSON_AFTER_STAGE.match("stage 0" + rest[m.end():]))
        person = said.group("name") if said else None
    else:
        # A person named with their rung: "to Vikram at stage 2", "to Bridget (Stage 4)".
        named = re.search(r"(?:\bat|\bfor|[-–])\s*(stage\s*\w+)", target, re.IGNORECASE)
        bracketed = None if named else re.match(r"\s*\(\s*(stage\s*\w+)", rest[m.end():], re.IGNORECASE)
        number = stage_number((named or bracketed).group(1)) if named or bracketed else None
        if number is not None:
            before = target[: named.start()] if named else target
            person = before.strip(" -–") if _PERSON.fullmatch(before.strip(" -–")) else None
    if number is not None:
        return number, person
    if re.match(r"(?:next|following|higher)\s+(?:stage|level|rung)\b", target, re.IGNORECASE):
        return None, None
    return None, target or None


def _clause_after(text: str, offset: int) -> str:
    """The rest of the sentence after ``offset``."""
    for start, end in sentences(text):
        if start <= offset <= end:
            return text[offset:end]
    return text[offset:]


def _usable_lines(text: str) -> str:
    """The new text without greeting lines (a greeting is not a sentence of the decision)."""
    # An alert reference written at the head ("DRP-2027-0012 resolved") is not a word of it.
    text = _REFERENCE.sub(" ", text)
    # "[Tom W] Yes, fine": an inline answer's tag names its writer; it is not a word of it.
    text = re.sub(r"(?m)^[ \t]*\[[^\]\n]{1,40}\][ \t]*:?[ \t]*", "", text)
    lines = text.split("\n")
    out: list[str] = []
    pasted, pasted_seen = False, False
    for line in lines:
        if pasted and not line.strip():
            # The pasted paragraph ends at the blank line after it (blank lines before it are
            # the writer's spacing).
            pasted = not pasted_seen
            out.append("")
            continue
        if pasted:
            # "Lee, from your email yesterday:" then the manager's words pasted without quote
            # marks: theirs, not a decision of the writer's.
            pasted_seen = True
            out.append("")
            continue
        if _PASTE_INTRO.search(line):
            pasted, pasted_seen = True, False
            out.append("")
            continue
        if _GREETING.search(line) and not {w.lower() for w in _WORD.findall(line)} & set(_VERBS):
            out.append("")
            continue
        out.append(line)
    return "\n".join(out)


_PASTE_INTRO = re.compile(r"\b(?:from|in)\s+your\s+(?:e-?mail|message|reply|response)\b[^:\n]{0,40}:\s*$"
                          r"|\byou\s+(?:wrote|said|asked)\b[^:\n]{0,40}:\s*$", re.IGNORECASE)


def _without_later_points(text: str, pos: int) -> str:
    """``text`` from ``pos``, without the later numbered or bulleted points when ``pos`` is in
    one: "2. ... ESCALATE to stage 2 please" is not given the date of "3. Can you confirm
    whether the contact on 24 July ...?", but is given "Joanne - I'd like your response by
    close of play Thursday" written below the list."""
    line_start = text.rfind("\n", 0, pos) + 1
    if not LIST_ITEM.match(text, line_start):
        return text[pos:]
    kept, in_point = [], True
    for line in text[pos:].split("\n"):
        if LIST_ITEM.match(line):
            in_point = False  # a later point: left out, with its continuation lines
        elif not line.strip():
            in_point = True  # a blank line ends a point; what follows is prose again
        if in_point:
            kept.append(line)
        elif not line.strip():
            kept.append(line)
    return "\n".join(kept)


_BARE_DAYS = re.compile(r"\b(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:more\s+|further\s+|extra\s+)?days?\b", re.IGNORECASE)


def day_in_the_table(text: str, sent: date | None) -> date | None:
    """"EXTEND as agreed, to the time in the table below": the one day still to come that the
    text after the decision gives (the table's rows); two different days are asked about."""
    days = {f.date for f in find_dates(text, sent) if f.date is not None and (sent is None or f.date >= sent)}
    return days.pop() if len(days) == 1 else None


def points_to_a_table(text: str) -> bool:
    return _IN_THE_TABLE.search(text) is not None


_IN_THE_TABLE = re.compile(r"\b(?:time|date|day|deadline|dates|times)\s+(?:in|given\s+in|set\s+out\s+in|shown\s+in|from)\s+the\s+table\b",
                           re.IGNORECASE)
_NAMED_TO_LOOK = re.compile(r"\s*(?:[-–—:,]\s*)?(?:i\s+would\s+like\s+|i'd\s+like\s+|i\s+want\s+)?(?P<name>(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?)\s+"
                            r"(?:to\s+(?:look\s+at|pick\s+up|take\s+over|review|(?:pick|take)\s+(?:it|this)\s+(?:up|over))"
                            r"|needs\s+to\s+(?:see|look\s+at|review))\b",
                            re.IGNORECASE)
# ("3 working days given how long this has gone on."; not "5 working days went by", told.)
_PERIOD_OPENS_A_SENTENCE = re.compile(
    rf"(?:^|(?<=[.!?])\s+)(?:within\s+)?(?P<n>{NUMBER})\s+(?:working|business)\s+days?"
    r"(?=\s*[.!]|\s*$|\s+(?:please|pls|given|because|as|for\s+(?:the|a|her|his|their|your)\s+(?:response|reply))\b)", re.IGNORECASE)
_PERIOD_CLOSES_COMMAND = re.compile(
    rf"[,;–—-]\s*(?:within\s+|in\s+)?(?P<n>{NUMBER})\s+(?:working|business)\s+days?(?:\s+please|\s+pls)?\s*[.!]?\s*$", re.IGNORECASE)
_PERIOD_NOT_THE_DEFAULT = re.compile(
    rf"\b(?P<days>{NUMBER})\s+working\s+days?\s*,?\s*(?:not|rather\s+than|instead\s+of)\s+"
    rf"(?:the\s+)?(?:usual\s+|standard\s+|normal\s+)?{NUMBER}\b(?!\s*(?:st|nd|rd|th|/))",
    re.IGNORECASE)


def _read_arguments(verb: str, text: str, after: int, sent: date | None) -> dict:
    clause = _clause_after(text, after)
    args: dict = {}
    # "Escalate" alone on its line, then "To Head of Service please – 3 working days": the
    # command's arguments on the line under it.
    ended = clause.lstrip(" \t.!")[:1] in ("", "\n")
    next_line = (_ARGUMENTS_UNDER.match(text, after) or _TARGET_NEXT.match(text, after)) if ended else None
    if next_line is not None:
        clause = next_line.group("line")
    if verb == "ESCALATE":
        args["stage"], args["target"] = _target(clause)
        if args["stage"] is None and args["target"] is None and ended and \
                (alone := _target_said_alone(_without_later_points(text, after))) is not None:
            # "ESCALATE!!\nThird time this referral has been promised.\nTo Claire please.": the
            # rung in a sentence of its own, with no verb but the command's.
            args["stage"], args["target"] = alone
        if args["stage"] is None and args["target"] is None and (asked := _NAMED_TO_LOOK.match(clause)) is not None:
            args["target"] = asked.group("name")  # "I'd like Joanne to look at it"
        if (corrected := _STAGE_CORRECTED.search(clause)) is not None:
            # "Please escalate this to stage 3 - sorry, I mean stage 2, to Marcus": the writer's
            # own correction, in the same breath, is the rung.
            args["stage"], args["target"] = stage_number(corrected.group("stage")), None
        if args["stage"] is None and args["target"] is None and (goes := _IT_SHOULD_GO.match(clause, _LEAD_IN.match(clause).end())):
            # "ESCALATE - I agree this should go to Stage 2, to Vikram": where it goes, said in
            # the clause after the word.
            args["stage"], args["target"] = _target(clause[goes.start("to"):])
        # A response timescale may come with the escalation ("..., response within 3 working days").
        later = _without_later_points(text, after)
        timescale, unusable = response_timescale(later, sent)
        if timescale is None and not unusable:
            # "I would like this escalated to Morgan, with a written response within 5 working
            # days": the escalation's own sentence asks, without a "please" of its own after the word.
            own = next(((a, b) for a, b in sentences(later) if later[a:b].strip()), None)
            if own is not None:
                timescale, unusable = response_timescale(later[own[0]:own[1]], sent, subject=True)
        if timescale is not None:
            args["working_days"], args["until"] = timescale.working_days, timescale.until
        elif unusable:
            args["unusable"] = unusable
        elif next_line is not None and (period := period_at(clause)) is not None:
            args["working_days"] = period[0]
        elif (opening := _PERIOD_OPENS_A_SENTENCE.search(later)) is not None:
            # "Escalate please - to Jo. No response from Marcus ... 3 working days given how long
            # this has gone on.": a sentence that opens with the period sets it.
            args["working_days"] = number_value(opening.group("n"))
        elif (closing := _PERIOD_CLOSES_COMMAND.search(clause)) is not None:
            # "Escalate this to Jo Whitfield please, 3 working days.": the period that ends the
            # command's own sentence is the time it sets.
            args["working_days"] = number_value(closing.group("n"))
        elif (corrected := _PERIOD_NOT_THE_DEFAULT.search(later)) is not None:
            # "Escalate to Morgan pls. ... 3 working days not 5": the period set in place of the
            # ladder's own, said with the one it replaces.
            args["working_days"] = number_value(corrected.group("days"))
    elif verb in ("EXTEND", "AGREE"):
        timescale = period_or_date(clause, sent)
        if timescale is not None and timescale.working_days is not None and \
                (restated := _DAY_RESTATED.search(clause)) is not None and \
                (day := parse_uk_date(restated.group("rest"), sent)) is not None:
            # "AGREE - an extra week is fine, so by Friday 7 May please": the day the writer made
            # of the period (a bank holiday in the week makes the count say the 10th) is the day.
            timescale = Timescale(None, day)
        if timescale is None and verb == "AGREE":
            # "AGREE - thanks Mark. Please make sure the new family time plan is in place by
            # Wednesday 21st at the latest": agreed, with the day the IRO then asks for.
            timescale, _unusable = response_timescale(_without_later_points(text, after), sent)
        if timescale is not None:
            args["working_days"], args["until"] = timescale.working_days, timescale.until
            if verb == "EXTEND" and timescale.until is None and _BARE_DAYS.search(clause):
                # "extend by 5 days": calendar or working? The ladders count working days, and the
                # IRO is asked rather than one of the two guessed.
                args["unusable"] = "'days' may mean calendar days or working days"
        elif verb == "EXTEND":
            # "Extend Friday 28th May": the date without a date word; "the deadline is the 14th
            # not the 4th": a day of the month, first in the clause.
            args["until"] = parse_uk_date(clause, sent) or day_at(clause, len(clause) - len(clause.lstrip()), sent)
            if args["until"] is None and _IN_THE_TABLE.search(clause):
                args["until"] = day_in_the_table(text[after:], sent)
        if args.get("until") is None and args.get("working_days") is None and _UNTIL_THEN.search(clause):
            # "She says it will be signed off by Friday. Let's give her until then": the day
            # named in the sentence before; "Happy to give Chris till Fri 19th ... so extend to
            # then": earlier in the same sentence.
            here = next((a for a, b in sentences(text) if a <= after <= b), after)
            before = [(a, b) for a, b in sentences(text) if b <= here]
            named = period_or_date(text, sent, here, after)
            if named is None or named.until is None:
                named = period_or_date(text[before[-1][0]:before[-1][1]], sent) if before else None
            if named is not None and named.until is not None:
                args["until"] = named.until
    return args


_DAY_RESTATED = re.compile(r"[,\s]\s*(?:so\s+(?:by|until|till)|(?:i\.?e\.?|that\s+is|that's|which\s+is|which\s+makes\s+it|making\s+it)[,:\s]+(?:by|until|till|to)?)"
                           r"\s*(?P<rest>(?:the\s+)?(?:mon|tue|wed|thu|fri|\d)\S*.*)$", re.IGNORECASE)


# ("Sorry, stage 2 has already been tried" names a stage and corrects nothing: the words that make
# a correction must be there, and the stage must not start a sentence of its own.)
_STAGE_CORRECTED = re.compile(
    r"\b(?:i\s+mean[t]?|make\s+that|that\s+should\s+(?:have\s+)?be(?:en)?|correction\s*:)\s+(?P<stage>stage\s*\w+)\b"
    r"(?!\s+(?:is|was|has|had|are|were|would|will|can|could)\b)", re.IGNORECASE)
_LEAD_IN = re.compile(r"\s*[-–—:,]?\s*(?:i\s+(?:agree|think)\s+(?:that\s+)?)?", re.IGNORECASE)
# "ESCALATE!! Straight to Catherine Bell at Stage 4 please.": the rung in the next sentence.
_TARGET_NEXT = re.compile(r"[ \t]*[.!]+[ \t]+(?P<line>(?:(?:straight|directly|up|and)\s+)?to\s+(?=(?-i:[A-Z])|stage\b|the\b)[^\n]*)",
                          re.IGNORECASE)
_TARGET_ALONE = re.compile(r"\W*(?:and\s+)?(?:(?:straight|directly|up)\s+)?(?P<to>to\s+(?:stage\s*\w+|the\s+[^.!?\n]{3,50}|(?-i:[A-Z])[^.!?\n]{0,50}?))"
                           r"\s*(?:,?\s*(?:please|pls|plz|thanks|thank\s+you|asap))?\s*[.!]*\s*", re.IGNORECASE)


def _target_said_alone(later: str) -> tuple[int | None, str | None] | None:
    """The rung from the first sentence after a bare command that is nothing but "to <rung>"."""
    for start, end in sentences(later):
        if (alone := _TARGET_ALONE.fullmatch(later, start, end)) is not None:
            stage, target = _target(alone.group("to"))
            if stage is not None or target is not None:
                return stage, target
    return None


_ARGUMENTS_UNDER = re.compile(r"[ \t.!]*\n\s*(?P<line>(?:to|up\s+to|straight\s+to|within|by|until|till)\b[^\n]*)", re.IGNORECASE)


# A decision declared in so many words ("take this email as my escalation"): even when it is
# given on a condition, it is the writer's decision for later, and asked about.
# "If the SDQ is on Mosaic by Friday, I'm content for this DRP to be closed", "Should I now be
# referring this to Cafcass?": the writer's own decision, on a condition or put as a question.
_OWN_DECISION_ASKED = re.compile(r"^should\s+(?:i|we)\b|\b(?:content|happy)\s+for\s+(?:this|it|the)\b"
                                 r"|\b(?:happy|content|ready|willing|able)\s+to\s+sign\s+(?:this|it)(?:\s+one)?\s+off\b", re.IGNORECASE)
# "Are you happy for me to close this off now, or shall we keep it open?": asked of the reader.
_ASKS_LEAVE_TO_CLOSE = re.compile(r"\b(?:content|happy)\s+for\s+(?:me|us)\b", re.IGNORECASE)
_REFLECTION = re.compile(r"\b(?:on\s+reflection|on\s+second\s+thoughts?|actually)\b", re.IGNORECASE)
_HOLD = re.compile(r"\b(?:hold|wait|don't|do\s+not|ignore|scratch|leave\s+it|not\s+yet)\b", re.IGNORECASE)
_RETARGETED = re.compile(r"\b(?:go|goes|send\s+(?:it|this)|escalate\s+(?:it|this)|come)\s+(?:straight\s+|directly\s+|up\s+)?(?P<to>to\s+(?-i:[A-Z])[^.;!?\n]{1,80})",
                         re.IGNORECASE)
_BUT_MY_OWN = re.compile(r"^\W*(?:[\w,' ]{0,20}\s)?but\b", re.IGNORECASE)
_GIVE_THEM = re.compile(r"\W*(?:give|allow|let)\s+(?:him|her|them|(?-i:[A-Z][a-z]+))\s+(?:have\s+)?", re.IGNORECASE)
# "this should (now) go (up) to <rung>": after the command word ("ESCALATE - I agree this should go
# to Stage 2") or later in the text ("Escalate please. ... he agrees this should now go to Daniel
# Osei as Service Manager").
_IT_SHOULD_GO = re.compile(r"\b(?P<object>this|it)\s+(?:should|must|needs\s+to|has\s+to|ought\s+to|can)\s+(?:now\s+)?go"
                           r"(?:\s+up|\s+straight|\s+directly)?\s+(?P<to>to\s+(?-i:[A-Z])[^.;!?\n]{1,80})", re.IGNORECASE)
_RESPONSE_FROM = re.compile(r"\bresponse\s+from\s+(?P<to>the\s+(?-i:[A-Z])[\w ]{2,40}?|(?-i:[A-Z][a-z]+)(?:\s+(?-i:[A-Z][a-z]+))?)"
                            r"(?=\s+(?:within|by|in|as)\b|\s*[.;!?\n]|$)")
_SEND_IT_TO = re.compile(r"\b(?:please\s+)?(?:send|pass|forward|refer)\s+(?P<object>(?:this|it)\s+)?(?:on\s+|up\s+)?(?P<to>to\s+(?-i:[A-Z])[^.;!?\n]{1,80})",
                         re.IGNORECASE)
# "I hope you will feel able to treat the concern as resolved": the writer leaving the decision to
# the reader (a manager to the IRO), not taking it.
_LEFT_TO_THE_READER = re.compile(
    r"\b(?:hope|hoping|trust|suggest|invite|wonder(?:ed|ing)?)\b[^.;!?]{0,20}\byou(?:'ll|'d)?\b[^.;!?]{0,30}$"
    r"|\byou\s+(?:may|might)\s+(?:now\s+)?(?:wish|want|feel\s+able|like)\s+to\s+$"
    # "Let me know if you're happy for this to be resolved": the reader's view asked for, not
    # the writer's decision.
    r"|\b(?:if|whether|when|once)\s+(?:you're|you\s+are|you'd\s+be|you\s+would\s+be|you\s+feel|you\s+think)\s+(?:now\s+)?$", re.IGNORECASE)
# "I'm happy for this to be closed once the core group has met, but I'll leave that with you": a
# manager's view, the decision left to the IRO.
_LEAVES_IT_TO_YOU = re.compile(r"\b(?:i'll|i\s+will|i'd|i\s+would|i'm\s+going\s+to)\s+leave\s+(?:that|it|this|the\s+decision)(?:\s+decision)?"
                               r"\s+(?:with|to|up\s+to)\s+you\b", re.IGNORECASE)
# "I think we can probably call this resolved once the care plan is updated": resolved on a
# condition, asked about (as "Happy for it to be resolved once ..." is).
_CALL_IT_RESOLVED = re.compile(r"\bcall\s+(?:this|it)\b", re.IGNORECASE)
_IF_OR_UNLESS = re.compile(r"\b(?:if|unless)\b", re.IGNORECASE)
# "... before I decide whether this needs to go to Stage 2": the decision still being made.
_STILL_DECIDING = re.compile(r"\b(?:whether|decide|deciding|decision)\b", re.IGNORECASE)
# "... and let you know then whether I'm happy for this to close": what the writer will decide
# later, named; no decision now, not even one on a condition.
_TO_BE_DECIDED = re.compile(r"\b(?:let\s+(?:you|you\s+all|everyone|them|him|her)\s+know|decide)\s+(?:then\s+|later\s+)?"
                            r"(?:whether|if)\b[^.;:!?,]*$", re.IGNORECASE)
_FOR_NOW = re.compile(r"\s*(?:for\s+now|for\s+the\s+(?:time\s+being|moment)|at\s+the\s+moment)\b", re.IGNORECASE)
_IMPERSONAL_ESCALATION = re.compile(r"\b(?:needs?|has|ought|must)\s+to\s+go\b|\bshould\s+(?:now\s+)?go\b", re.IGNORECASE)
_TREAT_THE_RECORD = re.compile(r"\b(?:please|pls|can\s+you|could\s+you)\s+(?:treat|mark|record|log|consider)\s+(?:this|it)\b", re.IGNORECASE)
# "Resolved from my point of view once I have the updated plan": resolved when something has
# happened, not yet (right after the word; "... and send the reference once I have it" is not).
_ONCE_AFTER = re.compile(r"\s*,?\s*(?:(?:from\s+(?:my|our)\s+(?:point\s+of\s+view|side|perspective)|for\s+me|as\s+far\s+as\s+i'm\s+concerned),?\s+)?"
                         r"once\s+(?:i|we|i've|we've|the|this|that|it|his|her|their)\b", re.IGNORECASE)
_AS_MY_DECISION = re.compile(r"\bas\s+my\s+(?:formal\s+)?(?:escalation|decision|instruction)\b", re.IGNORECASE)
_UNTIL_THEN = re.compile(r"\b(?:until|till|til|to)\s+then\b", re.IGNORECASE)


# Words in quotation marks are someone else's: "I saw your note - "ESCALATE to stage 2 if
# nothing by Friday" - so here it is" is a manager quoting the IRO, not deciding.
_QUOTED = re.compile(r'"[^"\n]{2,200}"|\u201c[^\u201d\n]{2,200}\u201d')
# An emoji closes what it follows: "Resolved 👍 Placement plan signed ..." is "Resolved." first.
_EMOJI = re.compile(r"[ \t]*[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2705][\ufe0f\U0001F3FB-\U0001F3FF]*")


_ESCALATE_TO = re.compile(r"\bescalat(?:e|ing)\s+(?:this\s+|it\s+)?(?=(?:straight\s+|directly\s+|up\s+)?to\s)", re.IGNORECASE)


def _rung_said_elsewhere(text: str, sent: date | None) -> dict:
    """The stage and target of the first "escalate (this) to <rung>" in ``text`` ({} if none)."""
    for m in _ESCALATE_TO.finditer(text):
        named = _read_arguments("ESCALATE", text, m.end(), sent)
        if named.get("stage") is not None or named.get("target") is not None:
            return {"stage": named.get("stage"), "target": named.get("target")}
    return {}


def _granted_day(text: str, at: int, sent: date | None) -> tuple[int | None, date | None] | None:
    """(working days, until) said in the sentence of a grant starting at ``at`` (None if none)."""
    sentence_end = next((e for s0, e in sentences(text) if s0 <= at < e), len(text))
    said = period_or_date(text, sent, at, sentence_end)
    return None if said is None else (said.working_days, said.until)


def _grants_the_same(text: str, prose: list, args: dict, sent: date | None) -> bool:
    """Whether every grant of time said in prose names the EXTEND's own day (or none)."""
    for _verb, start, _after in prose:
        sentence_end = next((e for s0, e in sentences(text) if s0 <= start < e), len(text))
        said = period_or_date(text, sent, start, sentence_end)
        # ("EXTEND 24 hours ... so I'm giving you until tomorrow": the same day said two ways.)
        given = Timescale(working_days=args.get("working_days"), until=args.get("until"))
        if said is not None and not same_deadline(said, given, sent):
            return False
    return True


# Where a clause of the writer's own begins: "I don't feel it goes far enough and I'd like this to
# go to Nick Evans" - the negation is the first clause's; "I'm not going to escalate yet, ..., so
# I'll give you until Friday" - the grant is a clause of its own.


def _own_clause(sentence: str, at: int) -> str:
    """The text before ``at`` back to the start of its clause."""
    # (Searched past ``at``: the look-ahead after "and" reads the word that begins the clause.)
    begin = max((b.end() for b in _HEDGE_BREAK.finditer(sentence) if b.end() <= at), default=0)
    return sentence[begin:at]


_ANSWERED_NO = re.compile(r"\s*(?:no\b|nope\b|not\s+(?:really|yet|quite|entirely|fully)\b|i'm\s+afraid\s+not\b|sadly\s+not\b|hardly\b)",
                          re.IGNORECASE)
# What may stand between a decision word and a question mark that is not its own ("ESCALATE
# to stage 2 - can you confirm you've got this?").
_OTHER_QUESTION = re.compile(r"[;:]|\s[-–—]\s|,\s*(?:can|could|would|will|do|does|did|is|are|have|has)\s", re.IGNORECASE)


def _asked_as_a_question(sentence: str, verb_end: int) -> bool:
    """Whether the decision word's own clause ends in a question mark ("Escalate?", "Resolved?",
    "Escalate to stage 2?")."""
    tail = sentence[verb_end:].rstrip()
    # Only the word said first ("So - escalate?"): "Can this please be escalated to Sana?" asks
    # someone to do it, which is a request, not a decision weighed.
    said_first = re.match(r"^\W*(?:(?:so|and|then|ok|okay|right)\W+)?[A-Za-z]+$", sentence[:verb_end]) is not None
    return said_first and tail.endswith("?") and len(tail) <= 80 and not _OTHER_QUESTION.search(tail[:-1])


def parse_instruction(reply_text: str, sent: date | None) -> Instruction | None:
    """The decision a reply's new text states, or None for ordinary prose.

    A command is returned without doubt; prose that states a decision, two different commands,
    or a command contradicted by prose are returned with ``doubt`` set, for mailbot to ask.
    """
    text = (reply_text or "").replace("\r\n", "\n").replace("\u2019", "'").replace("\u2018", "'")
    text = _usable_lines(_EMOJI.sub(".", text))
    quotes = [q.span() for q in _QUOTED.finditer(text)]
    commands: list[tuple[str, int, int, int]] = []  # (verb, sentence start, verb end, sentence end)
    prose: list[tuple[str, int, int]] = []
    conditional: list[tuple[str, int, int]] = []  # decisions stated for when a condition is (not) met
    before = ""  # the sentence before this one
    for start, end in sentences(text):
        sentence, told_before, before = text[start:end], before, text[start:end]
        fine = _FINE_WITH_THAT.match(sentence)
        if fine is not None and _TIME_ASKED.search(told_before) and not _hedged(sentence, fine):
            # "Abi has asked for an extension to Friday 14th because Femi is off sick. I'm fine
            # with that - could you let her know?": the request told, then agreed to, in prose.
            prose.append(("AGREE", start, start))
            continue
        found = _command(sentence)
        if found is not None and found[0] not in ("STATUS", "NOTE") and _asked_as_a_question(sentence, found[1]):
            # "Escalate? I'll speak to Helen in the morning.": the decision weighed, asked about;
            # "Resolved? Not really.": asked and answered no, no decision at all.
            if not _ANSWERED_NO.match(text, end):
                conditional.append((found[0], start, start + found[1]))
            continue
        if found is not None:
            commands.append((found[0], start, start + found[1], end))
            continue
        for verb, pattern in _PROSE:
            m = pattern.search(sentence)
            if m and verb == "RESOLVED" and _KEPT_OPEN.search(sentence):
                # "I'll keep this open until the visit is written up on LCS, then I'll close it":
                # it stays open now; the closing is a plan for later, told.
                continue
            if m and not _NEGATED_BEFORE.search(_own_clause(sentence, m.start())) and not _LEFT_TO_THE_READER.search(sentence[: m.start()]) \
                    and not _LEAVES_IT_TO_YOU.search(sentence, m.end()) \
                    and not _THANKED_FOR.search(sentence, max(0, m.start() - 8), m.start()):
                if not _hedged(sentence, m):
                    prose.append((verb, start, start + m.end()))
                    break
                # "Unless he responds tonight I think this needs to go up to Joanne tomorrow": what
                # should happen, said with its condition (not "I will have to escalate if ...",
                # the writer's warning), is asked about, as "please escalate if ..." is.
                if _TO_BE_DECIDED.search(sentence, 0, m.start()) or _HANDED_OVER.search(text):
                    # (A mail handing the alert to a colleague while the writer is away leaves
                    # what happens on a condition to them: "If it isn't, I think it needs to go
                    # to Stage 2" is their brief, not a decision to ask about.)
                    continue
                if _AS_MY_DECISION.search(m.group()) or _OWN_DECISION_ASKED.search(m.group()) or (
                        # "If I don't have the visit record by Monday, please treat this as
                        # escalated to the next stage": the record asked to change, on a condition.
                        _TREAT_THE_RECORD.search(sentence, 0, m.end()) and _IF_OR_UNLESS.search(sentence)) or (
                        _ASKS_LEAVE_TO_CLOSE.search(m.group()) and sentence.rstrip().endswith("?")) or (
                        verb == "RESOLVED" and _CALL_IT_RESOLVED.search(m.group())) or (
                        verb == "ESCALATE" and _IMPERSONAL_ESCALATION.search(m.group())
                        and (_IF_OR_UNLESS.search(sentence) or sentence.rstrip().endswith("?"))
                        and not _STILL_DECIDING.search(sentence)):
                    # "... but if it is not on file by Thursday, please take this email as my
                    # escalation to Bridget at Stage 4": a decision for later, asked about.
                    conditional.append((verb, start, start + m.end()))
        else:
            m = _AGREE_PROSE.search(sentence)
            # A negation before the grant takes it back ("I'm not happy to give more time"); one
            # after it only bounds it ("I can give you until Wednesday but not Friday").
            if m and not _hedged(sentence, m) and not re.search(r"\b(?:not|n't|unable|cannot)\b",
                                                                 _own_clause(sentence, m.start()) + m.group(), re.IGNORECASE):
                # The time given is read from the whole sentence ("content to give the team
                # until the end of the month"): "start" marks it for _read_arguments. A grant
                # that names its own date ("I can give you until Wednesday but not Friday") sets
                # the IRO's timescale, whatever was asked: EXTEND.
                own_date = (re.search(r"\b(?:(?:give|allow|grant)\s+[\w']+|can\s+have|may\s+have|to\s+have)\s+(?:until|till)$|\blive\s+with$", m.group(), re.IGNORECASE)
                            or re.search(r"\b(?:rather\s+than|instead\s+of|but\s+not)\b", sentence, re.IGNORECASE))
                # (From the grant itself: "... before her review on 8 June, so I'll give you until
                # Friday" gives Friday; "Rather than the default five days I'm giving her until
                # Friday 11 June" gives the 11th.)
                clause_at = start + m.start()
                prose.append(("EXTEND" if own_date else "AGREE", clause_at, clause_at))
    if not commands and not prose:
        # "Yes, that's fine - but not beyond that please." typed under a manager's request for
        # time: assent in prose, read as AGREE and confirmed with the IRO (with no request
        # pending, mailbot records it as a note).
        # An answer typed between quoted lines ("> Can I have until the 20th?" then "Yes, fine.")
        # stands as a sentence of its own anywhere in the new text.
        for number, (start, end) in enumerate(sentences(text)):
            found = _ASSENT.match(text[start:end])
            alone = found is not None and not text[start + found.end():end].strip(" .!")
            # With more after it, only a first sentence that says "fine" or "OK" assents:
            # "Yes, the meeting went ahead" answers another question.
            # The first sentence, or the first of a paragraph (an answer typed under a quoted
            # question, "[Tom W] Yes, fine - but that's the last one.").
            opens = number == 0 or text[:start].rstrip(" \t").endswith("\n")
            if found and (alone or (opens and re.search(r"fine|ok|agreed|no\s+problem", found.group(), re.IGNORECASE))):
                prose.append(("AGREE", start, start))
                break
    if not commands and not prose and conditional:
        verb, start, after = conditional[0]
        args = _read_arguments(verb, text, after, sent)
        args.pop("unusable", None)
        if verb == "ESCALATE" and args.get("stage") is None and args.get("target") is None:
            # "I'm minded to escalate to Morgan at Stage 2 ... if there's still nothing by
            # Friday, treat this as my instruction to escalate": the rung said where the writer
            # weighed it (what is asked about names it; nothing is obeyed on a condition).
            args.update(_rung_said_elsewhere(text, sent))
        sentence_end = next((e for s0, e in sentences(text) if s0 <= start < e), after)
        words = " ".join(text[start:sentence_end].split())
        doubt = "the decision is asked as a question" if words.endswith("?") else "the decision is given on a condition"
        return Instruction(verb=verb, text=_lead_trim(text[after:]), doubt=doubt, words=words, prose=True, **args)
    decisions = [c for c in commands if c[0] not in ("NOTE", "STATUS")]
    if len({c[0] for c in decisions} | {p[0] for p in prose}) > 1:
        # "Agreed, that part of the dispute falls away." agrees with a point of an interleaved
        # reply; beside another decision ("Withdraw, please.", or one in prose) it is not a second one.
        points = [c for c in decisions if c[0] == "AGREE" and (
            _agrees_with_a_point(text[c[2]:c[3]]) or _TOPIC_THEN_AGREED.search(text[c[1]:c[2]]))]
        commands = [c for c in commands if c not in points]
        decisions = [c for c in decisions if c not in points]
    if commands and not decisions and any(p[0] != "AGREE" for p in prose):
        # "NOTE – Leanne rang ... Fine by me to give her till the 30th": a decision in prose
        # beside a NOTE or STATUS is what the IRO means, and it is asked about (prose, below).
        # (A bare "yes, fine" beside a NOTE is not taken for one.)
        commands = []
    if commands:
        verb, start, after, end = (decisions or commands)[0]
        args = _read_arguments(verb, text, after, sent)
        own_day = False
        but = _BUT_MY_OWN.match(_clause_after(text, after))
        if verb == "AGREE" and (args.get("until") or args.get("working_days")) and but is not None \
                and period_or_date(but.group(), sent) is None:  # ("agree to Friday, but no later": the day asked)
            # "Agreed - but I need it by Wednesday 14th at the latest": the IRO's own day, not
            # the time asked for: EXTEND, as a grant in prose that names its own day is.
            verb = "EXTEND"
            own_day = True  # the AGREE word itself is this EXTEND, not a second reading
        said_beside: set[str] = set()
        if verb == "AGREE" and not own_day and prose and all(p[0] in ("AGREE", "EXTEND") for p in prose) \
                and not (args.get("until") or args.get("working_days")):
            # "Agree. Fine for Chris to have until the 26th given Amy's leave.": the agreement with
            # its day said in words beside it, one decision. The day travels with it, and the
            # routing compares it with the day asked for (another day is the IRO's own: EXTEND).
            days = {_granted_day(text, start, sent) for _v, start, _a in prose} - {None}
            if len(days) <= 1:
                if days:
                    args["working_days"], args["until"] = next(iter(days))
                said_beside = {"AGREE", "EXTEND"}
        if verb == "ESCALATE" and args.get("stage") is None and args.get("target") is None:
            # "ESCALATE\n\nNo response from Dana ... Please send this to Morgan Ellis as Service
            # Manager.": the rung named where the IRO says whom it goes to.
            sent_to = _SEND_IT_TO.search(text, after) or _IT_SHOULD_GO.search(text, after)
            # ("Please send to Taylor at Stage 2" names the rung; "Please send to Morgan" alone is
            # read as the next rung, as a bare ESCALATE is.)
            if sent_to is not None and (sent_to.group("object") or _STAGE.search(sent_to.group("to"))):
                args["stage"], args["target"] = _target(text[sent_to.start("to"):sent_to.end()])
            elif (wanted_from := _RESPONSE_FROM.search(text, after)) is not None:
                # "Escalate please. ... I would like a response from the Service Manager within 3
                # working days": the rung whose response is asked for.
                args["stage"], args["target"] = _target(" to " + wanted_from.group("to"))
            # "we agree it now needs to go to Joanne as Locality Service Lead. ... Please
            # escalate.": the rung said in prose around the command.
            for p_verb, p_start, p_after in prose:
                # (Only prose before the command, which the command then carries out.)
                named = _read_arguments(p_verb, text, p_after, sent) if p_verb == "ESCALATE" and p_start < start else {}
                if args.get("stage") is None and args.get("target") is None and (named.get("stage") or named.get("target")):
                    args["stage"], args["target"] = named.get("stage"), named.get("target")
        if verb == "EXTEND" and args.get("until") is None and args.get("working_days") is None:
            # "No - extend instead. Give Emma 2 more working days, ...": the amount in the next sentence.
            following = next(((a, b) for a, b in sentences(text) if a >= end), None)
            if following and _GIVE_THEM.match(text, following[0]):
                given = period_or_date(text, sent, following[0], following[1])
                if given is not None:
                    args["working_days"], args["until"] = given.working_days, given.until
        doubt = args.pop("unusable", None)
        others = ({c[0] for c in decisions} | {p[0] for p in prose}) - {verb} - ({"AGREE"} if own_day else set()) - said_beside
        if verb == "WITHDRAW" and not any(c[0] == "ESCALATE" for c in decisions) and \
                all(p_start > start for p_verb, p_start, _a in prose if p_verb == "ESCALATE"):
            # "WITHDRAW - raised against the wrong team. ..., so this needs to go to Mark. I'll
            # raise a fresh informal DRP with him": where the concern belongs, told as the reason.
            others.discard("ESCALATE")
        if verb in ("EXTEND", "AGREE") and "ESCALATE" in others and all(
                c[1] > start and _IF_OR_UNLESS.search(text, c[2], c[3]) for c in decisions if c[0] == "ESCALATE") \
                and not any(p[0] == "ESCALATE" for p in prose):
            # "EXTEND 3 working days ... but I will escalate if nothing arrives": what the IRO
            # will do if the time runs out, the consequence of the time given, not a second decision.
            others.discard("ESCALATE")
        if verb == "EXTEND" and {p[0] for p in prose} & {"AGREE", "EXTEND"}:
            if _grants_the_same(text, prose, args, sent):
                # "EXTEND to the 31st. ... I'm happy to give you to the 31st": one decision said
                # twice; it is still checked for a condition or a question like any other.
                others = others - {"AGREE"}
            else:
                # "EXTEND to the 31st. I'm happy to give you until the 7th": which day is meant?
                doubt = doubt or "the reply gives more time to two different days"
        taken_back = _taken_back(verb, text, after) if verb not in ("NOTE", "STATUS") else None
        refined = None
        if taken_back is not None and verb == "ESCALATE":
            # Only a change of mind about where it goes, said in the same sentence.
            said_end = next((e for s0, e in sentences(text) if s0 <= taken_back[1] < e), len(text))
            said = text[taken_back[1]:said_end]
            if _REFLECTION.search(said) and not _HOLD.search(said):
                refined = _RETARGETED.search(text, taken_back[1], said_end)
        if refined is not None:
            # "ESCALATE please ... PS - on reflection I'd like this to go straight to Jo Whitfield
            # (Head of Service) rather than to Marcus": the same decision, sent higher.
            args["stage"], args["target"] = _target(text[refined.start("to"):refined.end()])
            taken_back = None
        if taken_back is not None:
            doubt, retracted_at = taken_back
            # "ESCALATE ... Actually, scratch that ... I'll give him until Friday": the decision
            # that stands is the later one, and it is still confirmed.
            later = sorted([(s0, v, a0) for v, s0, a0, _ in decisions if s0 >= retracted_at and v != verb]
                           + [(s0, v, a0) for v, s0, a0 in prose if s0 >= retracted_at and v != verb])
            if later:
                start, verb, after = later[0]
                end = next((e for s0, e in sentences(text) if s0 <= start < e), len(text))
                args = _read_arguments(verb, text, after, sent)
                args.pop("unusable", None)

        elif others and verb != "NOTE":
            doubt = doubt or "the reply also reads as " + " and ".join(sorted(others))
        elif doubt is None and verb == "RESOLVED" and re.search(r"\bclosed?\W*$", text[start:after], re.IGNORECASE) \
                and not _SAYS_RESOLVED.search(text):
            # "... we are done here. Please close this one.": closed as resolved, or withdrawn?
            # Without the word "resolved" anywhere, the IRO is asked which.
            doubt = "'close' may mean resolved or withdrawn"
        elif doubt is None and verb == "RESOLVED" and _ONCE_AFTER.match(text, after):
            doubt = "the concern is said to be resolved once something else has happened"
        elif doubt is None and verb == "RESOLVED" and _FOR_NOW.match(text, after):
            # "Resolved for now, thank you - but ... if Dom hasn't seen him by Wednesday I will
            # be escalating": settled only for the time being; whether the alert closes is asked.
            doubt = "the concern is said to be resolved only for now"
        elif doubt is None and verb == "RESOLVED" and _FOR_ONE_PART.match(text, after):
            # "Resolved re the pathway plan, thanks Sophie - but I'm not happy about the
            # accommodation": one part said resolved; whether the alert may close is asked.
            doubt = "only part of the concern is said to be resolved"
        elif doubt is None and verb == "ESCALATE" and _ONE_PART_OF_IT.match(text, after):
            # "Please escalate Maya's part to Ruth" (the alert is for Maya and Leo): an alert
            # goes up the ladder whole; whether all of it should is asked.
            doubt = "only part of the concern is said to go up"
        elif doubt is None and verb not in ("RESOLVED", "NOTE", "STATUS") and _OPENS_PART_RESOLVED.match(text):
            # "Resolved in part - thanks Grace, ... so please escalate the PEP to Vikram": the
            # reply opens with a decision of its own, for part of the concern; which stands for
            # the alert is asked.
            doubt = "the reply opens by saying the concern is resolved in part"
        elif doubt is None and verb not in ("NOTE", "STATUS"):
            doubt = (_asked_back(text) or _inside_a_statement(text[start:after]) or _unsure(text[start:end])
                     or _on_condition(text[start:after], text[after:end]))
        if verb == "ESCALATE" and doubt and args.get("stage") is None and args.get("target") is None:
            # Asked about anyway: the rung the writer named where they weighed it ("I'm minded to
            # escalate to Morgan at Stage 2 ... treat this as my instruction to escalate").
            args.update(_rung_said_elsewhere(text, sent))
        rest = _lead_trim(text[after:])
        return Instruction(verb=verb, text=rest, doubt=doubt, words=" ".join(text[start:end].split()),
                           quoted=any(a <= after - 1 < b for a, b in quotes),
                           day_beside=bool(said_beside) and bool(args.get("until") or args.get("working_days")), **args)
    if prose and _NOTHING_ASKED_YET.search(text):
        # "I'm minded to escalate this to Morgan. Before I do, I want to talk it over ... so I'm
        # not asking for anything to happen on the alert yet": the writer says in so many words
        # that this is no decision; it is recorded as a note, not asked about.
        return None
    if prose:
        verbs = {p[0] for p in prose}
        verb, start, after = prose[0]
        args = _read_arguments(verb, text, after, sent)
        if verb == "ESCALATE" and args.get("stage") is None and args.get("target") is None:
            # "I have little choice but to escalate, and ... I am escalating this DRP to stage 3":
            # the same decision said again, with its target, later in the text.
            for again in dict(_PROSE)["ESCALATE"].finditer(text, after):
                named = _read_arguments(verb, text, again.end(), sent)
                if named.get("stage") is not None or named.get("target") is not None:
                    named.pop("unusable", None)
                    args = named
                    break
        args.pop("unusable", None)
        doubt = WRITTEN_AS_PROSE
        asked_back = _asked_back(text)
        if asked_back is not None:
            # "I'm happy to agree the extra week ... Can you confirm whether you mean ...?"
            doubt += ", and " + asked_back
        if len(verbs) > 1:
            doubt = "the reply reads as " + " and ".join(sorted(verbs))
        taken_back = _taken_back(verb, text, after)
        later = [p for p in prose if taken_back is not None and p[1] >= taken_back[1] and p[0] != verb]
        if later:
            # "Resolved I think - ... Actually no, ... Probably needs to go up to Joanne?": what
            # the writer came round to is the reading asked about.
            verb, start, after = later[0]
            args = _read_arguments(verb, text, after, sent)
            args.pop("unusable", None)
            doubt = taken_back[0]
        sentence_end = next((e for s, e in sentences(text) if s <= start < e), after)
        in_capitals = _WORD_IN_CAPITALS.get(verb)
        if (in_capitals is not None and in_capitals.search(text, start, after) and len(verbs) == 1
                and asked_back is None and taken_back is None
                # As for any command: not obeyed when unsure or on a condition (DESIGN §6.8).
                and _unsure(text[start:sentence_end]) is None
                and _on_condition(text[start:after], text[after:sentence_end]) is None):
            # "I am asking for this DRP to be ESCALATED to Stage 3": the decision word written in
            # capitals, as the notices show it, is the instruction given in a sentence of prose.
            # (In lower case the same words are asked about.)
            return Instruction(verb=verb, text=_lead_trim(text[after:]), doubt=None,
                               words=" ".join(text[start:sentence_end].split()), **args)
        return Instruction(verb=verb, text=_lead_trim(text[after:]), doubt=doubt,
                           words=" ".join(text[start:sentence_end].split()), prose=True, **args)
    return None


# The decision word as the notices write it, in capitals (case-sensitive on purpose).
_WORD_IN_CAPITALS = {
    "ESCALATE": re.compile(r"\bESCALAT(?:E|ED|ING)\b"), "RESOLVED": re.compile(r"\bRESOLVED\b"),
    "EXTEND": re.compile(r"\bEXTEND(?:ED)?\b"), "WITHDRAW": re.compile(r"\bWITHDRAWN?\b"),
    # (Not CAFCASS: the organisation's name is written in capitals too, "a referral to CAFCASS".)
}


# The writer saying outright that nothing is to be done yet (and so that prose around it is no
# decision). Narrow on purpose: "no further action is needed from me" closes an alert.
_NOTHING_ASKED_YET = re.compile(
    r"\bnot\s+(?:yet\s+)?asking\s+(?:for\s+anything\s+(?:to\s+(?:happen|change|be\s+done)|yet\b|for\s+now\b)"
    r"|(?:you|anyone|mailbot)\s+to\s+(?:do|change)\s+anything)"
    r"|\bnothing\s+(?:needs|has)\s+to\s+(?:happen|change|be\s+done)\s+(?:on|to|with)\s+(?:the|this)\s+(?:alert|drp|dispute)\s+(?:yet|for\s+now)"
    r"|\b(?:please\s+)?(?:don't|do\s+not)\s+(?:do|change)\s+anything\s+(?:on|to|with)\s+(?:the|this)\s+(?:alert|drp|dispute)\s+(?:yet|for\s+now)",
    re.IGNORECASE)


# Words that take a decision back later in the same reply ("RESOLVED ... Actually - hold on.
# Please don't close this yet"): the reading is doubted and the IRO asked.
_RETRACTION = re.compile(
    # "Wait," as an interjection ("RESOLVED - wait, no"), not "rather than wait." or "can't wait."
    r"(?:^\W*|[,;]\s*|\b(?:oh|no|sorry|actually|hmm)\W+)wait(?=\s*[,!.\-–—])|"
    r"\b(?:hold\s+on|hang\s+on|hold\s+off|scratch\s+that|ignore\s+(?:my|that|the\s+above|this|previous)"
    r"|disregard|on\s+second\s+thoughts?|on\s+reflection|sorry,?\s+(?:i\s+meant|my\s+mistake|wrong)|i\s+meant\s+to\s+say"
    r"|too\s+soon|hold\s+(?:that|fire|it)|(?P<open>(?:leave|keep)\s+(?:it|this)\s+open)"
    # "Although, looking at it again, the safety plan still doesn't say ... I'm not sure we're
    # there yet - can we speak on Monday?"
    r"|looking\s+at\s+(?:it|this)\s+again|not\s+sure\s+(?:we're|we\s+are|it's|it\s+is|this\s+is|that's|that\s+is)\s+"
    r"(?:there|done|resolved|sorted|finished))\b|^\W*actually\b",
    re.IGNORECASE,
)
# "the carers told me they're willing to hold off on the notice": someone else holding off on
# something of theirs, not the writer taking the decision back.
_SOMEONE_ELSE_HOLDS_OFF = re.compile(
    r"\b(?:they|he|she|(?:the\s+)?(?:carers?|family|parents?|school|panel|court)|(?-i:[A-Z][a-z]+))(?:'re|'s|\s+(?:are|is|were|was|will|would|have|has|had))?"
    r"\s+(?:(?:also|now|still|quite|very)\s+)?(?:(?:willing|happy|prepared|agreed|going|able|content)\s+to\s+|(?:agreed|offered)\s+to\s+)?$",
    re.IGNORECASE)
# "it isn't right to keep it open" gives the reason for closing, not a retraction.
# "... through the next review rather than keep this open" is the reason for closing too.
# ("I would rather withdraw the recommendation than leave it open": "than" just before it.)
_NEGATED_JUST_BEFORE = re.compile(r"(?:\bnot|n't|\bno\s+longer|\bno\s+point|\bno\s+need|\brather\s+than|\binstead\s+of|\bthan)\b[^.!?]{0,20}$",
                                  re.IGNORECASE)
_UNDONE = {
    "RESOLVED": re.compile(r"\b(?:don't|do\s+not|not|please\s+don't|can't|cannot|won't)\s+(?:\w+\s+){0,2}(?:close|resolve|resolved|closed)\b", re.IGNORECASE),
    "ESCALATE": re.compile(r"\b(?:don't|do\s+not|not|no\s+need\s+to|hold\s+off)\s+(?:\w+\s+){0,2}escalat", re.IGNORECASE),
    "WITHDRAW": re.compile(r"\b(?:don't|do\s+not|not)\s+(?:\w+\s+){0,2}withdraw", re.IGNORECASE),
    "CAFCASS": re.compile(r"\b(?:don't|do\s+not|not)\s+(?:\w+\s+){0,3}cafcass", re.IGNORECASE),
    "EXTEND": re.compile(r"\b(?:don't|do\s+not|not)\s+(?:\w+\s+){0,2}extend", re.IGNORECASE),
    "AGREE": re.compile(r"\b(?:don't|do\s+not|not|can't|cannot)\s+(?:\w+\s+){0,2}agree", re.IGNORECASE),
}


# "Emma, please disregard this one": said to the manager, about the alert being withdrawn ("please
# disregard this e-mail" or "disregard that" would take the withdrawal itself back).
_DISREGARD_THE_ALERT = re.compile(r"(?:^|[.!?]\s+)(?-i:[A-Z][a-z]+),\s+(?:please\s+)?disregard\s+(?:this|the)\s+(?:one|alert|drp|recommendation|dispute)\b",
                                  re.IGNORECASE)
# "WITHDRAW - raised against the wrong child ... please ignore my e-mail of yesterday": the mail
# that raised it, set aside by the withdrawal (not the withdrawal taken back).
_IGNORE_MY_EARLIER_MAIL = re.compile(r"\b(?:ignore|disregard)\s+my\s+(?:e-?mail|message|form)\s+(?:of|from|sent)\s+"
                                     r"(?:yesterday|last\s+\w+|this\s+morning|(?:mon|tues|wednes|thurs|fri)day|the\s+\d|\d)",
                                     re.IGNORECASE)
# (Named as another alert: "that one" alone may be this alert, and then it is a retraction.)
_ANOTHER_ALERT = re.compile(r"\bthe\s+other\s+(?:one|alert|drp|dispute)\b"
                            r"|\b(?:brother|sister|sibling)(?:'s|s')\s+(?:drp|alert|dispute)\b", re.IGNORECASE)


def _taken_back(verb: str, text: str, after: int) -> tuple[str, int] | None:
    """A later sentence that retracts or negates the decision read at ``after``: why, and where
    that sentence starts."""
    for start, end in sentences(text):
        if end <= after:
            continue
        sentence = text[max(start, after) : end]
        undone = _UNDONE.get(verb)
        retracted = next((m for m in _RETRACTION.finditer(sentence)
                          if not (m.group("open") and _NEGATED_JUST_BEFORE.search(sentence[: m.start()]))
                          and not _SOMEONE_ELSE_HOLDS_OFF.search(sentence[: m.start()])), None)
        if undone is not None and retracted is None and _ANOTHER_ALERT.search(sentence):
            continue  # "Her brother's DRP stays open ... so please don't close that one."
        if verb == "WITHDRAW" and retracted is not None and (
                (retracted.group().lower().startswith("disregard") and _DISREGARD_THE_ALERT.search(sentence))
                or _IGNORE_MY_EARLIER_MAIL.search(sentence)):
            continue  # "WITHDRAW ... Emma, please disregard this one.": the withdrawal, said to her
        if retracted is not None or (undone is not None and undone.search(sentence)):
            return f"the reply seems to take it back later ({' '.join(sentence.split())[:80]!r})", max(start, after)
    return None


# A question back to the reader about the decision itself ("Can you just confirm whether you mean
# a week from today or from the deadline?", "Should I go to stage 3 or wait?"): the decision
# waits for the answer, so it is confirmed rather than obeyed. "Why has nothing happened?" is not one.
_ASKS_BACK = re.compile(
    r"\b(?:whether\s+(?:you|i|we)\s+(?:mean|meant|want|would|should|prefer)|do\s+you\s+(?:want|mean|prefer)|did\s+you\s+mean|should\s+(?:i|we)|shall\s+(?:i|we)"
    r"|is\s+that\s+(?:ok|okay|alright|all\s+right|right|correct|what\s+you)|would\s+you\s+(?:rather|prefer)|or\s+(?:would|should|do|is|shall))\b",
    re.IGNORECASE,
)


_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i'd|i've|i'll|we|we're|we'd|my)\b", re.IGNORECASE)


def _inside_a_statement(head: str) -> str | None:
    """A decision in lower case after the writer's own statement in the same sentence, as a
    participle ("I'm happy for this to be closed now, resolved from my side") or as what the writer
    means to do ("I'd rather not go to the Head of Service yet, so I'm going to extend by 5
    working days"): prose, confirmed rather than obeyed. An imperative there ("..., so extend by
    5 working days") and "Not resolved - escalate to stage 2" stay commands."""
    words = list(_WORD.finditer(head))
    if not words or words[-1].group().isupper():
        return None
    breaks = [m.end() for m in _CLAUSE.finditer(head, 0, words[-1].start())]
    if not breaks or not _FIRST_PERSON.search(head[: breaks[-1]]):
        return None
    participle = re.search(r"(?:ed|wn)$", words[-1].group(), re.IGNORECASE)
    # "..., so I'm going to extend by 5 working days": the writer's intention, not an imperative.
    intention = _FIRST_PERSON.search(head[breaks[-1]:words[-1].start()])
    if not (participle or intention):
        return None
    return "the decision is written inside a longer sentence"


# A decision given on a condition not yet met ("Resolved, subject to Leila being seen alone on
# Friday"): whether it stands is the IRO's to say once the condition is met or not.
_CONDITION = re.compile(r"\b(?:subject\s+to|provided(?:\s+that)?|providing|as\s+long\s+as|so\s+long\s+as"
                        r"|on\s+(?:the\s+)?condition(?:\s+that)?|assuming|conditional\s+on"
                        # "please escalate if nothing from Dana by Wednesday": a decision for later.
                        r"|(?:if|unless)\s+(?:there'?s\s+|there\s+is\s+)?(?:still\s+)?(?:nothing|no\s+(?:response|reply|answer|update|word))"
                        r"|(?:if|unless)\s+(?:\w+\s+){0,3}?(?:hasn't|has\s+not|haven't|have\s+not|doesn't|does\s+not|isn't|is\s+not|don't|do\s+not)"
                        # "ESCALATE to Stage 1 unless the session pencilled in for the 30th goes
                        # ahead": whether the exception came about is not mailbot's to know.
                        r"|unless)\b",
                        re.IGNORECASE)


_CONSEQUENCE = re.compile(r"\b(?:i'll|i\s+will|i\s+won't|i\s+will\s+not|i'd|we'll|we\s+will|i'm\s+going|i\s+am\s+going"
                          r"|(?<!by\s)(?<!until\s)(?<!till\s)then)\b",  # ("by then" is a day, not a consequence)
                          re.IGNORECASE)


# "If it's not on LCS by Monday lunchtime then please escalate to stage 1": the condition comes
# first, and the decision is for when it is not met.
_CONDITION_FIRST = re.compile(r"^\W*(?:if|unless|should\s+(?:it|this|that|they|he|she)|in\s+case)\b", re.IGNORECASE)


# "... I'm on leave from Friday, so if there's still nothing from Morgan by Friday then please
# escalate it to the AD": the condition opens the clause that holds the command, after a comma or
# "so"/"and"/"but", and is closed by "then" or a comma before it. "If possible, ..." and "if you
# could ..." are courtesy, not conditions.
_CONDITION_CLAUSE = re.compile(
    r"(?:[,;:]\s*|\s[-–—]\s*|\b(?:so|and|but)\s+)(?P<cond>if|unless)\s+"
    r"(?!(?:possible|poss|you\s+(?:could|would|can|don't\s+mind)|ok|okay|that's\s+ok)\b)"
    r"[^.;!?]*?(?:\bthen|,)\s*(?:(?:please|pls|can\s+you|could\s+you)\s+)?\S*$", re.IGNORECASE)


def _on_condition(head: str, rest: str) -> str | None:
    """Why a command is doubted when its sentence gives it on a condition, before the verb
    (``head``) or after it (``rest``)."""
    found = _CONDITION_FIRST.search(head) or _CONDITION_CLAUSE.search(head) or _CONDITION.search(rest)
    if found is not None and found.string is rest and found.group().lower().startswith(("if", "unless")) and (
            _CONSEQUENCE.search(rest) or re.search(r"\bbut\b", rest[:found.start()], re.IGNORECASE)):
        # "EXTEND to Thursday, and if the plan isn't agreed by then I'll be talking to Rachel",
        # "Agree - but I won't be agreeing another one if ...": the condition is for what the
        # writer will do next, not for the command given now.
        found = None
    if found is None:
        return None
    said = found.group("cond") if "cond" in found.groupdict() else found.group().strip(" ,;-")
    return f"the decision is given on a condition ({said} ...)"


# "Extend to Thurs I guess, and if it's not there then I'll escalate": a decision the writer is
# not sure of is asked about, not obeyed.
_UNSURE = re.compile(r"\b(?:i\s+guess|i\s+suppose|i\s+reckon|maybe|perhaps|not\s+sure|unsure)\b", re.IGNORECASE)


def _unsure(sentence: str) -> str | None:
    found = _UNSURE.search(sentence)
    return None if found is None else f'the decision is not sure ("{found.group()}")'


def _asked_back(text: str) -> str | None:
    for start, end in sentences(text):
        sentence = text[start:end]
        if "?" in sentence and _ASKS_BACK.search(sentence):
            return f"the reply also asks a question ({' '.join(sentence.split())[:80]!r})"
    return None


# Where a condition or a question sits in the clause of a prose decision, the decision is not made
# yet ("If the visit happens by Friday I'm happy to close this"); a condition in a clause of its
# own after ", but" is about something else ("I'll give him until then, but if it isn't here ...").
_HEDGE_BREAK = re.compile(r",\s*(?:but|and|so|although|though)\s+|;\s*|\s[-–—]\s"
                          # "I'll give it another 24 hours and escalate to Claire if there's still
                          # nothing": the condition is the second decision's.
                          r"|\s+and\s+(?=(?:then\s+)?(?:i'll\s+|i\s+will\s+)?(?:escalate|close|resolve|withdraw|refer|take)\b|if\b)"
                          # "I'm happy to give him until then but if they're not there ...".
                          r"|\s+but\s+(?=if\b|unless\b)"
                          # "... by Friday, otherwise it goes to Mike": the condition is the next step's.
                          r"|,\s*(?=otherwise\b|failing\s+that\b|or\s+else\b)"
                          # "I don't feel it goes far enough and I'd like this to go to Nick Evans":
                          # the writer starting a clause of their own.
                          r"|\s+(?:and|but|so)\s+(?=(?:i|we)\b|i'|we')", re.IGNORECASE)


_POLITE_IF = re.compile(r"\b(?:grateful|appreciate(?:d)?(?:\s+it)?|obliged|helpful|thankful)\s+$", re.IGNORECASE)
# (And "... to come back to me on whether the panel will agree": what the answer is about.)
_TO_FIND_OUT = re.compile(r"\b(?:see|check|find\s+out|know|learn|on|about|as\s+to|confirm|tell\s+(?:me|us))\s+$", re.IGNORECASE)


def _hedged(sentence: str, m: re.Match[str]) -> bool:
    # (Searched past the decision: the look-ahead after "and" reads the word that begins a clause.)
    begin = max((b.end() for b in _HEDGE_BREAK.finditer(sentence) if b.end() <= m.start()), default=0)
    after = _HEDGE_BREAK.search(sentence, m.end())
    clause = sentence[begin : after.start() if after else len(sentence)]
    # ("I give you extra 24 hours for this before I decide about the escalation": what comes
    # after the time given, not a condition on it.)
    conditions = [c for c in _CONDITIONAL.finditer(clause)
                  if not (c.group().lower().startswith("before") and begin + c.start() >= m.end())
                  # "Let's give it another week and see whether the letter is drafted": what the
                  # time is for, not a condition on it.
                  and not (begin + c.start() >= m.end() and _TO_FIND_OUT.search(clause, 0, c.start()))
                  # "I would be grateful if it could now be closed": politeness, not a condition.
                  and not _POLITE_IF.search(clause, 0, c.start())]
    # "Once I have them, and I'm satisfied ..., I'll close this": a sentence that opens with its
    # condition holds every clause after it to it.
    return bool(conditions or _QUESTION_ABOUT.search(clause) or (begin and _OPENS_WITH_CONDITION.match(sentence)))


_OPENS_WITH_CONDITION = re.compile(r"\W*(?:once|if|unless|as\s+soon\s+as|provided|providing)\b", re.IGNORECASE)


def _lead_trim(text: str) -> str:
    return re.sub(r"^[\s\-–—:,.;!?]+", "", text).strip()


# The subject's own words before the "Re:" of the thread ("RESOLVED - Re: [DRP-2027-0212] ...").
_SUBJECT_LEAD = re.compile(r"^(?P<lead>.*?)(?:\b(?:re|fw|fwd|aw|sv|vs|odp|wg|tr|rv|antw)\s*:|\[|$)", re.IGNORECASE)


def subject_instruction(subject: str, sent: date | None) -> Instruction | None:
    """A decision typed into the subject line of a reply with no new text of its own (the phone
    user who writes "AGREE" in front of "Re:" and sends). Only a plain command counts there."""
    m = _SUBJECT_LEAD.match(subject or "")
    lead = m.group("lead").strip(" -–—:,") if m else ""
    if not lead:
        # Typed at the end instead ("RE: [DRP-2027-0874] ...: more time requested - due Tue 19
        # Oct 2027 EXTEND to 22 October"): a decision word in capitals after the reference.
        # mailbot's own subjects never hold one, so it is the writer's.
        reference = _REFERENCE.search(subject or "")
        tail = _SUBJECT_TAIL.search(subject, reference.end()) if reference else None
        lead = tail.group().strip(" -–—:,") if tail else ""
    if not lead or len(lead) > 80:
        return None
    found = parse_instruction(lead, sent)
    return found if found is not None and found.doubt is None else None


_DECISION_IN_CAPITALS = r"\b(?:RESOLVED|ESCALATE|EXTEND|AGREE|AGREED|WITHDRAW|CAFCASS)\b"
_SUBJECT_TAIL = re.compile(_DECISION_IN_CAPITALS + r"[^\[\]]*$")
_SUBJECT_HEAD = re.compile(r"^\s*" + _DECISION_IN_CAPITALS)


def typed_in_front(subject: str) -> bool:
    """Is a decision word typed in capitals at the very front of the subject ("RESOLVED - RE: ...")?"""
    return _SUBJECT_HEAD.match(subject or "") is not None
