"""Where recordings come from: the PBX and its archive over HTTP(S) (docs/recordings.md)."""

from angel_intelligence.backends.recordings.pbx import PbxRecordingSource, recording_urls

__all__ = ["PbxRecordingSource", "recording_urls"]
