"""A harder set of synthetic calls for diarization and roles (benchmarks/diarization_roles.py).

The calls of `call_scripts.py` use the five voices the diarizer was tuned on, clean or mildly
noisy audio and polite turn-taking. These add what real calls have (issue 14):

- **new voices**, sixteen espeak voice/SoX combinations never used for tuning, several per role;
- **noise** down to 12 dB SNR;
- **crosstalk**: answers that start before the other party has finished, and **back-channels**
  ("Mm-hm.", "Okay.") spoken over the other party's line;
- **hold music** before a **transfer** to a second agent, and warm transfers without music;
- **outbound calls** where the supporter answers first ("Hello?"), and complaints where the
  supporter talks most.

Every call and every voice belongs to one of two halves, chosen by a hash of its name
(`split_of`): "tuning" calls are cast only from tuning voices and "held-out" calls only from
held-out voices, so nothing tuned on the first half has heard a held-out voice or call.
The tuning half is grown with every agent-supporter pair (`pair_calls`), supporters alike to
an agent (`alike_calls`) and agents whose fingerprint is withheld (`unenrolled_calls`); a
second held-out set (`fresh_calls`, "held-out-2") has voices and casts of its own, written
before anything ran on them (issue 14, round 6).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

from angel_intelligence.testing.speech import Line, Voice

ORGANISATIONS = ("Hope Foundation", "Riverside Animal Rescue")
SPLITS = ("tuning", "held-out")


def split_of(name: str) -> str:
    """ "tuning" or "held-out", by the parity of the name's SHA-1."""
    return SPLITS[int(hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest(), 16) % 2]


def _eq(*bands: tuple[float, float]) -> tuple[tuple[float, float, float], ...]:
    return tuple((centre, 1.0, gain) for centre, gain in bands)


