import pytest

from personacraft.text.redact import Redactor

R = Redactor.from_names(["Valerie", "Diane"], ["Myers", "Woods"])


@pytest.mark.parametrize(
    ("text", "gone", "placeholder"),
    [
        ("Reach me at valerie.myers0@hotmail.com please", "valerie.myers0@hotmail.com", "[email]"),
        ("Call me at +1 (791) 555-0717.", "555-0717", "[phone]"),
        ("Order #1993 never came", "#1993", "[order]"),
        ("my order number 48213 is late", "48213", "[order]"),
        ("Ship to 7219 Cynthia Grove Apt 4, thanks", "7219 Cynthia Grove", "[address]"),
        ("Valerie Myers was very kind", "Valerie Myers", "[name]"),
        ("see https://shop.example/account?id=993", "id=993", "[link]"),
    ],
)
def test_personal_data_is_replaced(text: str, gone: str, placeholder: str) -> None:
    out = R(text)
    assert gone not in out and placeholder in out


def test_author_names_and_ordinary_text() -> None:
    assert R("Thanks, Woods family", also=["Woods"]) == "Thanks, [name] family"
    plain = "Shipping costs are too high for small orders placed on 2024-12-28."
    assert R(plain) == plain
