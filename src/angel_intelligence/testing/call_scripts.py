"""Scripts of typical charity contact-centre calls, for `testing.speech.synthesise_call`.

Short on purpose (20-40 s each) so tests stay fast on two CPU cores; `long_call` repeats
material to any length for benchmarks. The agent lines carry the cues the role rules use
(docs/speakers.md): a greeting with the organisation's name, questions asking for details.
"""

from __future__ import annotations

from angel_intelligence.testing.speech import Line

ORGANISATION = "Hope Foundation"


def two_party_call(
    agent: str = "agent_a", supporter: str = "supporter_a", organisation: str = ORGANISATION
) -> list[Line]:
    """An inbound call: the agent greets, takes details, and changes a monthly donation."""
    return [
        Line(agent, f"Good afternoon, thank you for calling the {organisation}. "
                    "My name is Sarah. How can I help?"),
        Line(supporter, "Hello. I would like to change my monthly donation please.", 0.7),
        Line(agent, "Of course. Could I take your full name and your postcode please?", 0.6),
        Line(supporter, "Yes, it is Margaret Wilson, and I live in Leeds.", 0.8),
        Line(agent, "Thank you Margaret. What would you like the new amount to be?", 0.5),
        Line(supporter, "Ten pounds a month, please.", 0.7),
        Line(agent, "Wonderful, thank you so much for your support. Is there anything else?",
             0.6),
        Line(supporter, "No, that is everything. Goodbye.", 0.6),
    ]  # fmt: skip


def transfer_call(
    first_agent: str = "agent_a",
    second_agent: str = "agent_b",
    supporter: str = "supporter_a",
    organisation: str = ORGANISATION,
) -> list[Line]:
    """A call that the first agent transfers to a colleague in the legacy team."""
    return [
        Line(first_agent, f"Good morning, thank you for calling the {organisation}. "
                          "My name is Sarah, how can I help?"),
        Line(supporter, "Hello. I have a question about leaving a gift in my will.", 0.7),
        Line(first_agent, "Thank you. I will transfer you to my colleague in the legacy team, "
                          "please hold.", 0.6),
        Line(second_agent, "Hello, this is James from the legacy team. Could I take your name "
                           "and date of birth please?", 2.0),
        Line(supporter, "Yes, my name is Peter Hughes, born in nineteen fifty two.", 0.7),
        Line(second_agent, "Thank you Peter. I will send you our guide. Is there anything else "
                           "I can help with?", 0.6),
        Line(supporter, "No, thank you very much. Goodbye.", 0.6),
    ]  # fmt: skip


def enrolment_text(index: int = 0) -> str:
    """About 25 s of neutral speech for enrolling a voice fingerprint from a clip."""
    texts = (
        "Thank you for holding. I am just bringing up your record now. I can see that your "
        "last donation was received at the start of the month, and everything looks correct "
        "on our side. We are very grateful for your support, because it helps us to fund "
        "our work in the community throughout the year.",
        "Our newsletter goes out every spring and every autumn, and it tells you about the "
        "projects your gifts have paid for. If you would rather receive it by email, I can "
        "change that for you today. You can also update your preferences on our website at "
        "any time, or by giving us a call.",
    )
    return texts[index % len(texts)]


def long_call(
    duration_s: float = 300.0, agent: str = "agent_a", supporter: str = "supporter_a"
) -> list[Line]:
    """A two-party call of about `duration_s` seconds (for benchmarks): the short call, repeated."""
    body = two_party_call(agent, supporter)
    per_round_s = 36.0  # measured length of one `two_party_call`
    rounds = max(1, round(duration_s / per_round_s))
    return [line for _ in range(rounds) for line in body]


def demo_call(agent: str = "agent_a", supporter: str = "agent_c") -> list[Line]:
    """`angel demo`'s call: a supporter increases a monthly gift and reads out personal data
    (a mobile number, a postcode and a card number), which Angel must find and redact.

    The supporter is read by the `agent_c` voice: of the measured voices it is the one Whisper
    tiny.en follows best through long runs of digits (the others drop or loop them)."""
    return [
        Line(agent, f"Good afternoon, thank you for calling the {ORGANISATION}. "
                    "My name is Sarah. How can I help?"),
        Line(supporter, "Hello. I would like to increase my monthly donation please.", 0.7),
        Line(agent, "That is wonderful. Could I take your details please?", 0.6),
        Line(supporter, "My mobile number is zero seven nine one one, one two three, four five "
                        "six. And my postcode is B one, one B B.", 0.8),
        Line(agent, "Thank you. How much would you like to give each month?", 0.5),
        Line(supporter, "Twenty pounds a month. I will pay by card. The card number is four five "
                        "three nine, one four eight eight, zero three four three, six four six "
                        "seven.", 0.7),
        Line(agent, "Thank you so much for your support. Is there anything else I can help with?",
             0.6),
        Line(supporter, "No, that is everything. Goodbye.", 0.6),
    ]  # fmt: skip
