"""carepath from Python: simulate the CYPMHS tier 4 care pathway and get pandas DataFrames.

The numbers are the ``carepath`` command's, byte for byte: the same library loads, checks and
runs the scenarios, and every table is read from the CSV text the command would write.

>>> import carepath
>>> r = carepath.run("scenarios/", reps=30)
>>> r.headline()                      # the terminal's table: a year, whole pathway
>>> r.summary                         # summary.csv
>>> r.write("output/")                # everything `carepath run --out output/` writes

Scenarios are a file, a folder of them, a dict (written like the TOML file: ``extends`` is
relative to the working directory) or a list of these. Invalid input raises
:class:`ScenarioError` with the command's messages (file:line:col, key, what was expected,
"did you mean").
"""

from __future__ import annotations

import io
import json
from functools import cached_property
from os import PathLike
from typing import Any, Mapping, Sequence, Union

import pandas as pd

from carepath import _native
from carepath._native import ScenarioError

__all__ = ["run", "validate", "solve", "Run", "Solution", "ScenarioError"]

Scenarios = Union[str, PathLike, Mapping[str, Any], Sequence[Union[str, PathLike, Mapping[str, Any]]]]

# Columns that hold text: an empty subject is the whole pathway, not a missing value.
_TEXT = ["scenario", "baseline", "metric", "label", "subject", "period", "unit", "kind", "measure", "date", "from", "to"]


