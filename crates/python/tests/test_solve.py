"""`carepath.solve`: the command's answer and table."""

import json

import pytest

import carepath
from conftest import SCENARIOS

FILE = SCENARIOS / "closer2home.toml"
ARGS = dict(vary="wards.gau.beds=10..30", target="oap_placements@2026/27<=12", reps=5, max_reps=20)


def test_the_answer_is_the_commands(cli, tmp_path):
    s = carepath.solve(FILE, **ARGS)
    code, out, err = cli("solve", FILE, "--vary", ARGS["vary"], "--target", ARGS["target"], "--reps", 5,
                         "--max-reps", 20, "--json", "--out", tmp_path / "cli")
    assert code == 0, err
    assert s.answer == json.loads(out)
    assert isinstance(s.value, int) and 10 <= s.value <= 30
    s.write(tmp_path / "py")
    for f in ("solve/solve.csv", "summary.csv"):
        assert (tmp_path / "py" / f).read_bytes() == (tmp_path / "cli" / f).read_bytes(), f
    assert s.table.columns[0] == "wards.gau.beds"
    assert str(s).startswith("the smallest wards.gau.beds in 10..30 meeting")


def test_the_answer_meets_the_target_and_one_fewer_does_not():
    s = carepath.solve(FILE, **ARGS)
    rows = s.table.set_index("wards.gau.beds")
    assert s.answer["bound"] <= 12
    assert s.run.scenarios == [f"closer2home__beds={s.value}"]
    # Bisection decides the answer by running the value just below it, which fails.
    assert not bool(rows.loc[s.value - 1, "meets"])
    assert bool(rows.loc[s.value, "meets"])


def test_no_feasible_value_is_no_answer():
    s = carepath.solve(FILE, vary="wards.gau.beds=10..12", target="oap_placements@2026/27<=0", reps=3)
    assert s.answer is None and s.run is None and not s.found
    assert "no feasible value" in str(s)
    with pytest.raises(ValueError, match="no feasible value"):
        s.write("unused")


def test_bad_arguments_raise():
    with pytest.raises(carepath.ScenarioError, match="--minimise"):
        carepath.solve(FILE, vary=["wards.gau.beds=10..12", "services.home_treatment.places=1..3"],
                       target="oap_placements<=3", reps=3)
    with pytest.raises(carepath.ScenarioError, match="--confidence"):
        carepath.solve(FILE, confidence=1.5, **ARGS)


@pytest.mark.parametrize("vary, largest, value", [
    ("wards.gau.beds=20..30", False, 20),  # the low end already meets it
    ("wards.gau.beds=10..30", True, 30),  # the high end, the largest asked for
    ("wards.gau.beds=20..20", False, 20),  # a range of one value
])
def test_an_answer_at_either_end_of_the_range(vary, largest, value):
    s = carepath.solve(FILE, vary=vary, target="oap_placements@2026/27<=12", largest=largest, reps=5, max_reps=20)
    assert s.found and s.value == value
    assert s.run.scenarios == [f"closer2home__beds={value}"]


def test_an_answer_at_the_end_of_two_keys():
    s = carepath.solve(FILE, vary=["services.home_treatment.places=15..16", "wards.gau.beds=20..30"],
                       target="oap_placements@2026/27<=12", minimise="cost_gbp@2026/27", reps=5, max_reps=20)
    assert s.found and s.answer["value"]["wards.gau.beds"] == 20


def test_a_cost_that_rises_with_beds_is_searched_from_the_end_that_meets_it():
    args = dict(vary="wards.gau.beds=10..30:2", target="cost_gbp@2026/27<=13500000", reps=5, max_reps=20)
    assert carepath.solve(FILE, **args).value == 10
    s = carepath.solve(FILE, largest=True, **args)
    rows = s.table.set_index("wards.gau.beds")
    assert s.found and 10 < s.value < 30
    assert bool(rows.loc[s.value, "meets"]) and not bool(rows.loc[s.value + 2, "meets"])
