"""TK9xx and inline suppressions in each file's own comment syntax."""

from __future__ import annotations

from lint_support import hits


def test_jinja_comment_suppresses_on_its_line() -> None:
    source = "In order to help, answer. {# tokcli: noqa TK303 #}\nIn order to help, answer.\n"
    assert hits(source, ["TK303", "TK901"], path="p.j2", dedent=False) == [(2, 1, "TK303")]


def test_comment_alone_on_a_line_covers_the_next_line() -> None:
    source = "<!-- tokcli: noqa TK303 -->\nIn order to help, answer.\nIn order to help, answer.\n"
    assert hits(source, ["TK303", "TK901"], dedent=False) == [(3, 1, "TK303")]


def test_names_work_like_codes_and_blanket_noqa_covers_all() -> None:
    source = "In order to help!!!!!!!!! # tokcli: noqa verbose-phrase\nIn order to help!!!!!!!!! # tokcli: noqa\n"
    assert hits(source, ["TK303", "TK306", "TK901"], path="p.txt", dedent=False) == [(1, 17, "TK306")]


def test_yaml_comment_in_a_chat_file() -> None:
    source = (
        "messages:\n"
        "  - role: system\n"
        "    content: In order to help, answer briefly.  # tokcli: noqa TK303\n"
        "  - role: user\n"
        "    content: In order to help, answer briefly.\n"
    )
    assert hits(source, ["TK303"], path="c.yaml", dedent=False) == [(5, 14, "TK303")]


def test_noqa_file() -> None:
    source = "{# tokcli: noqa-file TK303 #}\nIn order to help!!!!!!\nIn order to help!!!!!!\n"
    assert hits(source, ["TK303", "TK306", "TK901"], path="p.j2", dedent=False) == [
        (2, 17, "TK306"),
        (3, 17, "TK306"),
    ]


def test_unused_suppression() -> None:
    source = "Answer briefly. <!-- tokcli: noqa TK301 -->\nBe exact. <!-- tokcli: noqa -->\n"
    assert hits(source, ["TK301", "TK901"], dedent=False) == [(1, 17, "TK901"), (2, 11, "TK901")]


def test_used_suppression_is_not_reported() -> None:
    source = "Could you please answer briefly? <!-- tokcli: noqa TK301 -->\n"
    assert hits(source, ["TK301", "TK901"], dedent=False) == []


def test_suppression_for_a_disabled_rule_is_not_unused() -> None:
    source = "Answer briefly. <!-- tokcli: noqa TK306 -->\n"
    assert hits(source, ["TK301", "TK901"], dedent=False) == []


def test_unknown_code_in_suppression() -> None:
    source = "Answer briefly. {# tokcli: noqa TK999 #}\n"
    assert hits(source, ["TK902"], path="p.j2", dedent=False) == [(1, 17, "TK902")]
    assert (
        hits("Answer. {# tokcli: noqa TK301 -- greeting is intended #}\n", ["TK902"], path="p.j2", dedent=False) == []
    )
