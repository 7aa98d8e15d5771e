"""`manage.py evaluate_recommenders` on CSV logs: its JSON, and malformed files refused."""

import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

HEADER = "user_id,item_id,timestamp,category,item_lat,item_lon,user_lat,user_lon\n"


def write_log(path, *, users: int = 40, per_user: int = 8, seed: int = 1) -> None:
    """A small log: users choose among 30 items, some much more popular than others."""
    rng = np.random.default_rng(seed)
    lines = [HEADER]
    for user in range(users):
        items = rng.choice(30, size=per_user, replace=False, p=np.linspace(3, 1, 30) / 60)
        for step, item in enumerate(items):
            lat, lon = 45 + item / 100, 4 + item / 100
            lines.append(
                f"u{user},i{item},{1_600_000_000 + 3600 * (step * users + user)},"
                f"c{item % 3},{lat},{lon},45.1,4.1\n"
            )
    path.write_text("".join(lines))


def evaluate(path, *options) -> str:
    out = StringIO()
    call_command("evaluate_recommenders", "--interactions", str(path), *options, stdout=out)
    return out.getvalue()


def test_json_has_the_documented_shape_and_every_metric(tmp_path):
    log = tmp_path / "log.csv"
    write_log(log)

    document = json.loads(evaluate(log, "--json", "--k", "5", "--split", "user-time"))

    assert set(document) == {"k", "split", "strategies"} and document["k"] == 5
    split = document["split"]
    assert split["kind"] == "user-time" and split["test_fraction"] == 0.2
    assert split["train_interactions"] + split["test_interactions"] == 40 * 8
    assert split["test_interactions"] == 40 * 1 and split["users_evaluated"] > 0
    assert list(document["strategies"]) == ["popular", "geo", "itemknn", "ease"]
    expected = {
        f"{name}@5"
        for name in [
            "precision",
            "recall",
            "ndcg",
            "map",
            "coverage",
            "ild",
            "novelty",
            "multi_category_share",
            "new_category_hit",
        ]
    } | {"new_category_users", "fit_seconds", "recommend_seconds", "params"}
    for figures in document["strategies"].values():
        assert set(figures) == expected
        assert 0 <= figures["ndcg@5"] <= 1


def test_users_evaluates_a_sample_of_the_eligible_users(tmp_path):
    log = tmp_path / "log.csv"
    write_log(log)
    whole = json.loads(evaluate(log, "--json", "--strategies", "popular"))["split"]

    sampled = json.loads(evaluate(log, "--json", "--strategies", "popular", "--users", "7"))
    again = json.loads(evaluate(log, "--json", "--strategies", "popular", "--users", "7"))

    assert whole["users_evaluated"] == whole["users_eligible"] > 7
    assert sampled["split"]["users_evaluated"] == 7
    assert sampled["split"]["users_eligible"] == whole["users_eligible"]
    assert sampled["strategies"]["popular"]["ndcg@10"] == again["strategies"]["popular"]["ndcg@10"]
    table = evaluate(log, "--strategies", "popular", "--users", "7")
    assert f"users_evaluated=7 (drawn from {whole['users_eligible']})" in table


def test_strategies_needing_a_missing_column_are_skipped_with_a_note(tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(
        "user_id,item_id,timestamp\n"
        + "".join(f"u{n % 4},i{n % 7},2024-01-{1 + n:02d}T10:00:00Z\n" for n in range(28))
    )
    err = StringIO()
    out = StringIO()

    call_command(
        "evaluate_recommenders", "--interactions", str(log), "--json", stdout=out, stderr=err
    )

    assert "geo skipped" in err.getvalue() and "item_location" in err.getvalue()
    assert "geo" not in json.loads(out.getvalue())["strategies"]


def test_a_log_with_a_byte_order_mark_reads_as_without(tmp_path):
    plain, marked = tmp_path / "plain.csv", tmp_path / "marked.csv"
    write_log(plain)
    marked.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())

    figures = [
        json.loads(evaluate(log, "--json", "--strategies", "popular,geo"))
        for log in (plain, marked)
    ]

    assert figures[0]["split"] == figures[1]["split"]
    assert {name: strategy["ndcg@10"] for name, strategy in figures[1]["strategies"].items()} == {
        name: strategy["ndcg@10"] for name, strategy in figures[0]["strategies"].items()
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("user_id,timestamp\nu1,2024-01-01\n", "line 1: missing column(s) item_id"),
        (
            "user_id,item_id,timestamp\nu1,i1,2024-01-01\nu1,i2,yesterday\n",
            "line 3: timestamp 'yesterday'",
        ),
        ("", "line 1: the file is empty"),
        (
            "user_id;item_id;timestamp\nu1;i1;2024-01-01\n",
            "line 1: missing column(s) user_id, item_id, timestamp (is the delimiter a comma?)",
        ),
        ("user_id,item_id,timestamp\nu1,i1\n", "line 2: 2 fields where the header has 3"),
        (
            "user_id,item_id,timestamp,item_lat,item_lon\nu1,i1,0,45.0,\n",
            "line 2: item a latitude without a longitude",
        ),
        (
            "user_id,item_id,timestamp\nu1,i1,0\n" + "u" * 200_000 + ",i2,0\n",
            "line 3: field larger than field limit (131072).",
        ),
    ],
    ids=[
        "missing column",
        "bad timestamp",
        "empty",
        "wrong delimiter",
        "short row",
        "half pair",
        "huge cell",
    ],
)
def test_a_malformed_log_is_refused_with_its_line_number(tmp_path, content, message):
    log = tmp_path / "log.csv"
    log.write_text(content)

    with pytest.raises(CommandError) as refused:
        evaluate(log)

    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_bad_options_are_refused(tmp_path):
    log = tmp_path / "log.csv"
    write_log(log)

    with pytest.raises(CommandError, match="Unknown strategy"):
        evaluate(log, "--strategies", "popular,astrology")
    with pytest.raises(CommandError, match="--k"):
        evaluate(log, "--k", "0")
    with pytest.raises(CommandError, match="--users must be at least 1"):
        evaluate(log, "--users", "0")
    with pytest.raises(CommandError, match="No such file"):
        evaluate(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--k", str(10**12)], "--k must be between 1 and 1000."),
        (["--k", str(10**30)], "--k must be between 1 and 1000."),
    ],
)
def test_lists_longer_than_any_page_are_refused_before_any_work(tmp_path, options, message):
    log = tmp_path / "log.csv"
    write_log(log)

    with pytest.raises(CommandError) as refused:
        evaluate(log, "--strategies", "popular", *options)

    assert str(refused.value) == message


def test_the_longest_lists_are_evaluated(tmp_path):
    log = tmp_path / "log.csv"
    write_log(log)

    document = json.loads(evaluate(log, "--json", "--k", "1000"))

    assert document["k"] == 1000
    assert list(document["strategies"]) == ["popular", "geo", "itemknn", "ease"]


def test_a_test_fraction_leaving_the_tuning_split_nothing_to_test_is_evaluated(tmp_path):
    # With 99 % in test, each user keeps one training booking: the validation split
    # carved from it has no relevant item, which the new-category metric choked on.
    log = tmp_path / "log.csv"
    write_log(log)

    document = json.loads(
        evaluate(log, "--json", "--strategies", "popular", "--test-fraction", "0.99")
    )

    assert document["split"]["train_interactions"] == 40
    assert document["strategies"]["popular"]["ndcg@10"] > 0
