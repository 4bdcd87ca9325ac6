"""The labelled analysis set (issue 16): 48 scripted calls with what a supervisor would mark.

Each call is put together from blocks, and each block carries its own labels: the topics and
agent actions it shows (by the spec's default lists), the compliance rules it breaks, the action
items it commits to, and the supporter's tone; a call's labels are its blocks' labels, and the
turns of a block are the turns that support its labels (for timestamp accuracy). Twelve kinds of
call (an upgrade, a cancellation, a complaint, a legacy enquiry, a transfer, a decline, a
bereaved supporter, a card donation with and without the data-protection statement, Gift Aid
with and without its declaration, a volunteer, a change of address, a question about the
money) × four variations (identity check or not, data-protection statement or not, how the call
closes, whether a vulnerability is acknowledged).

Every block has two wordings: the **tuning** split (36 calls) uses the first, the **held-out**
split (12 calls, one per kind) the second, written separately and never used to set anything.
The wordings were written as a supporter and an agent would speak, not from the keyword cues.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from angel_intelligence.analysis import grounding
from angel_intelligence.domain.analysis import CallAnalysis
from angel_intelligence.domain.transcript import Transcript
from angel_intelligence.testing.scripted import scripted_transcript

CALL_DATE = dt.date(2025, 1, 15)  # a Wednesday


@dataclass(frozen=True)
class Block:
    lines: tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]
    """(tuning wording, held-out wording): each a tuple of (role, text)."""
    topics: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    compliance: frozenset[str] = frozenset()
    due_dates: tuple[dt.date | None, ...] = ()
    """One per action item the block commits to."""
    tone: str | None = None
    """The supporter's tone in this block: positive, neutral or negative (None: no change)."""


def _b(
    tuning: list[tuple[str, str]],
    held_out: list[tuple[str, str]],
    *,
    topics: tuple[str, ...] = (),
    actions: tuple[str, ...] = (),
    compliance: tuple[str, ...] = (),
    due: tuple[dt.date | None, ...] = (),
    tone: str | None = None,
) -> Block:
    return Block(
        (tuple(tuning), tuple(held_out)),
        frozenset(topics),
        frozenset(actions),
        frozenset(compliance),
        due,
        tone,
    )


GREETING = _b(
    [("A", "Good morning, you're through to Hope Trust, my name is Amy. How can I help today?")],
    [
        (
            "A",
            "Hello, thanks for ringing Hope Trust, this is Daniel speaking. What can I do for you?",
        )
    ],
    actions=("Greeted supporter",),
)
IDENTITY = _b(
    [("A", "Before we go any further, can I confirm your full name and postcode please?"),
     ("S", "Yes, it's Joan Baker, [POSTCODE].")],
    [("A", "First of all could you confirm your name and date of birth for me?"),
     ("S", "Of course, Peter Lloyd, [DATE_OF_BIRTH].")],
    topics=("Identity verification",), actions=("Verified supporter identity",),
)  # fmt: skip
DATA_PROTECTION = _b(
    [("A", "Just so you know, your details will be kept securely and only used for your "
           "donation, in line with data protection law.")],
    [("A", "Our privacy notice explains that we will only use your information to process this "
           "gift and keep it safe.")],
    actions=("Gave policy/compliance information",),
)  # fmt: skip
CLOSING = {
    "positive": _b(
        [("A", "Thank you so much for your support. Is there anything else I can help with?"),
         ("S", "No, that's lovely, thank you, you've been really helpful.")],
        [("A", "Thanks ever so much for your support today. Is there anything else at all?"),
         ("S", "No, that's brilliant, thank you so much, have a great day.")],
        actions=("Thanked supporter for their time", "Closed the enquiry clearly"),
        tone="positive",
    ),
    "neutral": _b(
        [("A", "Thank you for your time. Is there anything else I can help with?"),
         ("S", "No. Bye.")],
        [("A", "Thanks for your time today. Is there anything else?"), ("S", "No, that's it.")],
        actions=("Thanked supporter for their time", "Closed the enquiry clearly"),
        tone="neutral",
    ),
    "negative": _b(
        [("A", "Thank you for your time. Is there anything else I can help with?"),
         ("S", "No. I'm still not happy about any of this, frankly.")],
        [("A", "Thanks for calling. Is there anything else?"),
         ("S", "No. This has been a really frustrating experience.")],
        actions=("Thanked supporter for their time", "Closed the enquiry clearly"),
        tone="negative",
    ),
}  # fmt: skip

