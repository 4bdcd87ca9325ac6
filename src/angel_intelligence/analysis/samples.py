"""A built-in sample call, used to check a custom prompt before it is saved (spec: "Validate
prompts produce valid JSON before saving") and by `benchmarks/analysis.py`."""

from __future__ import annotations

from angel_intelligence.domain.speakers import SpeakerRole
from angel_intelligence.domain.transcript import Segment, Transcript

_SCRIPT = """
agent 0.0 6.0 Good afternoon, thank you for calling Hope Trust, you're speaking with Sarah.
  This call is recorded for training and quality purposes.
supporter 6.5 11.0 Hello, I saw your appeal on television and I'd like to help with a monthly
  donation.
agent 11.5 17.0 That's wonderful, thank you. Before we start, can I take your full name and
  postcode please?
supporter 17.5 21.0 It's Margaret Hughes, and the postcode is [POSTCODE].
agent 21.5 30.0 Thank you. How much would you like to give each month? Many supporters choose ten
  or fifteen pounds.
supporter 30.5 34.0 Ten pounds a month is about right for me.
agent 34.5 44.0 Lovely. Are you a UK taxpayer? If so, we can claim Gift Aid, which adds
  twenty-five pence to every pound at no cost to you.
supporter 44.5 47.0 Yes, I pay tax, please add Gift Aid.
agent 47.5 55.0 Perfect. You'll receive a welcome pack by post within two weeks. Thank you so much
  for your support today.
supporter 55.5 57.0 Thank you, goodbye.
"""


def _lines(script: str) -> tuple[tuple[SpeakerRole, float, float, str], ...]:
    lines: list[tuple[SpeakerRole, float, float, str]] = []
    for block in script.strip().replace("\n  ", " ").splitlines():
        role, start, end, text = block.split(" ", 3)
        lines.append((SpeakerRole(role), float(start), float(end), text))
    return tuple(lines)


SAMPLE_LINES = _lines(_SCRIPT)


def sample_transcript() -> Transcript:
    """A short regular-giving call, PII already redacted, speakers labelled."""
    segments = tuple(
        Segment(text=text, start_s=start, end_s=end, speaker=role, confidence=0.9)
        for role, start, end, text in SAMPLE_LINES
    )
    return Transcript(segments=segments, duration_s=57.0)
