"""Text models for the analysis evidence (sentence embeddings)."""
