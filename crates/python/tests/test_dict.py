"""A scenario as a dict: the same checks and numbers as the file it stands for."""

import datetime

import pytest

import carepath
from conftest import SCENARIOS


def test_a_dict_runs_as_its_file_would(in_root, cli, tmp_path):
    scenario = {"extends": "scenarios/baseline.toml", "name": "fewer_beds", "wards": {"gau": {"beds": 12}}}
    r = carepath.run(scenario, reps=3)
    assert r.scenarios == ["fewer_beds"]
    path = tmp_path / "fewer_beds.toml"
    path.write_text(f'extends = "{SCENARIOS / "baseline.toml"}"\nname = "fewer_beds"\n[wards.gau]\nbeds = 12\n')
    code, _, err = cli("run", path, "--reps", 3, "--out", tmp_path / "out")
    assert code == 0, err
    assert r._native.summary_csv() == (tmp_path / "out" / "summary.csv").read_bytes()
    r.write(tmp_path / "written")
    assert (tmp_path / "written" / "fewer_beds" / "daily.csv").read_bytes() == \
        (tmp_path / "out" / "fewer_beds" / "daily.csv").read_bytes()


def test_dicts_and_files_mix_and_are_compared(in_root):
    r = carepath.run(["scenarios/baseline.toml",
                      {"extends": "scenarios/baseline.toml", "name": "more", "wards": {"gau": {"beds": 30}}}],
                     reps=3)
    assert r.reference == "baseline"
    oap = r.comparison[(r.comparison.metric == "oap_placements") & (r.comparison.subject == "")
                       & (r.comparison.period == "overall")]
    assert oap["difference"].item() < 0, "more beds, fewer placements out of area"


def test_a_dicts_errors_name_the_key_not_a_line(in_root):
    with pytest.raises(carepath.ScenarioError) as caught:
        carepath.validate({"extends": "scenarios/baseline.toml", "wards": {"gau": {"bedz": 3}}})
    [error] = caught.value.errors
    assert (error["file"], error["line"]) == ("<dict>", None)
    assert str(caught.value).startswith("error: <dict>: unknown key `bedz` in [wards.gau]\n  help: did you mean `beds`?")


def test_values_with_no_toml_form_are_refused_by_key(in_root):
    with pytest.raises(carepath.ScenarioError, match=r"<dict>: `wards.gau.beds`: None has no scenario-file value"):
        carepath.run({"extends": "scenarios/baseline.toml", "wards": {"gau": {"beds": None}}})
    with pytest.raises(carepath.ScenarioError, match=r"<dict 2>: `roadmap\[0\].x`: a set"):
        carepath.validate(["scenarios/baseline.toml", {"x": 1}, {"roadmap": [{"x": {1}}]}])


def test_dates_are_dates(in_root):
    ok = {"extends": "scenarios/baseline.toml", "simulation": {"start_date": datetime.date(2023, 4, 1)}}
    assert carepath.validate(ok) == ["scenario"]
    r = carepath.run(ok, reps=2)
    assert r.by_year["period"].iloc[0] == "2023/24"


def test_a_dict_is_never_written_to_a_file(in_root, tmp_path, monkeypatch):
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    r = carepath.run({"extends": "scenarios/baseline.toml", "name": "fewer_beds", "wards": {"gau": {"beds": 12}}},
                     reps=2)
    assert r.scenarios == ["fewer_beds"]
    r.write(tmp_path / "out")
    assert list(temp.iterdir()) == [], "the dict was loaded as text, not through a temporary file"
    manifest = (tmp_path / "out" / "manifest.json").read_text()
    assert '"<dict>/scenario.toml"' in manifest, "the dict is named as its errors name it"