# The reason for each call: a block, and the tone its supporter ends on.
KINDS: dict[str, tuple[Block, str]] = {
    "upgrade": (_b(
        [("S", "I'd like to increase my monthly donation from five to ten pounds please."),
         ("A", "That's really generous, I've changed it to ten pounds a month for you.")],
        [("S", "I'd love to put my regular gift up to fifteen pounds a month if I can."),
         ("A", "Of course you can, that's all updated to fifteen pounds from next month.")],
        topics=("Upgrade/downgrade of monthly donation",), actions=("Recorded donation details",),
        tone="positive"), "positive"),
    "cancellation": (_b(
        [("S", "I need to cancel my direct debit, I just can't keep it going."),
         ("A", "I understand. Would you consider reducing it instead of cancelling altogether?"),
         ("S", "No, I'd rather stop it completely please."),
         ("A", "That's absolutely fine, I've cancelled it and you won't be charged again.")],
        [("S", "I want to stop my monthly payments to you please."),
         ("A", "Of course. Could I ask if pausing it for a few months might help instead?"),
         ("S", "No thanks, I just want it stopped."),
         ("A", "No problem at all, I've stopped it today.")],
        topics=("Cancellation of regular giving", "Retention attempt / save conversation"),
        actions=("Attempted retention/save during cancellation", "Accepted decline gracefully"),
        tone="neutral"), "neutral"),
    "complaint": (_b(
        [("S", "I want to make a complaint. I keep getting letters every single week and it's "
               "driving me mad."),
         ("A", "I'm so sorry about that. I'll log your complaint and stop the letters today.")],
        [("S", "I'm really unhappy with how many appeals you keep sending me, it's far too many."),
         ("A", "I do apologise for that. I will raise this with the team and stop the "
               "mailings today.")],
        topics=("Complaint about charity/services",), actions=("Handled complaint",),
        due=(CALL_DATE,), tone="negative"), "negative"),
    "legacy": (_b(
        [("S", "I'm thinking about leaving a gift in my will to the charity."),
         ("A", "That's wonderful. I'll send you our free guide in the post next week.")],
        [("S", "I'd like some information about remembering you in my will."),
         ("A", "How kind. I will email you our legacy information pack next week.")],
        topics=("Legacy/bequest enquiry",), actions=("Provided requested information",),
        due=(CALL_DATE + dt.timedelta(days=7),), tone="positive"), "positive"),
    "transfer": (_b(
        [("S", "I have a question about a corporate donation from my company."),
         ("A", "Let me put you through to my colleague in the partnerships team, one moment."),
         ("B", "Hello, this is Raj from partnerships. How can I help with your company's gift?")],
        [("S", "My employer wants to match my donations, who do I speak to?"),
         ("A", "I'll transfer you to our partnerships team now, please hold."),
         ("B", "Hi there, it's Lucy in partnerships, I can help with matched giving.")],
        topics=("Corporate giving enquiry",), actions=("Escalated to supervisor/team",),
        tone="neutral"), "neutral"),
    "decline": (_b(
        [("A", "While I have you, would you consider setting up a monthly gift of five pounds?"),
         ("S", "No, sorry, I can't afford anything more at the moment."),
         ("A", "That's completely fine, thank you for thinking about it.")],
        [("A", "Could I ask whether you'd be able to start a small regular donation today?"),
         ("S", "Not right now, thanks, money's a bit tight."),
         ("A", "No problem at all, I understand.")],
        topics=("Donation refusal/decline",),
        actions=("Requested regular giving signup", "Accepted decline gracefully"),
        tone="neutral"), "neutral"),
    "bereaved": (_b(
        [("S", "I'm calling because my husband passed away last month and the donations were "
               "in his name.")],
        [("S", "My wife died in the autumn and I need to sort out her direct debit.")],
        topics=("Vulnerable person indicators",), tone="negative"), "neutral"),
    "card_donation": (_b(
        [("S", "I'd like to make a one-off donation of fifty pounds to the winter appeal."),
         ("A", "Lovely. Could I take the long number on your card please?"),
         ("S", "Yes, it's [CARD_NUMBER]."),
         ("A", "Thank you, that's gone through now.")],
        [("S", "I want to give a single gift of twenty pounds please."),
         ("A", "Thank you. What's the card number, please?"),
         ("S", "It's [CARD_NUMBER], expiry [CARD_EXPIRY]."),
         ("A", "Perfect, your payment has been processed.")],
        topics=("One-off donation request", "Donation completion/payment processing"),
        actions=("Processed donation payment",), tone="positive"), "positive"),
    "gift_aid": (_b(
        [("A", "Are you a UK taxpayer? If so, would you like to add Gift Aid to your gifts?"),
         ("S", "Yes, I am, please add it.")],
        [("A", "Can we claim Gift Aid on your donations? It adds twenty-five percent."),
         ("S", "Yes, go ahead.")],
        topics=("Gift Aid explanation/enrolment",), compliance=("gift_aid_declaration_incomplete",),
        tone="positive"), "positive"),
    "volunteer": (_b(
        [("S", "I'd love to volunteer at one of your charity shops."),
         ("A", "That's great, I'll email you the volunteering application form today.")],
        [("S", "Do you need any volunteers at the shop on the high street?"),
         ("A", "We do! I will send you the details of how to apply this afternoon.")],
        topics=("Volunteering enquiry",), actions=("Provided requested information",),
        due=(CALL_DATE,), tone="positive"), "positive"),
    "address": (_b(
        [("S", "I've just moved house, so I need to update my address."),
         ("A", "No problem, what's the new address?"),
         ("S", "It's [ADDRESS]."),
         ("A", "Thank you, I've updated your address on our records.")],
        [("S", "We've moved, can you change the address you have for me?"),
         ("A", "Certainly, what is the new one?"),
         ("S", "[ADDRESS]."),
         ("A", "Lovely, that's changed your address for you.")],
        topics=("Address update/change of details",), actions=("Updated supporter address",),
        tone="neutral"), "neutral"),
    "money_use": (_b(
        [("S", "Can you tell me how my money is actually spent?"),
         ("A", "Of course. Most of it funds our nurses who visit families at home.")],
        [("S", "What does my donation actually pay for?"),
         ("A", "Your gift pays for specialist nurses and our helpline.")],
        topics=("How donations are used",), actions=("Provided requested information",),
        tone="positive"), "positive"),
}  # fmt: skip

