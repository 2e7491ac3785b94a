"""The install hint of an optional extra follows how tokcli was installed (`tokcli.extras`)."""

from __future__ import annotations

import pytest

from tokcli import extras


@pytest.fixture(autouse=True)
def _fresh() -> None:
    extras._installed_from_index.cache_clear()


def test_installed_from_a_path_the_hint_names_the_extras_packages() -> None:
    # the tests run on an installation from the clone (`pip install -e '.[all,dev]'`): no index has tokcli
    assert extras._installed_from_index() is False
    assert extras.install_hint("llama") == "pip install 'llama-models>=0.3.0'"
    assert extras.install_hint("mistral") == "pip install 'mistral-common>=1.5' 'sentencepiece>=0.2'"
    # an extra of extras is expanded, each package once
    hint = extras.install_hint("all")
    assert "tokcli[" not in hint and hint.count("'llama-models>=0.3.0'") == 1 and "'sentencepiece>=0.2'" in hint
    assert "\n" not in hint


def test_installed_from_an_index_the_hint_is_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(extras, "_installed_from_index", lambda: True)
    assert extras.install_hint("llama") == "pip install 'tokcli[llama]'"


def test_an_extra_tokcli_does_not_declare_falls_back_to_its_name() -> None:
    assert extras.install_hint("no-such-extra") == "pip install 'tokcli[no-such-extra]'"
