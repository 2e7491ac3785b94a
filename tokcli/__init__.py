"""tokcli: audit and cut the token cost of LLM prompts."""

__version__ = "0.1.0"