# Hand-made to be plausible telephone voices, then left as they are: nothing was tuned on them.
AGENT_VOICES: dict[str, Voice] = {
    "agent_d": Voice("en-gb-x-rp+m3", 160, 40, 55, 0.95, -100, _eq((800, 4))),
    "agent_e": Voice("en-us+m2", 165, 55, 45, 1.05, 0, _eq((2500, -4))),
    "agent_f": Voice("en+f2", 155, 60, 60, 0.97, 100, _eq((1200, 4), (3000, -4))),
    "agent_g": Voice("en+m7", 160, 35, 40, 1.0, -200, _eq((500, 6))),
    "agent_h": Voice("en-gb-x-rp+f4", 150, 55, 70, 1.03, 0, _eq((1800, 4))),
    "agent_i": Voice("en-us+david", 160, 45, 50, 0.92, 150, _eq((300, -4), (2500, 4))),
    "agent_j": Voice("en-gb-x-rp+edward", 155, 50, 35, 1.08, -100, _eq((1200, -6))),
    "agent_k": Voice("en+steph", 160, 50, 60, 0.94, 0, _eq((800, -4))),
    "agent_l": Voice("en-us+m6", 150, 40, 50, 1.0, 100, _eq((3000, 6))),
    "agent_m": Voice("en-gb-x-rp+john", 165, 60, 45, 0.96, -150, _eq((1800, -4), (500, 4))),
}
SUPPORTER_VOICES: dict[str, Voice] = {
    "supporter_c": Voice("en-gb-x-rp+f3", 150, 65, 55, 0.93, 150, _eq((2500, 4))),
    "supporter_d": Voice("en-us+m4", 155, 35, 40, 1.04, -100, _eq((1200, 4))),
    "supporter_e": Voice("en+f1", 150, 50, 65, 1.0, 0, _eq((800, -6))),
    "supporter_f": Voice("en-gb-x-rp+m5", 145, 45, 30, 0.9, 0, _eq((3000, -4))),
    "supporter_g": Voice("en+aunty", 155, 55, 50, 0.97, 100, _eq((1800, 6))),
    "supporter_h": Voice("en-us+f5", 160, 60, 45, 1.06, -100, _eq((500, -4), (2500, 4))),
    "supporter_i": Voice("en+robert", 150, 40, 60, 0.95, 200, _eq((1200, -4))),
    "supporter_j": Voice("en+linda", 150, 55, 40, 1.02, 0, _eq((800, 4), (3000, -6))),
    "supporter_k": Voice("en-gb-x-rp+benjamin", 160, 45, 50, 0.92, -150, _eq((2500, -4))),
    "supporter_l": Voice("en-us+belinda", 150, 60, 60, 0.98, 100, _eq((1200, 6))),
}
# Supporters who sound like a tuning agent (issue 14, round 5): the agent's espeak voice and
# variant with another pitch, rate and colouring, as a caller can sound like the agent who
# answers. Tuning half only (`alike_calls`): the held-out half has its own alike pairs
# (agent and supporter 0.88-0.91 alike in calls) that nothing was tuned on. Made by hand once.
ALIKE_SUPPORTERS: dict[str, Voice] = {
    "supporter_like_g": Voice("en+m7", 150, 45, 55, 0.97, -100, _eq((1200, 4))),
    "supporter_like_j": Voice("en-gb-x-rp+edward", 145, 40, 50, 1.02, 0, _eq((2500, 4))),
    "supporter_like_k": Voice("en+steph", 150, 60, 45, 0.98, 100, _eq((1800, 4))),
    "supporter_like_l": Voice("en-us+m6", 160, 50, 40, 0.95, 0, _eq((800, 4))),
}
# A second held-out set (issue 14, round 6): the first held-out half had been scored several
# times by then. New espeak voices and accents (Scotland, Lancaster, West Midlands, Caribbean)
# and variants no other table uses, SoX chains made by hand in one go and committed before
# anything ran on them; never changed after. Its calls are `fresh_calls`.
HELDOUT2_AGENT_VOICES: dict[str, Voice] = {
    "agent_n": Voice("en-gb-scotland+m8", 155, 45, 50, 0.98, -50, _eq((1000, 4))),
    "agent_o": Voice("en-us+Andrea", 160, 55, 55, 1.02, 50, _eq((2200, -4))),
    "agent_p": Voice("en-gb-x-gbcwmd+paul", 150, 40, 45, 0.95, -100, _eq((600, 4), (2800, -4))),
    "agent_q": Voice("en-029+shelby", 165, 60, 55, 1.04, 100, _eq((1500, -4))),
    "agent_r": Voice("en-gb-x-rp+adam", 155, 50, 40, 0.97, 0, _eq((3200, 4))),
}
HELDOUT2_SUPPORTER_VOICES: dict[str, Voice] = {
    "supporter_m": Voice("en-gb-x-gbclan+grandma", 145, 60, 65, 0.94, 50, _eq((900, 4))),
    "supporter_n": Voice("en-us+Mike", 150, 40, 45, 1.01, -150, _eq((2000, 4))),
    "supporter_o": Voice("en+Alicia", 155, 55, 60, 0.99, 150, _eq((700, -4), (2600, 4))),
    "supporter_p": Voice("en-gb-scotland+travis", 150, 45, 35, 0.96, -50, _eq((1400, -4))),
    "supporter_q": Voice("en-029+victor", 145, 50, 50, 1.03, 0, _eq((2400, -6))),
}
HELDOUT2 = "held-out-2"
HARD_VOICES: dict[str, Voice] = {
    **AGENT_VOICES,
    **SUPPORTER_VOICES,
    **ALIKE_SUPPORTERS,
    **HELDOUT2_AGENT_VOICES,
    **HELDOUT2_SUPPORTER_VOICES,
}
HALO_IDS: dict[str, int] = {
    **{name: 2001 + i for i, name in enumerate(AGENT_VOICES)},
    **{name: 2101 + i for i, name in enumerate(HELDOUT2_AGENT_VOICES)},
}


def voices_in(split: str, table: dict[str, Voice]) -> list[str]:
    return [name for name in table if split_of(name) == split]


# --- Scripts ----------------------------------------------------------------------------------


