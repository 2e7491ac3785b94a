"""Time `tokcli lint` on 1,000 generated prompt files and print the figure.

    python bench/bench_lint.py [--files 1000] [--model gpt-4o]

Files are written under bench/.work/lint (git-ignored): markdown system prompts, Jinja templates and YAML
chat files, some tight and some with the wasteful patterns the rules look for.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
from pathlib import Path

TOPICS = ["billing", "shipping", "returns", "accounts", "security", "pricing", "onboarding", "exports"]
RULES = [
    "Answer in at most three sentences.",
    "Quote the policy section you rely on.",
    "Ask one clarifying question when the request is ambiguous.",
    "Never promise a refund; hand refund requests to a human.",
    "Use the customer's name once, at the start.",
    "Write dates as YYYY-MM-DD.",
]
WASTE = [
    "Could you please make sure to answer in order to help the customer!!!",
    "It is important to note that you should basically be VERY VERY CAREFUL WITH NUMBERS.",
    "==============================================",
    '{\n    "status": "ok",\n    "items": [\n        "a",\n        "b"\n    ]\n}',
    "Reference: 3f2b8c1e-9d4a-4e7b-b5c6-1a2b3c4d5e6f",
    "Don\u2019t use \u201cmaybe\u201d \u2014 be decisive\u2026",
    "\n\n\n",
]


def make_prompt(rng: random.Random, index: int) -> tuple[str, str]:
    topic = rng.choice(TOPICS)
    lines = [f"# {topic.title()} assistant {index}", "", f"You answer questions about {topic}.", ""]
    for _ in range(rng.randint(6, 30)):
        lines.append(f"- {rng.choice(RULES)} ({topic} rule {rng.randint(1, 999)})")
        if rng.random() < 0.3:
            lines.append(rng.choice(WASTE))
    body = "\n".join(lines) + "\n"
    kind = index % 3
    if kind == 0:
        return f"p{index:04d}.md", body
    if kind == 1:
        return f"p{index:04d}.j2", "{% set tone = 'plain' %}\nUser: {{ user_name }}\n" + body + "Q: {{ question }}\n"
    content = body.replace("\n", "\n      ")
    return (
        f"p{index:04d}.yaml",
        f"messages:\n  - role: system\n    content: |\n      {content}\n  - role: user\n    content: hi\n",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--model", default="gpt-4o")
    args = parser.parse_args()

    from tokcli.inputs import collect_inputs
    from tokcli.lint.config import LintSettings
    from tokcli.lint.engine import Linter, lint_inputs

    work = Path(__file__).resolve().parent / ".work" / "lint"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    rng = random.Random(4)
    total_bytes = 0
    for index in range(args.files):
        name, text = make_prompt(rng, index)
        (work / name).write_text(text, encoding="utf-8")
        total_bytes += len(text.encode("utf-8"))

    started = time.perf_counter()
    linter = Linter(LintSettings(select=["ALL"]), model=args.model)
    linter.counter.count("warm up")
    loaded = time.perf_counter()
    # bench/.work is git-ignored, so name the files rather than the directory
    inputs = collect_inputs([str(path) for path in sorted(work.iterdir())])
    report = lint_inputs(inputs.texts, linter)
    finished = time.perf_counter()
    summary = report.summary()
    print(
        f"linted {len(report.files):,} files ({total_bytes / 1e6:.1f} MB) with all {len(report.rules)} rules "
        f"({summary['tokenizer']}) in {finished - loaded:.2f} s "
        f"(+{loaded - started:.2f} s tokenizer load): {summary['findings']:,} findings, "
        f"{summary['tokens_wasted']:,} tokens wasted per call, {len(report.errors)} errors; "
        f"{(finished - loaded) / max(1, len(report.files)) * 1000:.1f} ms per file"
    )


if __name__ == "__main__":
    main()
