"""Language rules for generated text (British English)."""
