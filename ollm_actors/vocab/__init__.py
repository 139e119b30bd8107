"""The shared vocabulary, pure (msgspec and the standard library only): model-name and host
grammar, capabilities and model entries, routing profiles and the fit rule, the model
catalogue (patterns, database, family defaults), pull events, the one "did you mean" and
the one backoff. Every layer above may import it; it imports nothing of ours but errors."""
