"""The one number formatter: bounded width for every float, non-finite values named, and the
digits shown are the value's own (what a learner reads back is the value, to the digits shown)."""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tui import format as fmt

finite = st.floats(allow_nan=False, allow_infinity=False)
# Far from overflow, so that rounding up to the digits shown stays a finite number.
moderate = st.floats(min_value=-1e300, max_value=1e300)
anything = st.floats(allow_nan=True, allow_infinity=True)


@given(anything, st.integers(1, 10))
def test_number_is_bounded_in_width(value, digits):
    assert len(fmt.number(value, digits)) <= digits + 8


@given(anything)
def test_fixed_scientific_and_percent_are_bounded(value):
    assert len(fmt.fixed(value)) <= 13
    assert len(fmt.scientific(value)) <= 10
    assert len(fmt.percent(value)) <= 14


@given(moderate, st.integers(1, 10))
def test_number_reads_back_as_the_value_to_the_digits_shown(value, digits):
    shown = Decimal(fmt.number(value, digits))
    if value == 0:
        assert shown == 0
        return
    # Rounding to `digits` significant digits moves a value by at most half a unit in the
    # last place (plain decimals between 1e4 and 1e6 show more digits, which only helps).
    # Decimal(value) is the float's exact binary value, so nothing else rounds here.
    exact = Decimal(value)
    last_place = Decimal(10) ** (exact.adjusted() - digits + 1)
    assert abs(shown - exact) <= last_place / 2


@given(finite)
def test_exact_reads_back_exactly(value):
    assert float(fmt.exact(value)) == value
    assert len(fmt.exact(value)) <= 24


def test_non_finite_values_are_named():
    for value, name in ((math.nan, "nan"), (math.inf, "inf"), (-math.inf, "-inf")):
        assert fmt.number(value) == fmt.fixed(value) == fmt.exact(value) == name
    assert fmt.percent(math.nan) == "nan"


def test_ordinary_values_read_as_plain_decimals_and_extremes_switch_to_scientific():
    assert fmt.number(-0.10654) == "-0.1065"
    assert fmt.number(241.63) == "241.6"
    assert fmt.number(0.98996) == "0.9900"  # trailing zeros are significant digits
    assert fmt.number(2.5e-5) == "2.500e-05"
    assert fmt.number(1.5230422e115) == "1.523e+115"
    assert fmt.number(-0.0) == "0"
    # The lab's printout: five decimals where they carry three digits, else scientific.
    assert fmt.fixed(0.00837) == "0.00837"
    assert fmt.fixed(0.000515) == "5.150e-04"
    assert fmt.fixed(1.5230422e115) == "1.523e+115"
    assert fmt.fixed(-0.0) == "0.00000"
    assert fmt.scientific(0.003) == "3.00e-03"
    assert fmt.percent(16 / 21) == "76.2%"
    assert fmt.exact(0.05) == "0.05" and fmt.exact(5e-6) == "5e-06"
