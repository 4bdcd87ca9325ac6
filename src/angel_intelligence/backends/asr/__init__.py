"""Speech recognition backends (`backends/registry.py` names them): `faster-whisper`, and the
`mock` of USE_MOCK_MODELS."""
