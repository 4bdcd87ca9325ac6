"""Fine-tuning backends (heavy libraries imported lazily, inside functions)."""
