"""Evidence extraction on scripted calls, keywords only (the embedder has its own test)."""

from __future__ import annotations

import datetime as dt

import pytest

from angel_intelligence.analysis.client_config import default_config_data
from angel_intelligence.analysis.evidence import (
    RULES,
    ComplianceOptions,
    Evidence,
    EvidenceOptions,
    extract_evidence,
)
from angel_intelligence.analysis.evidence.commitments import find_commitments, resolve_due_date
from angel_intelligence.analysis.evidence.model import turns_of
from angel_intelligence.analysis.evidence.sentiment import supporter_sentiment
from angel_intelligence.testing.scripted import scripted_transcript

CALL_DATE = dt.date(2025, 1, 17)  # a Friday
TOPICS = list(default_config_data()["topics"])
ACTIONS = list(default_config_data()["agent_actions"])

UPGRADE = [
    ("A", "Good afternoon, thank you for calling Hope Trust, my name is Sarah. How can I help?"),
    ("S", "Hello. I would like to increase my monthly donation please."),
    ("A", "Of course. Could I take your full name and your postcode please?"),
    ("S", "Yes, it is Margaret Wilson, and my postcode is [POSTCODE]."),
    ("A", "Thank you Margaret. What would you like the new amount to be?"),
    ("S", "Ten pounds a month, please. I love the work you do."),
    ("A", "Wonderful. I'll send you a confirmation letter within five working days."),
    ("A", "Thank you so much for your support. Is there anything else I can help with?"),
    ("S", "No, that is everything. Goodbye."),
]


def evidence_of(lines: list[tuple[str, str]], options: EvidenceOptions | None = None) -> Evidence:
    return extract_evidence(
        scripted_transcript(lines), topics=TOPICS, agent_actions=ACTIONS, call_date=CALL_DATE,
        options=options,
    )  # fmt: skip


def test_topics_and_actions_are_found_in_the_turns_that_support_them() -> None:
    transcript = scripted_transcript(UPGRADE)
    evidence = extract_evidence(
        transcript, topics=TOPICS, agent_actions=ACTIONS, call_date=CALL_DATE
    )
    topics = {c.name: c for c in evidence.topics}
    assert "Upgrade/downgrade of monthly donation" in topics
    assert "Cancellation of regular giving" not in topics
    upgrade = topics["Upgrade/downgrade of monthly donation"]
    segments = transcript.segments
    for support in upgrade.support:
        assert (support.start_s, support.end_s) == (
            segments[support.turn].start_s, segments[support.turn].end_s,
        )  # fmt: skip
    assert upgrade.start_s == segments[1].start_s  # "increase my monthly donation"
    actions = {c.name: c for c in evidence.actions}
    assert {"Greeted supporter", "Verified supporter identity"} <= set(actions)
    assert "Thanked supporter for their time" in actions
    for action in evidence.actions:  # agent turns only
        assert all(evidence.turns[s.turn].role == "agent" for s in action.support)


def test_an_action_said_by_the_supporter_is_not_the_agent_s() -> None:
    evidence = extract_evidence(
        scripted_transcript([("A", "Yes?"), ("S", "Good morning, thank you for calling me.")]),
        topics=TOPICS, agent_actions=ACTIONS, call_date=CALL_DATE,
    )  # fmt: skip
    assert "Greeted supporter" not in {c.name for c in evidence.actions}


def test_client_keywords_find_a_client_s_own_topic() -> None:
    lines = [("A", "Hello."), ("S", "I saw your Winter Warmth appeal on television.")]
    plain = extract_evidence(
        scripted_transcript(lines), topics=["Winter appeal"], agent_actions=[], call_date=CALL_DATE
    )
    assert plain.topics == ()
    keyed = extract_evidence(
        scripted_transcript(lines), topics=["Winter appeal"], agent_actions=[],
        call_date=CALL_DATE, options=EvidenceOptions(keywords={"Winter appeal": ["winter warmth"]}),
    )  # fmt: skip
    assert [(c.name, c.support[0].turn) for c in keyed.topics] == [("Winter appeal", 1)]


def test_sentiment_is_on_the_spec_s_scales_with_a_trend() -> None:
    happy = supporter_sentiment(turns_of(scripted_transcript(UPGRADE)), 40.0)
    assert 2.0 <= happy.score <= 10.0 and happy.label in ("positive", "very_positive")
    angry = [
        ("A", "Hello, how can I help?"),
        ("S", "I am really angry. You keep sending me letters and it is awful."),
        ("A", "I am so sorry to hear that."),
        ("S", "It is disgraceful and I am fed up."),
    ]
    cross = supporter_sentiment(turns_of(scripted_transcript(angry)), 20.0)
    assert cross.score <= -2.0 and cross.label in ("negative", "very_negative")
    assert cross.trend == "negative"
    turning = [
        ("S", "I am upset, this is terrible and I hate these letters."),
        ("S", "It is really annoying."),
        ("S", "Oh that is wonderful, thank you so much."),
        ("S", "Brilliant, I am very happy now, thanks."),
    ]
    assert supporter_sentiment(turns_of(scripted_transcript(turning)), 20.0).trend == "improving"
    silent = supporter_sentiment(turns_of(scripted_transcript([("A", "Hello?")])), 5.0)
    assert (silent.score, silent.label, silent.trend) == (0.0, "neutral", "neutral")