ACKNOWLEDGED = _b(
    [("A", "I'm so sorry for your loss. Please take your time, there's no rush at all."),
     ("A", "I'll cancel the donations in his name for you today.")],
    [("A", "I'm very sorry to hear that. Take all the time you need."),
     ("A", "I will close her direct debit for you this afternoon.")],
    actions=("Listened actively / acknowledged concerns",), due=(CALL_DATE,),
)  # fmt: skip
NOT_ACKNOWLEDGED = _b(
    [("A", "Right. What's the account name?"),
     ("A", "I'll cancel the donations in his name for you today.")],
    [("A", "Okay, and what was the reference number?"),
     ("A", "I will close her direct debit for you this afternoon.")],
    compliance=("vulnerability_not_acknowledged",), due=(CALL_DATE,),
)  # fmt: skip
CARD_READ_BACK = _b(
    [("A", "Just to check, that's [CARD_NUMBER], is that correct?"), ("S", "Yes.")],
    [("A", "Let me read that back: [CARD_NUMBER]."), ("S", "That's right.")],
    compliance=("card_read_back",),
)  # fmt: skip
DECLARATION = _b(
    [("A", "Thank you. To confirm, you're a UK taxpayer and understand that if you pay less "
           "Income Tax or Capital Gains Tax than the Gift Aid claimed, you'll pay any "
           "difference.")],
    [("A", "Great. By saying yes you confirm you're a UK tax payer, and if you pay less income "
           "or capital gains tax than we claim, you must pay the difference.")],
)  # fmt: skip


