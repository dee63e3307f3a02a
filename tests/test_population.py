"""population.csv: births and population by age for any years, merged into the indicators."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.clean.population import merge_population, read_population
from analysis.clean.stage import clean_returns
from analysis.core.errors import AnalysisError
from analysis.models import fit_models

KAIPING = Path(__file__).resolve().parent.parent / "data" / "raw" / "kaiping"
YEARS = {"base_year": 2020, "midterm_year": 2023, "target_year": 2025}


def _write(folder: Path, text: str, encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "population.csv").write_bytes(text.encode(encoding))
    return folder


@pytest.fixture(scope="module")
def kaiping(tmp_path_factory) -> Path:
    """A plan folder with Kaiping's returns (births 2016–2025, 7680 in 2016, 3879 in 2023)."""
    plan = tmp_path_factory.mktemp("raw") / "kaiping"
    shutil.copytree(KAIPING / "returns", plan / "returns")
    return plan


def test_no_file_gives_no_rows(tmp_path):
    assert read_population(tmp_path).empty


def test_rows_values_and_provenance(tmp_path):
    plan = _write(tmp_path / "toy", (
        "# 出生人口：统计年鉴 2016 表 3-1\n"
        "year,births,population_age_0_2\n"
        "2010,\"8,012\",\n"
        "2011,0.79万,24100\n"
        "\n"
        "2012,—,23900\n"
    ))
    rows = read_population(plan)
    got = {(int(r.year), r.indicator, r.level): (r.value, r.source_cell)
           for r in rows.itertuples()}
    assert got == {
        (2010, "births", "all"): (8012.0, "line 3, field 2"),
        (2011, "births", "all"): (7900.0, "line 4, field 2"),
        (2011, "population_age", "age_0_2"): (24100.0, "line 4, field 3"),
        (2012, "population_age", "age_0_2"): (23900.0, "line 6, field 3"),
    }
    assert set(rows["source_file"]) == {"population.csv"} and set(rows["plan"]) == {"toy"}
    assert set(rows["unit"]) == {"persons"} and not rows["derived"].any()


def test_gb18030_is_read(tmp_path):
    plan = _write(tmp_path / "toy", "# 出生人口\nyear,births\n2010,8000\n", encoding="gb18030")
    assert list(read_population(plan)["value"]) == [8000.0]


@pytest.mark.parametrize(("text", "where", "quoted"), [
    ("year,birth\n2010,1\n", "row 1, column birth", "'birth'"),
    ("year,population_age_5_3\n2010,1\n", "row 1, column population_age_5_3", "'population_age_5_3'"),
    ("births\n8000\n", "row 1", None),
    ("year\n2010\n", "row 1", None),
    ("year,births,births\n2010,1,1\n", "row 1, column births", "'births'"),
    ("year,births\n20x1,8000\n", "row 2, column year", "'20x1'"),
    ("year,births\n2010,8000\n# note\n2010,8100\n", "row 4, column year", "'2010'"),
    ("year,births\n2010,abc\n", "row 2, column births", "'abc'"),
    ("year,births\n2010,5%\n", "row 2, column births", "'5%'"),
    ("year,births\n2010,约8000\n", "row 2, column births", "'约8000'"),
    ("year,births\n2010,-8000\n", "row 2, column births", "'-8000'"),
    ("year,births\n2010,8000,1\n", "row 2", None),
])
def test_bad_input_is_located(tmp_path, text, where, quoted):
    plan = _write(tmp_path / "toy", text)
    with pytest.raises(AnalysisError) as caught:
        read_population(plan)
    message = str(caught.value)
    assert message.startswith(f"population.csv, {where}:"), message
    if quoted:
        assert message.endswith(quoted), message


def test_merged_for_years_without_returns_and_used_by_the_models(kaiping, tmp_path):
    plan = tmp_path / "kaiping"
    shutil.copytree(kaiping, plan)
    # 2010–2015 have no returns; 2016 repeats the return's 7680 (kept once, from the returns)
    _write(plan, "year,births\n" + "".join(
        f"{y},{b}\n" for y, b in zip(range(2010, 2017),
                                     (8100, 8000, 7900, 7850, 7800, 7700, 7680), strict=True)))
    indicators, qa = clean_returns(plan, "kaiping")
    births = indicators[indicators["indicator"] == "births"].set_index("year")
    assert list(births.index) == list(range(2010, 2026))
    assert births.loc[2012, "value"] == 7900.0
    assert births.loc[2012, "source_file"] == "population.csv"
    assert births.loc[2012, "source_cell"] == "line 4, field 2"
    assert births.loc[2016, "source_file"] == "returns/2016.xlsx"
    assert not (qa["severity"] == "error").any()
    # with births from 2010 the entry ratio of primary is observed by 2021 (entrants 2016 over
    # births 2010): the cohort method runs at that origin, which it could not before
    result = fit_models(indicators, None, YEARS, as_of_year=2021)
    assert "primary" not in result.cohort_unavailable
    returns_only, _ = clean_returns(kaiping, "kaiping")
    before = fit_models(returns_only, None, YEARS, as_of_year=2021)
    assert before.cohort_unavailable["primary"].startswith(
        "insufficient data: primary: births for 2010–2015 missing")


def test_a_value_that_contradicts_the_returns_is_refused(kaiping, tmp_path):
    plan = tmp_path / "kaiping"
    shutil.copytree(kaiping, plan)
    _write(plan, "year,births\n2015,7700\n2023,3900\n")
    with pytest.raises(AnalysisError) as caught:
        clean_returns(plan, "kaiping")
    message = str(caught.value)
    assert message.startswith("population.csv, row 3, column births: births of 2023 (all) "
                              "differ: population.csv gives 3900, the returns give 3879 "
                              "(returns/2023.xlsx, sheet '人口', B4)"), message


def test_merge_keeps_returns_rows_and_adds_the_rest():
    def frame(rows):
        return pd.DataFrame([{"plan": "toy", "year": y, "level": "all", "indicator": "births",
                              "value": v, "unit": "persons", "source_file": f,
                              "source_sheet": "", "source_cell": c, "derived": False}
                             for y, v, f, c in rows])

    returns = frame([(2016, 100.0, "returns/2016/人口.csv", "line 4, field 2")])
    population = frame([(2015, 90.0, "population.csv", "line 2, field 2"),
                        (2016, 100.0, "population.csv", "line 3, field 2")])
    merged = merge_population(returns, population)
    assert list(zip(merged["year"], merged["source_file"], strict=True)) == [
        (2015, "population.csv"), (2016, "returns/2016/人口.csv")]
    with pytest.raises(AnalysisError, match=r"row 3, column births: births of 2016 .* gives 101"):
        merge_population(returns, frame([(2016, 101.0, "population.csv", "line 3, field 2")]))
