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


def test_missing_extra_gives_the_install_line() -> None:
    with pytest.raises(ImportError, match=r"pip install 'personacraft\[nlp\]'"):
        raise errors.MissingExtraError("Sentence embeddings", "nlp")