def inbound_change(agent: str, supporter: str, org: str) -> list[Line]:
    """Inbound: the agent greets and takes details; back-channels and an early answer."""
    return [
        Line(agent, f"Good morning, thank you for calling {org}. You are speaking to Emma. "
                    "How can I help you today?"),
        Line(supporter, "Oh hello. I would like to change my direct debit, please. I moved "
                        "banks last month.", 0.5),
        Line(agent, "No problem at all. Can I take your full name and the first line of your "
                    "address please?", 0.4),
        Line(supporter, "It's David Morgan, twelve Oak Road.", -0.3),
        Line(agent, "Thank you David. And could you confirm your date of birth for me?", 0.5),
        Line(supporter, "Yes.", -1.2),
        Line(supporter, "The third of May, nineteen sixty.", 0.6),
        Line(agent, "Lovely. I can see your donation of fifteen pounds a month. What is the new "
                    "sort code?", 0.5),
        Line(supporter, "Mm-hm.", -2.0),
        Line(supporter, "Let me find it. It is two zero, four one, seven seven.", 0.7),
        Line(agent, "Okay.", -0.6),
        Line(agent, "That is all updated. Thank you so much for your support. Is there anything "
                    "else I can help with?", 0.5),
        Line(supporter, "No, that's all. Thanks, bye.", 0.4),
    ]  # fmt: skip


def outbound_thanks(agent: str, supporter: str, org: str) -> list[Line]:
    """Outbound: the supporter answers the phone first; the agent calls to thank them."""
    return [
        Line(supporter, "Hello?"),
        Line(agent, f"Hello, is that Mrs Clarke? My name is Tom, I'm calling from {org}.", 0.5),
        Line(supporter, "Yes, speaking.", 0.4),
        Line(agent, "I'm just calling to say thank you for your kind donation last week. Do you "
                    "have a couple of minutes?", 0.5),
        Line(supporter, "Oh, that's nice. Yes, go on.", -0.2),
        Line(agent, "Your gift is helping us to care for more animals this winter. Would you like "
                    "to hear about our monthly giving scheme?", 0.6),
        Line(supporter, "Right.", -1.5),
        Line(supporter, "I'm not sure. I already give to a few charities, you see.", 0.7),
        Line(agent, "Of course, I completely understand. Can I check your email address is still "
                    "correct?", 0.4),
        Line(supporter, "Yes it is, thank you.", 0.5),
        Line(agent, "Wonderful. Thank you again for your support, and have a lovely day.", 0.5),
        Line(supporter, "You too, bye bye.", -0.2),
    ]  # fmt: skip


def complaint(agent: str, supporter: str, org: str) -> list[Line]:
    """Inbound complaint: the supporter talks most; the agent mostly listens."""
    return [
        Line(agent, f"Hello, you're through to {org}, this is Priya. How can I help?"),
        Line(supporter, "Hello. I'm calling because I received a letter asking me for more money, "
                        "and I have already told you twice that I do not want any more post. It "
                        "is really quite upsetting, to be honest.", 0.6),
        Line(agent, "I'm so sorry to hear that.", -0.4),
        Line(supporter, "I have been a supporter for ten years and I want to keep giving, but I "
                        "want the letters to stop. I want to know why this keeps happening.",
             0.5),
        Line(agent, "Mm-hm.", -2.5),
        Line(agent, "I completely understand. Could I take your postcode so I can find your "
                    "record?", 0.6),
        Line(supporter, "It's L S six, two A B.", 0.5),
        Line(agent, "Thank you. I have removed you from all postal mailings today, and I will "
                    "make a note on your record.", 0.6),
        Line(supporter, "Okay. Well, thank you. I do appreciate that. I just wanted it sorted "
                        "out once and for all.", 0.5),
        Line(agent, "Of course. Is there anything else I can help with?", 0.5),
        Line(supporter, "No, that's it. Goodbye.", 0.5),
    ]  # fmt: skip


def transfer_with_music(first: str, second: str, supporter: str, org: str) -> list[Line]:
    """The first agent puts the supporter on hold (music) and a second agent picks up."""
    return [
        Line(first, f"Good afternoon, thank you for calling {org}, my name is Sarah. How can I "
                    "help?"),
        Line(supporter, "Hi. I'd like to talk to someone about leaving a gift in my will.", 0.6),
        Line(first, "Of course. I'll transfer you to our legacy team now, please hold.", 0.5),
        Line(supporter, "Okay, thanks.", 0.4),
        Line(second, "Hello, this is Mark in the legacy team. I understand you're thinking about "
                     "a gift in your will?", 0.8, hold_music_s=7.0),
        Line(supporter, "Yes, that's right. I don't really know where to start.", 0.5),
        Line(second, "That's absolutely fine. Could I take your name and postcode, and I'll send "
                     "you our free guide?", 0.5),
        Line(supporter, "Yes. Joan Baker, B S three, four Q T.", 0.6),
        Line(second, "Thank you Joan. The guide should arrive within a week. Is there anything "
                     "else I can do for you?", 0.5),
        Line(supporter, "No, that's lovely. Thank you.", 0.5),
    ]  # fmt: skip