PAYMENT_WITHOUT_NOTICE = [
    ("A", "Hello, thank you for calling."),
    ("S", "I would like to give fifty pounds."),
    ("A", "Lovely. Could I take the long number on your card please?"),
    ("S", "Yes, it is [CARD_NUMBER]."),
    ("A", "Thank you, that is [CARD_NUMBER], is that right?"),
]


def test_each_compliance_rule_flags_the_turns_where_it_was_broken() -> None:
    evidence = evidence_of(PAYMENT_WITHOUT_NOTICE)
    flags = {f.rule: f for f in evidence.compliance}
    assert set(flags) == {"card_read_back", "no_data_protection_statement"}
    assert (
        flags["card_read_back"].support[0].turn == 4
        and flags["card_read_back"].severity == "critical"
    )
    assert flags["no_data_protection_statement"].support[0].turn == 2


def test_a_data_protection_statement_before_payment_satisfies_the_rule() -> None:
    lines = [
        ("A", "Before we go on: your details will be kept securely under data protection law."),
        *PAYMENT_WITHOUT_NOTICE[1:4],
    ]
    assert [f.rule for f in evidence_of(lines).compliance] == []


def test_gift_aid_without_its_declaration_is_flagged_and_with_it_is_not() -> None:
    short = [
        ("A", "Would you like to add Gift Aid to your donation?"),
        ("S", "Yes, please do."),
        ("A", "Lovely, done."),
    ]
    flags = evidence_of(short).compliance
    assert [(f.rule, [s.turn for s in f.support]) for f in flags] == [
        ("gift_aid_declaration_incomplete", [0, 1])
    ]
    full = [
        ("A", "Would you like to add Gift Aid? You must be a UK taxpayer and understand that if "
              "you pay less Income Tax or Capital Gains Tax than the Gift Aid claimed, it is "
              "your responsibility to pay any difference."),
        ("S", "Yes, I am."),
    ]  # fmt: skip
    assert evidence_of(full).compliance == ()
    declined = [("A", "Would you like to add Gift Aid?"), ("S", "No thank you.")]
    assert evidence_of(declined).compliance == ()


def test_a_vulnerability_cue_needs_acknowledging() -> None:
    ignored = [
        ("S", "My husband passed away last month so I need to change the account."),
        ("A", "Okay. What would you like to change?"),
    ]
    flags = evidence_of(ignored).compliance
    assert [f.rule for f in flags] == ["vulnerability_not_acknowledged"]
    assert flags[0].support[0].turn == 0
    heard = [ignored[0], ("A", "I am so sorry for your loss. Take your time.")]
    assert evidence_of(heard).compliance == ()


def test_rules_can_be_switched_off_per_client_and_unknown_ones_are_refused() -> None:
    only = EvidenceOptions(compliance=ComplianceOptions(rules=frozenset({"card_read_back"})))
    flags = evidence_of(PAYMENT_WITHOUT_NOTICE, options=only).compliance
    assert [f.rule for f in flags] == ["card_read_back"]
    with pytest.raises(ValueError, match="unknown compliance rules"):
        evidence_of(UPGRADE, options=EvidenceOptions(
            compliance=ComplianceOptions(rules=frozenset({"nope"}))))  # fmt: skip
    assert set(RULES) == {
        "card_read_back", "gift_aid_declaration_incomplete", "no_data_protection_statement",
        "vulnerability_not_acknowledged",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("said", "due"),
    [
        ("I'll call you back today.", dt.date(2025, 1, 17)),
        ("I'll send it tomorrow.", dt.date(2025, 1, 18)),
        ("We'll call you back on Monday.", dt.date(2025, 1, 20)),
        ("I'll ring you on Friday.", dt.date(2025, 1, 24)),  # said on a Friday: a week on
        ("I will post it next week.", dt.date(2025, 1, 24)),
        ("I'll email you by the end of the week.", dt.date(2025, 1, 17)),
        ("We will send your pack within five working days.", dt.date(2025, 1, 24)),
        ("I'll update it in 3 days.", dt.date(2025, 1, 20)),
        ("I'll send you a guide.", None),
    ],
)
def test_due_dates_are_resolved_against_the_call_date(said: str, due: dt.date | None) -> None:
    assert resolve_due_date(said, CALL_DATE) == due
    if due is not None:
        assert due >= CALL_DATE


