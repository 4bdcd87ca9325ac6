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
    """An inbound call: the agent greets, takes details, and updates a direct debit."""
    return [
        Line(agent, f"Good afternoon, thank you for calling the {organisation}. "
                    "My name is Sarah. How can I help you today?"),
        Line(supporter, "Hello there. I would like to change the amount of my monthly "
                        "donation please.", 0.7),
        Line(agent, "Of course, I can help with that. Could I take your full name and "
                    "your postcode please?", 0.6),
        Line(supporter, "Yes, it is Margaret Wilson, and I live in Leeds.", 0.8),
        Line(agent, "Thank you Margaret. And what would you like the new amount to be?", 0.5),
        Line(supporter, "Ten pounds a month instead of five, if that is all right.", 0.7),
        Line(agent, "That is wonderful, thank you so much for your support. "
                    "Is there anything else I can help with?", 0.6),
        Line(supporter, "No, that is everything. Thank you, goodbye.", 0.6),
    ]  # fmt: skip


def transfer_call(
    first_agent: str = "agent_a",
    second_agent: str = "agent_b",
    supporter: str = "supporter_a",
    organisation: str = ORGANISATION,
) -> list[Line]:
    """A call that the first agent transfers to a colleague in the supporter care team."""
    return [
        Line(first_agent, f"Good morning, thank you for calling the {organisation}. "
                          "My name is Sarah. How can I help?"),
        Line(supporter, "Hello. I have a question about a gift in my will, please.", 0.7),
        Line(first_agent, "Thank you. I will transfer you to my colleague in the legacy "
                          "team, please hold the line.", 0.6),
        Line(second_agent, f"Hello, this is James from the legacy team at the {organisation}. "
                           "Could I take your name and your date of birth please?", 2.0),
        Line(supporter, "Yes, my name is Peter Hughes, and I was born in nineteen fifty two.",
             0.7),
        Line(second_agent, "Thank you Peter. I will send you our guide to leaving a gift in "
                           "your will. Is there anything else I can help with today?", 0.6),
        Line(supporter, "No, that is lovely, thank you very much. Goodbye.", 0.6),
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
    per_round_s = 32.0  # measured length of one `two_party_call`
    rounds = max(1, round(duration_s / per_round_s))
    return [line for _ in range(rounds) for line in body]