def warm_transfer(first: str, second: str, supporter: str, org: str) -> list[Line]:
    """The first agent hands over in the call; the second agent greets and takes over."""
    return [
        Line(first, f"Thank you for calling {org}, this is Ben speaking. How can I help?"),
        Line(supporter, "Hello. I want to ask about a payment that was taken twice from my "
                        "account.", 0.6),
        Line(first, "I'm sorry about that. Let me pass you to my colleague in the finance team, "
                    "bear with me.", 0.5),
        Line(second, "Hi there, this is Claire from finance. Can I take your full name please?",
             1.5),
        Line(supporter, "It's Robert Evans.", 0.5),
        Line(second, "Thank you Robert. I can see the two payments. I'll refund the second one "
                     "today.", 0.6),
        Line(supporter, "Oh good.", -0.4),
        Line(supporter, "How long will that take?", 0.5),
        Line(second, "It should be back in your account within five working days.", 0.4),
        Line(supporter, "Great, thank you very much. Goodbye.", 0.5),
    ]  # fmt: skip


TWO_PARTY = (inbound_change, outbound_thanks, complaint)
TRANSFERS = (transfer_with_music, warm_transfer)
SNRS_DB: tuple[float | None, ...] = (None, 20.0, 15.0, 12.0)


@dataclass(frozen=True)
class HardCall:
    """One call of the set: its name, half, script, noise, and which voice is which agent."""

    name: str
    split: str
    lines: tuple[Line, ...]
    snr_db: float | None
    seed: int
    organisation: str
    agents: tuple[str, ...]  # agent voices in order of appearance
    supporter: str
    withheld: tuple[str, ...] = ()  # enrolled agents whose fingerprint this call is not given

    @property
    def halo_id(self) -> int:
        """The recording's agent: the first agent (the one the PBX routed the call to)."""
        return HALO_IDS[self.agents[0]]


def enrolled_agents() -> set[str]:
    """The agents with a fingerprint: all but the last agent voice of each half, so every half
    has calls whose agent only the cues can find."""
    return {name for split in SPLITS for name in voices_in(split, AGENT_VOICES)[:-1]}


def fresh_enrolled_agents() -> set[str]:
    """The second held-out set's agents with a fingerprint: all but its last agent voice."""
    return set(list(HELDOUT2_AGENT_VOICES)[:-1])


def _cast_call(
    name: str, split: str, position: int, agents: list[str], supporters: list[str], seed: int
) -> HardCall:
    """A call of the random-cast sets: scripts and noise take turns by position."""
    rng = random.Random(name)  # noqa: S311 (a test cast, not a secret)
    org = ORGANISATIONS[position % len(ORGANISATIONS)]
    supporter = rng.choice(supporters)
    snr = SNRS_DB[position % len(SNRS_DB)]
    kind = position % 5  # three two-party scripts, two transfers
    if kind >= 3:
        first, second = rng.sample(agents, 2)
        lines = TRANSFERS[kind - 3](first, second, supporter, org)
        cast: tuple[str, ...] = (first, second)
    else:
        first = rng.choice(agents)
        lines = TWO_PARTY[kind](first, supporter, org)
        cast = (first,)
    return HardCall(name, split, tuple(lines), snr, seed, org, cast, supporter)


def fresh_calls(count: int = 20) -> list[HardCall]:
    """The second held-out set (issue 14, round 6): `count` calls "fresh-<i>" cast from
    `HELDOUT2_*` voices only, with the same mix of scripts, noise, crosstalk, transfers and
    hold music as `hard_calls`."""
    agents = list(HELDOUT2_AGENT_VOICES)
    supporters = list(HELDOUT2_SUPPORTER_VOICES)
    return [
        _cast_call(f"fresh-{i}", HELDOUT2, i, agents, supporters, 70_000 + i) for i in range(count)
    ]


