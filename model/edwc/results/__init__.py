"""Results stage: plan tables extracted from a solved model, written atomically and read back."""
