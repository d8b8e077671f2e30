"""Bad input raises `carepath.ScenarioError` with the command's located messages."""

import pytest

import carepath
from conftest import SCENARIOS

BAD = """extends = "{base}"
[wards.gau]
bedz = 3
[simulation]
years = "x"
"""


@pytest.fixture
def bad(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD.format(base=SCENARIOS / "baseline.toml"))
    return path


def test_the_message_is_the_commands(bad, cli, tmp_path):
    with pytest.raises(carepath.ScenarioError) as caught:
        carepath.run(bad)
    code, _, err = cli("run", bad, "--out", tmp_path / "out")
    assert code == 2
    assert str(caught.value) == err.strip()
    assert f"{bad}:3:1: unknown key `bedz` in [wards.gau]" in str(caught.value)
    assert "did you mean `beds`?" in str(caught.value)
    assert not (tmp_path / "out" / "summary.csv").exists()


def test_each_error_is_located(bad):
    with pytest.raises(carepath.ScenarioError) as caught:
        carepath.validate(bad)
    first, second = caught.value.errors
    assert (first["file"], first["line"], first["col"]) == (str(bad), 3, 1)
    assert first["help"] == "did you mean `beds`?"
    assert (second["line"], second["key"]) == (5, "simulation.years")
    assert "expected a number" in second["message"]


def test_validate_names_the_scenarios_as_the_command_does(in_root, cli):
    code, out, _ = cli("validate", "scenarios")
    assert code == 0
    assert carepath.validate("scenarios") == [line.split()[1] for line in out.splitlines()]


def test_options_are_checked_like_the_commands(cli, tmp_path):
    with pytest.raises(carepath.ScenarioError, match="did you mean") as caught:
        carepath.run(SCENARIOS / "baseline.toml", reps=2, set="wards.gau.bedz=3")
    code, _, err = cli("run", SCENARIOS / "baseline.toml", "--reps", 2, "--set", "wards.gau.bedz=3",
                       "--out", tmp_path)
    assert (code, str(caught.value)) == (2, err.strip())
    with pytest.raises(carepath.ScenarioError, match="--baseline closer2hom: no scenario"):
        carepath.run([SCENARIOS / "baseline.toml", SCENARIOS / "closer2home.toml"], reps=2, baseline="closer2hom")
    with pytest.raises(carepath.ScenarioError, match="--check"):
        carepath.run(SCENARIOS / "baseline.toml", reps=2, check="referals<=3")
    with pytest.raises(carepath.ScenarioError, match="cannot read"):
        carepath.run(tmp_path / "missing.toml")


def test_not_a_scenario_is_a_clear_error():
    with pytest.raises(carepath.ScenarioError, match="expected a scenario file.*found int"):
        carepath.run(3)
