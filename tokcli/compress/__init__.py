"""`tokcli compress`: template-safe prompt compression.

- `rules_method.compress_prompt(path, text, level=...)` / `compress_document(document, level=...)`: the default,
  deterministic method (`transforms` over the prose between `protect`ed spans, checked by `verify`).
- `llmlingua_method.compress_with_llmlingua(...)`: the optional LLMLingua backend (`tokcli[llmlingua]`).
"""
