"""Every rule family; importing this package registers all rules (see `base.register`)."""

from tokcli.lint.rules import meta, payload, redundancy, structure, template, tools, verbosity, whitespace

__all__ = ["meta", "payload", "redundancy", "structure", "template", "tools", "verbosity", "whitespace"]