# pandas 3 reads floats exactly by default; earlier versions need asking.
_EXACT = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def _frame(data: bytes) -> pd.DataFrame:
    """A CSV output as a DataFrame; numbers exactly as written (shortest round-trip decimals)."""
    head = data.split(b"\n", 1)[0].decode().split(",")
    text = {c: str for c in _TEXT if c in head}
    frame = pd.read_csv(io.BytesIO(data), dtype=text, keep_default_na=False,
                        na_values={c: [""] for c in head if c not in text}, **_EXACT)
    for column in ("date", "from", "to"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d")
    return frame


def _list(value: Union[None, str, Sequence[str]]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _sets(value: Union[None, str, Sequence[str], Mapping[str, Any]]) -> list[str]:
    """``set`` as the command's ``--set`` arguments; a dict's values are written as TOML."""
    if isinstance(value, Mapping):
        return [f"{key}={_toml(v)}" for key, v in value.items()]
    return _list(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value))


class Run:
    """A finished run: every table ``carepath run`` writes, as DataFrames, and :meth:`write`."""

    def __init__(self, native: _native.NativeRun):
        self._native = native

    @property
    def scenarios(self) -> list[str]:
        """The scenarios' names, in the order they ran (sweep points named ``name__key=value``)."""
        return self._native.names()

    @property
    def reference(self) -> Union[str, None]:
        """The scenario the others are compared with (``baseline``, unless chosen)."""
        return self._native.reference()

    @cached_property
    def summary(self) -> pd.DataFrame:
        """``summary.csv``: every KPI of every scenario, overall and by financial year, with
        mean, sd, 95 % CI, percentiles and replications."""
        return _frame(self._native.summary_csv())

    @cached_property
    def comparison(self) -> pd.DataFrame:
        """``comparison.csv``: paired differences from the reference (no rows when there is
        nothing to compare)."""
        return _frame(self._native.comparison_csv())

    @cached_property
    def daily(self) -> pd.DataFrame:
        """Every scenario's ``daily.csv`` (occupancy, waiting list, … by day), with a
        ``scenario`` column first."""
        return self._per_scenario(self._native.daily_csv)

    @cached_property
    def occupancy(self) -> pd.DataFrame:
        """Every scenario's ``occupancy.csv`` (share of days at each occupancy), with a
        ``scenario`` column first."""
        return self._per_scenario(self._native.occupancy_csv)

    @cached_property
    def by_year(self) -> pd.DataFrame:
        """Means of whole-pathway KPIs by financial year: one row per scenario and year, one
        column per KPI."""
        rows = self.summary[(self.summary["subject"] == "") & (self.summary["period"] != "overall")]
        return rows.pivot_table(index=["scenario", "period"], columns="metric", values="mean",
                                sort=False).reset_index().rename_axis(columns=None)

    @cached_property
    def uncertainty(self) -> Union[pd.DataFrame, None]:
        """``uncertainty.csv`` with ``simulation.parameter_draws`` (else ``None``)."""
        both = self._native.uncertainty_csvs()
        return None if both is None else _frame(both[0])

    @cached_property
    def sensitivity(self) -> Union[pd.DataFrame, None]:
        """``sensitivity.csv`` with ``simulation.parameter_draws`` (else ``None``)."""
        both = self._native.uncertainty_csvs()
        return None if both is None else _frame(both[1])

    @cached_property
    def checks(self) -> pd.DataFrame:
        """Every ``[[check]]`` and ``checks=`` condition on every scenario, with its mean, CI
        and whether it passed."""
        columns = ["scenario", "check", "mean", "ci_low", "ci_high", "passed"]
        return pd.DataFrame(json.loads(self._native.checks_json()), columns=columns)

    @property
    def checks_passed(self) -> bool:
        """Whether every check passed (where the command exits 1 otherwise)."""
        return bool(self.checks["passed"].all())

    def summary_json(self, scenario: str) -> dict:
        """``<scenario>/summary.json``: KPIs, the series' meaning and the run-length advice."""
        return json.loads(self._native.summary_json(self._index(scenario)))

    def headline(self) -> pd.DataFrame:
        """The whole-pathway KPIs over the whole run, a row per scenario (means)."""
        rows = self.summary[(self.summary["subject"] == "") & (self.summary["period"] == "overall")]
        return rows.pivot(index="scenario", columns="metric", values="mean").loc[self.scenarios]

    def write(self, out: Union[str, PathLike] = "output") -> str:
        """Writes every output (CSV, JSON, charts, report.html, results.xlsx, manifest) to
        ``out`` as ``carepath run --out`` does: all at once or nothing. Returns the report's
        path."""
        return self._native.write(out)

    @property
    def seconds(self) -> float:
        """Wall-clock seconds the replications took."""
        return self._native.timing()[0]

    def _index(self, scenario: str) -> int:
        try:
            return self.scenarios.index(scenario)
        except ValueError:
            raise KeyError(f"no scenario `{scenario}` in this run; it has {', '.join(self.scenarios)}") from None

    def _per_scenario(self, csv) -> pd.DataFrame:
        frames = []
        for i, name in enumerate(self.scenarios):
            frame = _frame(csv(i))
            frame.insert(0, "scenario", name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        return f"<carepath.Run of {', '.join(self.scenarios)}>"


class Solution:
    """What :func:`solve` found: the answer, every candidate it ran, and the chosen point's run."""

    def __init__(self, native: _native.NativeSolved):
        self._native = native
        self.question: str = native.question
        """What was asked, in words."""
        self.answer: Union[dict, None] = None if native.answer is None else json.loads(native.answer)
        """As ``solve --json`` prints it: ``value`` (or each key's value), ``kpi`` (its mean),
        ``ci_low``, ``ci_high``, ``bound``, ``share_meeting``, ``replications``; ``None`` when
        no value meets the target."""
        run = native.run()
        self.run: Union[Run, None] = None if run is None else Run(run)
        """The chosen point, run with the replications its answer rests on."""

    @property
    def value(self) -> Any:
        """The answer's value (a dict of values when two keys were varied), or ``None``."""
        return None if self.answer is None else self.answer["value"]

    @property
    def found(self) -> bool:
        return self.answer is not None

    @cached_property
    def table(self) -> pd.DataFrame:
        """``solve/solve.csv``: every candidate run, its replications and judgement."""
        return _frame(self._native.csv())

    def write(self, out: Union[str, PathLike] = "output") -> str:
        """Writes the chosen point's outputs with ``solve/`` beside them, as ``carepath solve``
        does."""
        if self.run is None:
            raise ValueError(self._native.infeasible)
        return self.run.write(out)

    def __str__(self) -> str:
        if self.answer is None:
            return f"{self.question}\n{self._native.table}{self._native.infeasible}"
        return f"{self.question}\n{self._native.table}{self._native.words}"

    __repr__ = __str__


def run(scenarios: Scenarios = "scenarios", *, reps: int | None = None, seed: int | None = None,
        threads: int | None = None, set=None, sweep=None, check=None,
        baseline: str | None = None) -> Run:
    """Runs scenarios as ``carepath run`` does and keeps the results in memory.

    ``set`` is ``--set``: ``"wards.gau.beds=24"``, a list of them, or a dict
    ``{"wards.gau.beds": 24}``; ``sweep`` is ``--sweep`` (``"services.home_treatment.places=0..24:4"``
    or a list); ``check`` is ``--check`` (``"oap_bed_days@2026/27<=500"`` or a list), reported in
    :attr:`Run.checks`. Results do not depend on ``threads``.
    """
    return Run(_native.run(scenarios, reps=reps, seed=seed, threads=threads, sets=_sets(set),
                           sweeps=_list(sweep), checks=_list(check), baseline=baseline))


def validate(scenarios: Scenarios = "scenarios", *, set=None, sweep=None) -> list[str]:
    """Checks scenarios without running them, as ``carepath validate`` does; returns their names
    or raises :class:`ScenarioError` with every problem found."""
    return [name for name, _ in _native.validate(scenarios, sets=_sets(set), sweeps=_list(sweep))]


def solve(scenario: Union[str, PathLike, Mapping[str, Any]], vary: Union[str, Sequence[str]],
          target: str, *, confidence: float = 0.9, per_replication: bool = False,
          largest: bool = False, minimise: str | None = None, max_reps: int | None = None,
          reps: int | None = None, seed: int | None = None, threads: int | None = None,
          set=None, check=None) -> Solution:
    """The smallest (or ``largest``) value of a parameter that meets a KPI target with stated
    confidence, as ``carepath solve`` does: ``vary="wards.gau.beds=10..30"``,
    ``target="oap_placements@2026/27<=12"``. Two keys in ``vary`` need ``minimise`` (a KPI such as
    ``"cost_gbp@2026/27"``). When no value meets the target, :attr:`Solution.answer` is ``None``.
    """
    return Solution(_native.solve(scenario, _list(vary), target, confidence=confidence,
                                  per_replication=per_replication, largest=largest,
                                  minimise=minimise, max_reps=max_reps, reps=reps, seed=seed,
                                  threads=threads, sets=_sets(set), checks=_list(check)))
