"""Evidence extraction before the model (issue 16): topics and actions located in the turns,
the supporter's sentiment, compliance rules and the agent's commitments, each with the turns
and times that support it (docs/analysis.md, "Evidence")."""

from angel_intelligence.analysis.evidence.compliance import RULES, ComplianceOptions
from angel_intelligence.analysis.evidence.extract import EvidenceOptions, extract_evidence
from angel_intelligence.analysis.evidence.model import (
    Candidate,
    Commitment,
    ComplianceFinding,
    Evidence,
    SentimentEvidence,
    Support,
    Turn,
)

__all__ = [
    "RULES",
    "Candidate",
    "Commitment",
    "ComplianceFinding",
    "ComplianceOptions",
    "Evidence",
    "EvidenceOptions",
    "SentimentEvidence",
    "Support",
    "Turn",
    "extract_evidence",
]