@dataclass(frozen=True)
class LabelledCall:
    name: str
    split: str
    """"tuning" or "held_out"."""
    transcript: Transcript
    topics: frozenset[str]
    actions: frozenset[str]
    compliance: frozenset[str]
    sentiment: str
    """The supporter's sentiment, folded: positive, neutral or negative."""
    due_dates: tuple[dt.date | None, ...]
    supporting: dict[str, tuple[tuple[float, float], ...]] = field(default_factory=dict)
    """Per topic or action label, the (start, end) of the turns of the blocks that carry it."""
    call_date: dt.date = CALL_DATE
    turn_tones: tuple[str | None, ...] = ()
    """Per segment, the tone of the block it belongs to when the supporter says it (None for
    the agent's turns and blocks without a tone): the labels a sentiment model may learn from,
    on the tuning split only."""


def _call(name: str, split: str, blocks: list[Block], sentiment: str) -> LabelledCall:
    wording = 0 if split == "tuning" else 1
    lines: list[tuple[str, str]] = []
    spans: list[tuple[Block, int, int]] = []
    for block in blocks:
        start = len(lines)
        lines.extend(block.lines[wording])
        spans.append((block, start, len(lines)))
    transcript = scripted_transcript(lines)
    segments = transcript.segments
    supporting: dict[str, list[tuple[float, float]]] = {}
    tones = [
        block.tone if role == "S" else None
        for block, start, end in spans
        for role, _ in lines[start:end]
    ]
    for block, start, end in spans:
        for label in block.topics | block.actions:
            supporting.setdefault(label, []).extend(
                (s.start_s, s.end_s) for s in segments[start:end]
            )
    union = frozenset[str]().union
    return LabelledCall(
        name=name,
        split=split,
        transcript=transcript,
        topics=union(*(b.topics for b in blocks)),
        actions=union(*(b.actions for b in blocks)),
        compliance=union(*(b.compliance for b in blocks)),
        sentiment=sentiment,
        due_dates=tuple(d for b in blocks for d in b.due_dates),
        supporting={k: tuple(v) for k, v in supporting.items()},
        turn_tones=tuple(tones),
    )


def _blocks(kind: str, variation: int) -> tuple[list[Block], str]:
    """The blocks of one call of `kind`, in the `variation` (0–3), and its sentiment."""
    reason, tone = KINDS[kind]
    blocks = [GREETING]
    if variation in (1, 3):
        blocks.append(IDENTITY)
    takes_payment = kind == "card_donation"
    if takes_payment and variation in (0, 1):
        blocks.append(DATA_PROTECTION)
    blocks.append(reason)
    if takes_payment:
        if variation in (1, 3):
            blocks.append(CARD_READ_BACK)
        if variation in (2, 3):  # payment details taken with no statement before them
            reason = _with_rule(reason, "no_data_protection_statement")
            blocks[blocks.index(KINDS[kind][0])] = reason
    if kind == "gift_aid" and variation in (1, 3):
        blocks[blocks.index(reason)] = _without_rule(reason, "gift_aid_declaration_incomplete")
        blocks.append(DECLARATION)
    if kind == "bereaved":
        blocks.append(ACKNOWLEDGED if variation in (0, 2) else NOT_ACKNOWLEDGED)
    closing = tone if variation != 2 else {"positive": "neutral"}.get(tone, tone)
    blocks.append(CLOSING[closing])
    return blocks, closing


