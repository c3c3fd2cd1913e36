import sys

import pytest

from personacraft import errors


def test_one_root_and_builtin_parents() -> None:
    assert issubclass(errors.ConfigError, ValueError)
    assert issubclass(errors.SourceNotFoundError, FileNotFoundError)
    assert issubclass(errors.MissingExtraError, ImportError)
    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == errors.__name__:
            assert issubclass(obj, errors.PersonaError)
            assert isinstance(obj.exit_code, int)
            assert 400 <= obj.http_status <= 599


def test_input_format_error_names_file_line_column_value() -> None:
    e = errors.InputFormatError(
        "/x/orders.csv", "is not a date", line=1204, column="Created at", value="31/02/2025", hint="e.g. 2025-02-28"
    )
    assert str(e) == "orders.csv, line 1,204, column \"Created at\": '31/02/2025' is not a date (e.g. 2025-02-28)"


def test_missing_text_extra_is_named_when_minilm_is_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without torch and sentence-transformers, asking for MiniLM themes names the extra to install."""
    from personacraft.text import themes

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import fails as when not installed
    assert not themes.model_available()
    with pytest.raises(errors.MissingExtraError, match=r"pip install 'personacraft\[text\]'") as caught:
        themes.find_themes(["the parcel came late"] * 3, method="minilm")
    assert isinstance(caught.value, ImportError) and caught.value.exit_code == 9
    # "auto" falls back to TF-IDF instead
    assert themes.find_themes(
        ["the parcel came late", "late parcel again", "great fit"] * 20, method="auto"
    ).method == ("tfidf")
