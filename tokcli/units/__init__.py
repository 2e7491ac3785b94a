"""Prompt units: prompts that live inside other files (YAML/JSON configs, Python source, Jupyter notebooks).

A unit is one piece of text sent to a model, with where it lives in its host file (line and column of its
first character, the key path or symbol holding it) and its template syntax. `scan.scan_host` finds the
units of a file; `documents` turns a unit into a `PromptDocument` for count, lint, compress and audit and maps
their positions back to the host file; `writeback` changes a unit in its host file where that is exact.
"""
