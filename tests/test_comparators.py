"""The shared reading of comparators (values by hand)."""

import pytest

from analysis.core.comparators import meets, resolve_comparator
from analysis.core.errors import AnalysisError


@pytest.mark.parametrize(
    ("comparator", "direction", "expected"),
    [("eq", "higher", "ge"), ("eq", "lower", "le"), ("eq", "neutral", "approx"),
     ("以上", "lower", "ge"), ("大于", "higher", "gt"), ("左右", "higher", "approx"), ("", "", "ge")],
)
def test_resolve(comparator, direction, expected):
    assert resolve_comparator(comparator, direction) == expected


def test_strict_threshold_and_tolerance():
    assert not meets(0.92, 0.92, "gt")  # 大于92% is not met by 92.00%
    assert meets(0.9200000000000001, 0.92, "ge")
    assert meets(5390, 5500, "approx") and not meets(5389, 5500, "approx")  # ±2 % of 5500 = 110


def test_unknown_comparator_is_refused():
    with pytest.raises(AnalysisError):
        resolve_comparator("about", "higher")
