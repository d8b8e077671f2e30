"""`carepath.run`: the command's numbers, byte for byte, and the tables an analyst reads."""

import csv
import io
import math

import pandas as pd
import pytest

import carepath
from conftest import SCENARIOS

PAIR = [SCENARIOS / "baseline.toml", SCENARIOS / "closer2home.toml"]


@pytest.fixture(scope="module")
def pair():
    return carepath.run(PAIR, reps=4, seed=11)


@pytest.fixture(scope="module")
def pair_cli(cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    code, _, err = cli("run", *PAIR, "--reps", 4, "--seed", 11, "--out", out)
    assert code == 0, err
    return out


def test_every_table_is_the_commands_byte_for_byte(pair, pair_cli, tmp_path):
    pair.write(tmp_path)
    files = ["summary.csv", "comparison.csv"]
    for name in ("baseline", "closer2home"):
        files += [f"{name}/summary.csv", f"{name}/daily.csv", f"{name}/occupancy.csv", f"{name}/summary.json"]
    for f in files:
        assert (tmp_path / f).read_bytes() == (pair_cli / f).read_bytes(), f
    assert (tmp_path / "report.html").stat().st_size > 10_000
    assert (tmp_path / "baseline" / "charts").is_dir()


def test_data_frames_hold_the_files_values_exactly(pair, pair_cli):
    for frame, path in ((pair.summary, "summary.csv"), (pair.comparison, "comparison.csv")):
        rows = list(csv.DictReader(io.StringIO((pair_cli / path).read_text())))
        assert len(frame) == len(rows) > 100
        assert list(frame.columns) == list(rows[0])
        for i, row in enumerate(rows):
            for column, text in row.items():
                value = frame.at[i, column]
                if text == "" and frame[column].dtype.kind == "f":
                    assert math.isnan(value), (path, i, column)
                    continue
                try:
                    expected = float(text)
                except ValueError:
                    assert value == text, (path, i, column)
                    continue
                assert value == expected or (math.isnan(expected) and math.isnan(value)), (path, i, column)


def test_daily_series_have_a_scenario_column_and_dates(pair, pair_cli):
    daily = pair.daily
    assert list(daily.columns[:2]) == ["scenario", "date"]
    assert pd.api.types.is_datetime64_any_dtype(daily["date"])
    base = daily[daily["scenario"] == "baseline"].drop(columns="scenario").reset_index(drop=True)
    cli_daily = pd.read_csv(pair_cli / "baseline" / "daily.csv", **carepath._EXACT)
    assert len(base) == len(cli_daily)
    assert (base["mean"].to_numpy() == cli_daily["mean"].to_numpy()).all()
    assert set(daily["scenario"]) == {"baseline", "closer2home"}


def test_headline_and_years_agree_with_the_summary(pair):
    s = pair.summary
    overall = s[(s.subject == "") & (s.period == "overall") & (s.metric == "admissions")]
    head = pair.headline()
    assert list(head.index) == ["baseline", "closer2home"]
    assert head.loc["closer2home", "admissions"] == overall[overall.scenario == "closer2home"]["mean"].item()
    years = pair.by_year
    assert list(years.period[years.scenario == "baseline"]) == ["2022/23", "2023/24", "2024/25", "2025/26", "2026/27"]
    # Counts over the whole horizon are the sum of their financial years.
    total = years[years.scenario == "baseline"]["referrals"].sum()
    assert total == pytest.approx(s[(s.scenario == "baseline") & (s.subject == "") & (s.period == "overall")
                                    & (s.metric == "referrals")]["mean"].item(), rel=1e-12)


def test_the_seed_and_replications_are_the_runs(pair):
    other = carepath.run(PAIR[0], reps=4, seed=12)
    s = pair.summary
    assert s["n"].max() == 4
    mine = s[s.scenario == "baseline"].reset_index(drop=True)
    assert not mine["mean"].equals(other.summary["mean"]), "another seed, other numbers"


def test_results_do_not_depend_on_the_thread_count():
    one = carepath.run(PAIR, reps=6, seed=3, threads=1)
    two = carepath.run(PAIR, reps=6, seed=3, threads=2)
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    pd.testing.assert_frame_equal(one.daily, two.daily, check_exact=True)
    pd.testing.assert_frame_equal(one.comparison, two.comparison, check_exact=True)


def test_a_sweep_is_compared_with_its_first_point(cli, tmp_path):
    r = carepath.run(PAIR[0], reps=3, sweep="wards.gau.beds=10,14")
    assert r.scenarios == ["baseline__beds=10", "baseline__beds=14"]
    assert set(r.comparison["scenario"]) == {"baseline__beds=14"}
    code, _, err = cli("run", PAIR[0], "--reps", 3, "--sweep", "wards.gau.beds=10,14", "--out", tmp_path)
    assert code in (0, 1), err  # 1: the baseline's own checks fail with 10 beds
    assert r._native.comparison_csv() == (tmp_path / "comparison.csv").read_bytes()


def test_nothing_to_compare_is_an_empty_table_with_its_columns():
    r = carepath.run(PAIR[0], reps=2)
    assert r.comparison.empty
    assert list(r.comparison.columns[:3]) == ["baseline", "scenario", "metric"]


def test_checks_are_reported_not_raised():
    r = carepath.run(PAIR[0], reps=2, check=["referrals<=0", "referrals>=0"])
    mine = r.checks[r.checks["check"].str.startswith("referrals")].reset_index(drop=True)
    assert list(mine["passed"]) == [False, True]
    assert not r.checks_passed
    assert mine["mean"][0] > 0
    assert len(r.checks) > 2, "the scenario's own [[check]]s too"
    assert carepath.run(PAIR[0], reps=2, check="referrals>=0").checks_passed


def test_set_takes_the_commands_arguments_or_a_dict():
    a = carepath.run(PAIR[0], reps=2, set="wards.gau.beds=10")
    b = carepath.run(PAIR[0], reps=2, set={"wards.gau.beds": 10})
    c = carepath.run(PAIR[0], reps=2)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    assert not a.summary["mean"].equals(c.summary["mean"])


def test_write_is_refused_while_another_run_holds_the_folder(pair, tmp_path):
    import fcntl

    (tmp_path / ".carepath").mkdir()
    with open(tmp_path / ".carepath" / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(carepath.ScenarioError, match="another carepath run"):
            pair.write(tmp_path)
    assert not (tmp_path / "summary.csv").exists()


def test_ctrl_c_stops_a_long_run_promptly_and_the_next_run_works():
    """SIGINT half a second into a run of 60,000 replications (about 25 s) raises
    KeyboardInterrupt within a few seconds, not when the run would have ended; the next run is
    not stopped by it. Python's own handler is installed for the test: a process started in the
    background inherits SIGINT ignored, and Python then installs none."""
    import os
    import signal
    import threading
    import time

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            carepath.run(SCENARIOS / "baseline.toml", reps=60_000)
        assert time.monotonic() - start < 5
    finally:
        signal.signal(signal.SIGINT, previous)
    again = carepath.run(SCENARIOS / "baseline.toml", reps=2)
    assert len(again.summary) > 0
