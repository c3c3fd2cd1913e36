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


def test_recall_on_a_planted_set_of_600_texts() -> None:
    """Emails, phones in four countries' formats, known and unknown names, order numbers, addresses."""
    import re
    from collections import Counter

    from personacraft.demo.pii import planted_pii

    texts, known = planted_pii(600, seed=0)
    redact = Redactor.from_names([f for f, _ in known], [last for _, last in known])

    def leaked(kind: str, x: str, out: str) -> bool:
        if kind == "phone":  # no run of the number's last seven digits survives
            return re.sub(r"\D", "", x)[-7:] in re.sub(r"\D", "", out)
        if kind == "order":
            return re.sub(r"\D", "", x) in out
        if kind in ("known_name", "other_name"):
            return any(w in out for w in x.split())
        if kind == "address":
            return x.split()[0] + " " in out or x in out
        return x in out

    found, total = Counter[str](), Counter[str]()
    for t in texts:
        out = redact(t.text)
        for kind, x in t.pii:
            total[kind] += 1
            found[kind] += not leaked(kind, x, out)
    assert sum(total.values()) >= 700 and set(total) == {
        "email",
        "phone",
        "known_name",
        "other_name",
        "order",
        "address",
    }
    recall = sum(found.values()) / sum(total.values())
    assert recall >= 0.99, {k: f"{found[k]}/{total[k]}" for k in total}
    for kind in total:
        assert found[kind] / total[kind] >= 0.97, (kind, found[kind], total[kind])


def test_ordinary_sentences_are_left_alone() -> None:
    from personacraft.demo.retail_personas import PERSONAS

    for text in [s for p in PERSONAS for s in (*p.pains, *p.praise)]:
        assert Redactor()(text) == text
    assert Redactor()("Will this arrive before June? Grace period please.") == (
        "Will this arrive before June? Grace period please."
    )