def hard_calls(per_split: int = 20) -> list[HardCall]:
    """`per_split` calls in each half (the first names hard-<i> whose hash falls in it), each
    cast from its own half's voices; scripts and noise levels take turns within a half."""
    calls: list[HardCall] = []
    for split in SPLITS:
        names = (f"hard-{i}" for i in range(10_000))
        chosen = [n for n in names if split_of(n) == split][:per_split]
        agents = voices_in(split, AGENT_VOICES)
        supporters = voices_in(split, SUPPORTER_VOICES)
        for position, name in enumerate(chosen):
            seed = int(name.split("-")[1])
            calls.append(_cast_call(name, split, position, agents, supporters, seed))
    return calls


def pair_calls(split: str) -> list[HardCall]:
    """Every agent of a half with every supporter of that half, once each, in a two-party call
    (issue 14, round 5). `hard_calls` casts at random, so a half's most alike agent and
    supporter may never meet; real calls pair whoever rings with whoever answers, alike voices
    included. Scripts and noise take turns as in `hard_calls`; the names are "pair-<agent>-
    <supporter>", in the half of their voices (`split_of` is not asked: the cast decides)."""
    calls: list[HardCall] = []
    agents = voices_in(split, AGENT_VOICES)
    supporters = voices_in(split, SUPPORTER_VOICES)
    for position, (agent, supporter) in enumerate((a, s) for a in agents for s in supporters):
        name = f"pair-{agent}-{supporter}"
        org = ORGANISATIONS[position % len(ORGANISATIONS)]
        lines = TWO_PARTY[position % len(TWO_PARTY)](agent, supporter, org)
        snr = SNRS_DB[(position // len(TWO_PARTY)) % len(SNRS_DB)]
        seed = 50_000 + position
        calls.append(HardCall(name, split, tuple(lines), snr, seed, org, (agent,), supporter))
    return calls


def alike_calls() -> list[HardCall]:
    """Each tuning agent with the supporter made to sound like them (`ALIKE_SUPPORTERS`), in
    each two-party script, noise taking turns: the tuning half's case of two alike voices in
    one call, which its random casts hardly make (its most alike pair was 0.86)."""
    calls: list[HardCall] = []
    for position, agent in enumerate(voices_in("tuning", AGENT_VOICES)):
        supporter = f"supporter_like_{agent.removeprefix('agent_')}"
        for kind, script in enumerate(TWO_PARTY):
            index = position * len(TWO_PARTY) + kind
            org = ORGANISATIONS[index % len(ORGANISATIONS)]
            snr = SNRS_DB[index % len(SNRS_DB)]
            lines = tuple(script(agent, supporter, org))
            name = f"alike-{agent}-{script.__name__}"
            calls.append(
                HardCall(name, "tuning", lines, snr, 60_000 + index, org, (agent,), supporter)
            )
    return calls


def unenrolled_calls() -> list[HardCall]:
    """The call's agent not enrolled while the supporter sounds like an enrolled agent (issue
    14, round 6), from tuning voices only: each tuning agent, their fingerprint withheld
    (`HardCall.withheld`), with supporter_g and supporter_k (who pass agent_h's and agent_i's
    thresholds in tuning calls, 0.86-0.95) and with the supporter made like the next tuning
    agent (`ALIKE_SUPPORTERS`, 0.86-0.96 to that agent's fingerprint), in the three two-party
    scripts in turn, noise in turn. The random casts met this only where the unenrolled agent
    also passed a colleague's threshold, so every voice matched and the supporter was released.
    """
    calls: list[HardCall] = []
    agents = voices_in("tuning", AGENT_VOICES)
    for position, agent in enumerate(agents):
        like = agents[(position + 1) % len(agents)].removeprefix("agent_")
        for turn, supporter in enumerate(("supporter_g", "supporter_k", f"supporter_like_{like}")):
            index = position * 3 + turn
            script = TWO_PARTY[index % len(TWO_PARTY)]
            org = ORGANISATIONS[index % len(ORGANISATIONS)]
            snr = SNRS_DB[index % len(SNRS_DB)]
            lines = tuple(script(agent, supporter, org))
            name = f"unenrolled-{agent}-{supporter}"
            calls.append(
                HardCall(name, "tuning", lines, snr, 80_000 + index, org, (agent,), supporter,
                         withheld=(agent,))
            )  # fmt: skip
    return calls
