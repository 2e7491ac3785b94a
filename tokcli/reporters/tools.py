"""The per-tool table of tool definitions (name, description tokens, schema tokens, total), most costly first,
with totals; and the JSON form of a request's tool figures. Shared by count and cost."""

from __future__ import annotations

from typing import Any

from tokcli.tool_tokens import RequestTokens, sorted_by_cost

ESTIMATE_MARK = "~"


def request_json(request: RequestTokens) -> dict[str, Any]:
    """A request's tool figures for JSON outputs (`tools` of a result item)."""
    return {
        "method": request.method,
        "exact": request.exact,
        "definitions": request.definitions,
        "overhead": request.overhead,
        "tool_choice": request.tool_choice,
        "response_format": request.response_format,
        "calls": request.calls,
        "images": request.images,
        "uncounted_images": request.uncounted_images,
        "tools": [
            {
                "name": tool.name,
                "line": tool.line,
                "description_tokens": tool.description,
                "schema_tokens": tool.schema,
                "tokens": tool.total,
            }
            for tool in sorted_by_cost(request.tools)
        ],
    }


def tool_rows(request: RequestTokens) -> list[list[str]]:
    """Rows of the per-tool table: one per tool, then the per-request overhead and the total."""
    mark = "" if request.exact else ESTIMATE_MARK
    rows = [
        [tool.name, f"{tool.description:,}", f"{tool.schema:,}", f"{mark}{tool.total:,}"]
        for tool in sorted_by_cost(request.tools)
    ]
    descriptions = sum(tool.description for tool in request.tools)
    schemas = sum(tool.schema for tool in request.tools)
    for label, value in (
        ("(per request)", request.overhead),
        ("(tool_choice)", request.tool_choice),
        ("(response_format)", request.response_format),
        ("(tool calls)", request.calls),
    ):
        if value:
            rows.append([label, "", "", f"{mark}{value:,}"])
    rows.append(
        [f"total ({len(request.tools)} tools)", f"{descriptions:,}", f"{schemas:,}", f"{mark}{request.tool_total:,}"]
    )
    if request.images:  # counted with the messages, shown here because they are priced by formula, not text
        rows.append(["(images, in the messages)", "", "", f"{mark}{request.images:,}"])
    return rows


HEADERS = ["tool", "description", "schema", "total"]


def title(path: str, label: str, request: RequestTokens) -> str:
    how = {"openai-cookbook": "OpenAI cookbook rendering", "anthropic": "JSON + Anthropic tool-use prompt"}
    return f"{path} — tools on {label} ({how.get(request.method, 'JSON, estimate')})"


def render_tool_table(path: str, label: str, request: RequestTokens) -> Any:
    from rich.table import Table

    table = Table(title=title(path, label, request), header_style="bold", title_justify="left")
    table.add_column(HEADERS[0])
    for header in HEADERS[1:]:
        table.add_column(header, justify="right")
    rows = tool_rows(request)
    for index, row in enumerate(rows):
        table.add_row(*row, end_section=index == len(rows) - 2)
    return table


def render_tool_plain(path: str, label: str, request: RequestTokens) -> str:
    from tokcli.reporters.columns import aligned_lines

    return "\n".join([title(path, label, request), *aligned_lines([HEADERS, *tool_rows(request)])]) + "\n"