def _with_rule(block: Block, rule: str) -> Block:
    return Block(block.lines, block.topics, block.actions, block.compliance | {rule},
                 block.due_dates, block.tone)  # fmt: skip


def _without_rule(block: Block, rule: str) -> Block:
    return Block(block.lines, block.topics, block.actions, block.compliance - {rule},
                 block.due_dates, block.tone)  # fmt: skip


def labelled_calls() -> list[LabelledCall]:
    """The 48 calls: for each kind, variations 0–2 in the tuning split, variation 3 held out."""
    calls = []
    for kind in KINDS:
        for variation in range(4):
            split = "held_out" if variation == 3 else "tuning"
            blocks, sentiment = _blocks(kind, variation)
            calls.append(_call(f"{kind}-{variation}", split, blocks, sentiment))
    return calls


# --- Scoring (benchmarks/analysis_quality.py and the tests) ----------------------------------


def _fold(label: str) -> str:
    return label.removeprefix("very_")


def prf(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return f"P {p:.2f} R {r:.2f} F1 {f:.2f} (tp {tp}, fp {fp}, fn {fn})"


def _inside(time_s: float, spans: tuple[tuple[float, float], ...]) -> bool:
    return any(start - 1e-6 <= time_s <= end + 1e-6 for start, end in spans)


def score_into(
    counts: Counter[str],
    call: LabelledCall,
    analysis: CallAnalysis,
    names: Sequence[str],
) -> str:
    """Add how `analysis` of `call` compares with its labels to `counts` (see
    benchmarks/analysis_quality.py for what each count means); returns the differences."""
    topics = {t.name: t for t in analysis.key_topics}
    actions = {a.action: a for a in analysis.agent_actions_performed}
    flags = {f.type for f in analysis.compliance_flags}
    for key, found, truth in (
        ("t", set(topics), call.topics),
        ("a", set(actions), call.actions),
        ("c", flags, call.compliance),
    ):
        counts[f"{key}_tp"] += len(found & truth)
        counts[f"{key}_fp"] += len(found - truth)
        counts[f"{key}_fn"] += len(truth - found)
    due = Counter(i.due_date for i in analysis.action_items)
    expected = Counter(call.due_dates)
    counts["i_tp"] += sum((due & expected).values())
    counts["i_fp"] += sum((due - expected).values())
    counts["i_fn"] += sum((expected - due).values())
    counts["sentiment"] += _fold(analysis.sentiment_label.value) == call.sentiment
    for name in set(topics) & call.topics:
        counts["ts_total"] += 1
        counts["ts_inside"] += _inside(topics[name].timestamp_start, call.supporting[name])
    for name in set(actions) & call.actions:
        counts["ts_total"] += 1
        counts["ts_inside"] += _inside(actions[name].timestamp_start, call.supporting[name])
    text = " ".join(s.text for s in call.transcript.segments)
    problems = grounding.summary_problems(analysis.summary, text, names)
    counts["faithful"] += not problems
    counts["repeated"] += any("repeats" in p for p in problems)
    counts["by_model"] += analysis.audio_analysis.get("analysis_source") == "model"
    counts["summary_by_model"] += analysis.audio_analysis.get("summary_source") == "model"
    return (
        f"{call.name}: topics +{sorted(set(topics) - call.topics)} "
        f"-{sorted(call.topics - set(topics))}; actions +{sorted(set(actions) - call.actions)} "
        f"-{sorted(call.actions - set(actions))}; flags {sorted(flags ^ call.compliance)}; "
        f"sentiment {analysis.sentiment_label.value}/{call.sentiment}; "
        f"summary: {analysis.summary}"
    )
