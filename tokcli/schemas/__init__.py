"""JSON Schemas (draft 2020-12) of every `--format json` output; see tokcli/reporters/json_document.py."""
