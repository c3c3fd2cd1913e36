from tests.sources.conftest import Loader, rejects

JUDGEME = (
    "title,body,rating,review_date,source,curated,reviewer_name,reviewer_email,product_id,product_handle,reply,"
    "reply_date,picture_urls,ip_address,location,metaobject_handle\n"
)


def test_judgeme_reviews(load: Loader) -> None:
    text = JUDGEME + (
        'Late,"Arrived late, twice.",2,2024-02-03 10:11:12 UTC,email,ok,Ann Lee,ann@x.com,1,mug,,,,,,\n'
        "Good,,5,2024-02-04 10:11:12 UTC,web,ok,Bob,bob@x.com,1,mug,,,,,,\n"
        ",,,2024-02-05 10:11:12 UTC,web,ok,Cy,cy@x.com,1,mug,,,,,,\n"
        "x,y,five,2024-02-05,web,ok,Di,di@x.com,1,mug,,,,,,\n"
    )
    acc, run = load("reviews", "judgeme.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (4, 2, 2)
    rows = run.dicts(f"SELECT * FROM {run.t('texts')} ORDER BY _line")
    assert rows[0]["kind"] == "review" and rows[0]["rating"] == 2 and rows[0]["email"] == "ann@x.com"
    assert str(rows[0]["created_at"]) == "2024-02-03 10:11:12"
    assert rows[1]["body"] is None and rows[1]["title"] == "Good"  # a rating-only review is kept
    assert [(r["line"], r["column_name"]) for r in rejects(run)] == [(4, "body"), (5, "rating")]


def test_review_columns_are_detected_by_name(load: Loader) -> None:
    text = "Review ID,Date,Stars,Review Title,Review Content,Email\nr1,2024-01-01,4,Nice,Works well,a@x.com\n"
    _, run = load("reviews", "trustpilot.csv", text)
    [row] = run.dicts(f"SELECT * FROM {run.t('texts')}")
    assert (row["text_id"], row["rating"], row["title"], row["body"]) == ("r1", 4, "Nice", "Works well")


def test_typeform_unpivots_questions_and_uses_hidden_email(load: Loader) -> None:
    text = (
        '"#",How old are you?,What is your main goal?,email,Start Date (UTC),Submit Date (UTC),Network ID\n'
        "abc,25-34,Save money,ANN@x.com,2024-01-01 10:00:00,2024-01-01 10:02:00,n1\n"
        "def,,,bob@x.com,2024-01-01 10:00:00,2024-01-01 10:02:00,n2\n"
        "ghi,35-44,,cy@x.com,2024-01-01 10:00:00,2024-13-01 10:02:00,n3\n"
    )
    acc, run = load("typeform", "responses.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (3, 1, 2)
    rows = run.dicts(f"SELECT * FROM {run.t('survey_answers')} ORDER BY question")
    assert [(r["question"], r["answer"], r["email"]) for r in rows] == [
        ("How old are you?", "25-34", "ANN@x.com"),
        ("What is your main goal?", "Save money", "ANN@x.com"),
    ]
    first = rejects(run)[0]
    assert (first["line"], first["reason"]) == (3, "response has no answers")
    assert rejects(run)[1]["column_name"] == "Submit Date (UTC)"


def test_trustpilot_and_google_play_layouts(load: Loader) -> None:
    trustpilot = (
        "Review Id,Review Created (UTC),Review Consumer User Id,Review Title,Review Content,Review Stars,"
        "Source Of Review,Review User Email,Review Username\n"
        "5f1,2024-05-01T10:00:00Z,u1,Late,Arrived two weeks late,1,Invitation,a@x.com,Ann L\n"
    )
    _, run = load("reviews", "trustpilot.csv", trustpilot)
    [row] = run.dicts(f"SELECT * FROM {run.t('texts')}")
    assert (row["text_id"], row["rating"], row["body"], row["email"], row["author_name"]) == (
        "5f1",
        1.0,
        "Arrived two weeks late",
        "a@x.com",
        "Ann L",
    )
    play = (
        "Package Name,App Version Code,Reviewer Language,Device,Review Submit Date and Time,"
        "Review Submit Millis Since Epoch,Star Rating,Review Title,Review Text,Review Link\n"
        'com.example.app,240,en,pixel7,2026-01-02T03:04:05Z,1767323045000,2,,"Crashes on start,\nevery time",https://play.google.com/x?reviewId=gp%3A1\n'
    )
    acc, run = load("reviews", "reviews_reviews_com.example.app_202601.csv", play.encode("utf-16"))
    assert acc.encodings[acc.files[0]] == "utf-16"
    [row] = run.dicts(f"SELECT * FROM {run.t('texts')}")
    assert (row["rating"], row["body"], str(row["created_at"])) == (
        2.0,
        "Crashes on start,\nevery time",
        "2026-01-02 03:04:05",
    )
