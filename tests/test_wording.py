"""Plain words for channels, events, emotions, survey questions and lifts."""

from __future__ import annotations

import pytest

from personacraft.wording import (
    channel_label,
    emotion_words,
    event_label,
    fit_words,
    lift_words,
    path_label,
    question_label,
)


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("facebook / cpc", "Facebook ads"),
        ("(direct) / (none)", "Direct"),
        ("google / organic", "Google search"),
        ("instagram / social", "Instagram posts"),
        ("newsletter / email", "Newsletter"),
        ("trailblog.example / referral", "Link on Trailblog"),
        ("www.reddit.com / referral", "Link on Reddit"),
        ("tiktok / social", "TikTok posts"),
        ("email", "Email"),
    ],
)
def test_channels_are_named_as_a_marketer_would(raw: str, plain: str) -> None:
    assert channel_label(raw) == plain


def test_events_and_paths() -> None:
    assert event_label("begin_checkout") == "Started checkout"
    assert event_label("Order Completed") == "Bought"
    assert event_label("trial_started") == "Trial started"
    assert path_label("page_view → begin_checkout") == "Viewed a page → Started checkout"


@pytest.mark.parametrize(
    ("question", "short"),
    [
        ("What's your main goal when you shop with us?", "Main goal"),
        ("How did you first hear about us?", "How they found us"),
        ("Which product category do you buy most often?", "Product category"),
        ("How many people work at your company?", "Company size"),
        ("What almost stopped you from buying?", "What almost stopped them from buying"),
        ("Would you recommend us to a friend or a colleague at work?", "Would they recommend us to a friend"),
    ],
)
def test_survey_questions_get_short_names(question: str, short: str) -> None:
    assert question_label(question) == short
    assert not question_label(question).endswith(("…", "?"))


def test_emotion_and_lift_in_words() -> None:
    assert emotion_words(-0.33) == "unhappy"
    assert emotion_words(0.0) == "neutral"
    assert emotion_words(0.7) == "delighted"
    assert emotion_words(None) == "unknown"
    assert lift_words(2.192) == "2.2× more common than average"
    assert lift_words(0.4) == "2.5× less common than average"
    assert lift_words(1.0) == "about as common as average"


def test_fit_words_say_how_clearly_members_fit() -> None:
    assert fit_words(0.01, None) == "Most members fit this persona clearly."
    assert fit_words(0.08, "Deal hunter") == "Most members fit this persona clearly; 8% are in between it and another."
    assert fit_words(0.31, "Deal hunter") == "Many members (31%) are in between this persona and Deal hunter."
    assert fit_words(0.31, None) == "Many members (31%) are in between this persona and another."
