"""Brand on every text: a brand column or a fixed brand, ours, rejects for no or unknown brand, social handles."""

from tests.sources.conftest import Loader, rejects

TRUSTPILOT = "Review Id,Review Created (UTC),Review Title,Review Content,Review Stars,Review Username,Company\n"


def test_a_brand_column_is_read_and_rows_without_brand_are_rejected(load: Loader) -> None:
    text = TRUSTPILOT + (
        "r1,2024-05-01T10:00:00Z,Slow,Delivery was far too slow,1,Ann L,Rival Co\n"
        "r2,2024-05-02T10:00:00Z,Ok,Fine product,4,Bob,\n"
        "r3,2024-05-03T10:00:00Z,Ok,Nice fabrics,5,Cy,Other Brand\n"
    )
    acc, run = load("reviews", "tp.csv", text, brands=["Rival Co", "Acme"])
    assert (acc.read, acc.accepted, acc.rejected) == (3, 1, 2)
    [row] = run.dicts(f"SELECT brand, ours FROM {run.t('texts')}")
    assert row == {"brand": "Rival Co", "ours": None}
    reasons = [r["reason"] for r in rejects(run)]
    assert reasons[0] == "has no brand" and reasons[1].startswith("unknown brand 'Other Brand'")


def test_a_fixed_brand_and_ours(load: Loader) -> None:
    text = "rating,date,title,body\n2,2024-01-01,Meh,Too much plastic in the box\n"
    _, run = load("reviews", "generic.csv", text, brand="Acme", ours=False)
    assert run.dicts(f"SELECT brand, ours FROM {run.t('texts')}") == [{"brand": "Acme", "ours": False}]
    # brand naming a column of the file maps it (Google Play's "Package Name")
    play = "Package Name,Star Rating,Review Text,Review Submit Date and Time\ncom.rival,1,Crashes on start,2024-01-02\n"
    _, run = load("reviews", "play.csv", play, brand="Package Name")
    assert run.dicts(f"SELECT brand FROM {run.t('texts')}") == [{"brand": "com.rival"}]


def test_app_store_attributes_are_detected(load: Loader) -> None:
    text = "rating,title,body,reviewerNickname,createdDate,territory\n1,Bad,Keeps crashing,annie77,2017-11-15,USA\n"
    _, run = load("reviews", "appstore.csv", text, brand="RivalApp", ours=False)
    [row] = run.dicts(f"SELECT rating, body, author_name, brand FROM {run.t('texts')}")
    assert row == {"rating": 1, "body": "Keeps crashing", "author_name": "annie77", "brand": "RivalApp"}


def test_social_handles_are_hashed_and_never_kept(load: Loader) -> None:
    text = (
        "platform,author,date,text,brand\n"
        'x,@jane_doe,2025-01-02,"Rival Co shipping is so slow, @bob agrees",Rival Co\n'
        "x,@sam,2025-01-03,,Rival Co\n"
        "reddit,u123,2025-01-04,Never answers,\n"
    )
    acc, run = load("social", "social.csv", text)
    assert (acc.read, acc.accepted, acc.rejected) == (3, 1, 2)
    [row] = run.dicts(f"SELECT * FROM {run.t('texts')}")
    assert row["kind"] == "social" and row["brand"] == "Rival Co" and row["author_name"] is None
    assert "jane" not in row["text_id"] and len(row["text_id"].split(":")[2]) == 16
    everything = str(run.dicts(f"SELECT * FROM {run.t('texts')}")) + str(
        [r for (r,) in run.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    )
    assert "@jane_doe" not in everything.replace(row["body"], "")