def test_commitments_come_from_the_agent_s_turns_only() -> None:
    lines = [
        ("S", "I'll send you a cheque tomorrow."),
        ("A", "Thank you. I'll send you a receipt on Monday. Shall I call you back?"),
    ]
    found = find_commitments(turns_of(scripted_transcript(lines)), CALL_DATE)
    assert [(c.description, c.due_date, c.priority, c.support.turn) for c in found] == [
        ("Send the supporter a receipt on Monday.", dt.date(2025, 1, 20), "medium", 1)
    ]


def test_extraction_is_deterministic() -> None:
    assert evidence_of(UPGRADE).topics == evidence_of(UPGRADE).topics


def test_both_word_boundaries_hold_for_every_alternative_of_a_keyword() -> None:
    from angel_intelligence.analysis.evidence.matching import keyword_hit

    assert keyword_hit("I came by taxi", ("tax|gift aid",)) is None  # not "tax" in "taxi"
    assert keyword_hit("Can you claim the tax back?", ("tax|gift aid",)) == "tax"


# --- Expressions that backtrack catastrophically (decision 85) ---------------------------------

LONG_TURN = "Thank you so much for calling about your monthly gift today " * 32 + "donations"
"""About 2,000 characters, with the last word one letter longer than the keyword: a search
that can split the text many ways tries them all before failing."""


@pytest.mark.parametrize(
    ("expression", "shape"),
    [
        (r"(\w+\s?)+donation", "a quantifier inside a repeated group"),
        (r"(?:.+)+donation", "a quantifier inside a repeated group"),
        (r"(\w+ ){1,50}donation", "a quantifier inside a repeated group"),
        (r"(a|aa)+donation", "a repeated group that can split the same words"),
        (r"(\w\s?\w?)+donation", "a repeated group that can split the same words"),
        (r"[\w ]*[\w ]*[\w ]*donation", "two quantifiers over the same characters"),
        (r"(gift) aid \1", "a backreference"),
    ],
)
def test_when_a_client_expression_can_backtrack_catastrophically_then_it_is_refused(
    expression: str, shape: str
) -> None:
    from angel_intelligence.analysis.evidence.config import EvidenceConfigError, parse_keywords

    with pytest.raises(EvidenceConfigError) as raised:
        parse_keywords({"Regular giving signup": ["monthly gift", expression]})
    message = str(raised.value)
    assert message.startswith(f"keywords['Regular giving signup'][1] {expression!r} has {shape}")
    assert "catastrophically" in message


def test_every_built_in_expression_and_the_usual_client_forms_pass_the_shape_check() -> None:
    from angel_intelligence.analysis.evidence.compliance import (
        ACKNOWLEDGEMENTS,
        DATA_PROTECTION_PHRASES,
        GIFT_AID_WORDING,
        VULNERABILITY_CUES,
    )
    from angel_intelligence.analysis.evidence.config import runaway_shape
    from angel_intelligence.analysis.evidence.cues import BUILT_IN_KEYWORDS

    built_in = [e for group in BUILT_IN_KEYWORDS.values() for e in group]
    built_in += [e for group in GIFT_AID_WORDING for e in group]
    built_in += [*DATA_PROTECTION_PHRASES, *VULNERABILITY_CUES, *ACKNOWLEDGEMENTS]
    usual = [r"claim (the )?tax back", r"((very )?happy )+to help", r"claim.*tax.*back",
             r"(thanks|thank you)+", r"[\w ]+ pounds a month", r"direct ?debit"]  # fmt: skip
    assert {e: runaway_shape(e) for e in built_in + usual if runaway_shape(e)} == {}


def test_a_search_that_runs_away_is_stopped_and_not_run_again() -> None:
    """The run-time bound, for a shape the check might miss (keyword_hit takes any
    expression): with Python's `re` this search takes seconds to minutes on this turn."""
    import time

    from angel_intelligence.analysis.evidence import matching

    evil = r"[\w ]*[\w ]*[\w ]*[\w ]*donation"
    started = time.perf_counter()
    assert matching.keyword_hit(LONG_TURN, (evil, "monthly gift")) == "monthly gift"
    took = time.perf_counter() - started
    # Stopped: on half this turn the search alone ran 13.7 s (load average 18), and it grows
    # with the fourth power of the length; the timeout fired within 4 × MATCH_TIMEOUT_S there.
    assert took < 100 * matching.MATCH_TIMEOUT_S, took
    assert evil in matching._runaway  # not run again in this process
    assert matching.keyword_hit(LONG_TURN, (evil,)) is None
