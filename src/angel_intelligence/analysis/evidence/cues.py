"""Keyword cues for the built-in topics and agent actions (the spec's `call_analysis_config.json`).

Each entry is a list of regular expressions (case-insensitive, matched on word boundaries) whose
presence in a turn is strong evidence of the item. A client's own items have no built-in cues:
they are found by similarity, plus the keywords the client gives (`EvidenceOptions.keywords`).
Agent actions are looked for in agent turns only; topics in every turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

_TOPICS: dict[str, tuple[str, ...]] = {
    "One-off donation request": (r"one[- ]off (donation|gift|payment)", r"single (donation|gift)"),
    "Regular giving signup": (
        r"(set up|start|sign up for) (a |an )?(regular|monthly) (gift|donation|giving)",
        r"give (a little )?every month",
    ),
    "Donation completion/payment processing": (
        r"(your |the )?(donation|payment) has (gone through|been processed|been taken)",
        r"(that's|that has|it's|it has) (now )?gone through",
        r"process (the|your) (payment|donation)",
    ),
    "Donation refusal/decline": (
        r"(can't|cannot|not able to|unable to) (give|donate|afford)",
        r"not (right )?now,? thank",
        r"no,? (thank you|thanks),? i('m| am) (not|fine)",
    ),
    "Upgrade/downgrade of monthly donation": (
        r"(change|increase|raise|reduce|lower|decrease|upgrade|downgrade) (my |your |the )?"
        r"(monthly |regular )?(donation|gift|amount|direct debit)",
        r"new amount",
    ),
    "Gift Aid explanation/enrolment": (r"gift aid",),
    "Donation receipt confirmation": (r"receipt", r"confirmation (letter|email)"),
    "Address capture": (r"(your|the) (full )?(address|postcode)", r"where do you live"),
    "Address update/change of details": (r"(moved|new) (house|address)", r"change of address"),
    "Email/phone update": (r"(new|update|change) (my |your )?(email|phone|mobile|number)",),
    "Bank detail update": (r"(sort code|account number|bank details|new bank)",),
    "Payment card update": (r"(new|update|expired|replacement) card",),
    "Consent/preferences management": (
        r"(marketing|contact) (preferences|consent)",
        r"(don't|do not|stop) (contact|call|post|email|send)",
        r"opt(ed)? (in|out)",
    ),
    "Identity verification": (
        r"(confirm|take|have) your (full )?(name|date of birth|postcode|address)",
        r"(security|verification) (check|questions)",
    ),
    "Supporter account enquiry": (r"my (account|record|membership)",),
    "Corporate giving enquiry": (
        r"(corporate|company|company's|employer|business) (donation|gift|giving)",
        r"my (company|employer) (wants|would like)",
    ),
    "How donations are used": (r"(how|where) (is |does |will )?(my |the )?(money|donation|gift)",),
    "Charity impact/programme explanation": (
        r"(our|the) (work|programmes?|projects?) (in|with|to)",
    ),
    "Event participation enquiry": (r"(event|marathon|fun run|challenge|sponsored)",),
    "Volunteering enquiry": (r"volunteer",),
    "Complaint about agent behaviour": (
        r"(complain|complaint).{0,40}(agent|caller|person|rude|someone)",
        r"(rude|pushy|aggressive) (agent|caller|person|man|woman)",
        r"(your|the) (caller|agent|person) was (rude|pushy)",
    ),
    "Complaint about charity/services": (
        r"(make|making|want to make|raise) a complaint",
        r"(not happy|unhappy|disappointed|fed up|annoyed|angry|upset) (with|about)",
        r"(too many|keep getting|keep sending) (letters|calls|mail|post|emails)",
    ),
    "Cancellation of regular giving": (
        r"cancel (my |the |your )?(monthly |regular )?(donation|direct debit|gift|giving)",
        r"stop (my |the )?(monthly |regular )?(donation|direct debit|payments?)",
    ),
    "Retention attempt / save conversation": (
        r"(instead of cancelling|rather than cancel|reduce it instead|pause (it|your))",
        r"would you consider (reducing|pausing|lowering)",
    ),
    "Call-back request / follow-up needed": (
        r"call (you|me) back",
        r"ring (you|me) back",
        r"give you a call",
    ),
    "PCI/Payment compliance discussion": (r"(card|payment) (security|details are not stored)",),
    "Safeguarding concern": (r"(safeguarding|not safe|at risk|harm)",),
    "Vulnerable person indicators": (
        r"(passed away|bereave|widow|dementia|alzheimer|hospital|cancer|carer|confused|"
        r"struggling|lost my job|can't cope|on my own|lonely)",
    ),
    "Legacy/bequest enquiry": (r"(in my will|legacy|bequest|gift in (your|my) will)",),
    "Free-gift fulfilment / merchandise query": (r"(free gift|pin badge|merchandise|t-shirt)",),
    "Wrong number / misdialled contact": (r"wrong number", r"(didn't|did not) (mean to )?call"),
}

_ACTIONS: dict[str, tuple[str, ...]] = {
    "Greeted supporter": (
        r"good (morning|afternoon|evening)",
        r"thank you for calling",
        r"^(hello|hi)\b",
    ),
    "Verified supporter identity": (
        r"(confirm|take|have) your (full )?(name|date of birth|postcode|address)",
        r"(security|verification) (check|questions)",
    ),
    "Listened actively / acknowledged concerns": (
        r"(i('m| am) (so |very )?sorry (to hear|for your loss)|i understand|that must be)",
        r"take your time",
    ),
    "Provided requested information": (r"(let me explain|the answer is|you can find)",),
    "Explained charity mission/programs": (r"(our|the charity's) (work|mission|programmes?)",),
    "Gave policy/compliance information": (
        r"data protection",
        r"privacy (policy|notice)",
        r"(this|the) call (is|may be) recorded",
    ),
    "Captured mailing address": (r"(take|have|confirm) your (full )?(address|postcode)",),
    "Updated supporter address": (r"(updated|changed) your address",),
    "Updated email/phone": (r"(updated|changed) your (email|phone|number)",),
    "Updated payment method": (r"(updated|changed) your (card|bank|payment)",),
    "Recorded donation details": (
        r"(new amount|i('ve| have) (noted|recorded|set))",
        r"(i('ve| have)) (changed|updated|set) (it|that|your (donation|gift)) to",
    ),
    "Confirmed marketing consent preferences": (
        r"(happy|okay|ok) (for us )?to (contact|hear from|keep in touch)",
        r"(marketing|contact) preferences",
    ),
    "Requested donation (one-off)": (r"(would|could) you (make|consider) a (one[- ]off|single)",),
    "Requested regular giving signup": (
        r"(would|could) you (consider )?(set(ting)? up|start(ing)?) a (regular|monthly)",
    ),
    "Requested upgrade to existing donation": (
        r"(would|could) you (consider )?(increas|rais|upgrad)",
    ),
    "Handled objection or hesitation": (
        r"(i understand|completely understand).{0,60}(but|however)",
    ),
    "Accepted decline gracefully": (
        r"(that's|that is) (absolutely |completely )?(fine|ok|okay|no problem)",
        r"no problem at all",
    ),
    "Offered alternative giving option": (r"(instead|alternatively|another way to (give|help))",),
    "Processed donation payment": (
        r"(donation|payment) has (gone through|been processed|been taken)",
        r"(that's|that has|it's|it has) (now )?gone through",
        r"(i('ve| have)|that's) (processed|taken) (the|your) (payment|donation)",
    ),
    "Attempted retention/save during cancellation": (
        r"(instead of cancelling|rather than cancel|reduce it instead|pause (it|your))",
        r"would you consider (reducing|pausing|lowering)",
    ),
    "Arranged free-gift fulfilment/shipping": (
        r"(send|post) (you )?(your|a) (free )?(gift|badge)",
    ),
    "Handled complaint": (
        r"(sorry|apologi[sz]e).{0,60}(complaint|experience|letters|calls)",
        r"(log|record|pass on|raise) (your|the|this) (complaint|feedback)",
    ),
    "Resolved supporter issue": (r"(that's|that is|i've|i have) (sorted|resolved|fixed)",),
    "Escalated to supervisor/team": (
        r"(transfer|put) you through",
        r"(my )?(supervisor|manager|colleague in the)",
    ),
    "Scheduled callback": (r"call you back", r"ring you back", r"give you a call"),
    "Closed the enquiry clearly": (r"anything else (i can|we can)?", r"is there anything else"),
    "Thanked supporter for their time": (
        r"thank(s| you) (so much |very much )?for (your (time|support|call)|calling)",
        r"thank you (so much )?for (your )?support",
    ),
}

BUILT_IN_KEYWORDS: Mapping[str, tuple[str, ...]] = MappingProxyType({**_TOPICS, **_ACTIONS})
"""Regular expressions per built-in topic and action name."""
