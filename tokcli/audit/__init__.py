"""`tokcli audit`: per-file tokens, cost, lint findings, compress savings and cache prefix; budgets, deltas
against a git ref or a baseline, a result cache. Core modules return dataclasses and never print."""

from tokcli.audit.run import AuditOptions, AuditReport, run_audit
from tokcli.audit.settings import AuditSettings, build_settings

__all__ = ["AuditOptions", "AuditReport", "AuditSettings", "build_settings", "run_audit"]
