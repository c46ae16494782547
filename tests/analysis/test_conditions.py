"""Conditions on run outcomes: evaluated column by column, nulls false, anything but comparisons,
and/or/not, numbers and known columns refused in one line; never evaluated as code."""

from __future__ import annotations

import pandas as pd
import pytest

from recogsim.analysis import conditions as cd
from recogsim.errors import InputError

OUT = pd.DataFrame(
    {
        "first_recognition_month": pd.array([10, None, 40, None], dtype="Int64"),
        "de_jure_count": [1, 0, 2, 0],
        "western_de_jure_count": [0, 0, 1, 0],
    }
)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("first_recognition_month <= 36", [True, False, False, False]),
        ("first_recognition_month > 36", [False, False, True, False]),  # a null is false either way
        ("first_recognition_month != 10", [False, False, True, False]),
        ("not first_recognition_month <= 36", [False, True, True, True]),
        ("de_jure_count >= 1 and western_de_jure_count == 0", [True, False, False, False]),
        ("de_jure_count == 0 or first_recognition_month < 20", [True, True, False, True]),
        ("0 < de_jure_count <= 1", [True, False, False, False]),
        ("de_jure_count > -1.5e0", [True, True, True, True]),
        ("western_de_jure_count", [False, False, True, False]),
    ],
)
def test_conditions_are_evaluated_column_by_column(expr, expected):
    assert cd.evaluate(expr, OUT).tolist() == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("de_jur_count >= 1", "unknown column 'de_jur_count'; expected one of first_recognition_month, de_jure_count"),
        ("de_jure_count >= ", "bad syntax"),
        ("de_jure_count = 1", "compare with '==', not '='"),
        ("__import__('os').system('echo hacked')", "a function call is not allowed"),
        ("de_jure_count >= __import__('os').getpid()", "a function call is not allowed in a comparison"),
        ("de_jure_count.__class__ == 1", "an attribute (a.b) is not allowed"),
        ("de_jure_count + 1 > 2", "arithmetic is not allowed"),
        ("de_jure_count in (1, 2)", "In is not allowed"),
        ("de_jure_count == 'x'", "the constant 'x' is not allowed"),
        ("de_jure_count == True", "the constant True is not allowed"),
        ("(lambda: 1)()", "a function call is not allowed"),
        ("3", "the constant 3 is not allowed in a condition"),
        ("", "expected a condition"),
        ("de_jure_count > 1 if 1 else 0", "IfExp"),
    ],
)
def test_bad_conditions_are_one_line_errors(expr, message):
    with pytest.raises(InputError) as err:
        cd.evaluate(expr, OUT, "results/x")
    text = str(err.value)
    assert text.startswith("results/x: --where: ") and message in text and "\n" not in text


def test_condition_names_are_file_names():
    assert cd.condition_name("first_recognition_month <= 36") == "first_recognition_month_le_36"
    assert cd.condition_name("de_jure_count >= 1 and western_de_jure_count == 0") == (
        "de_jure_count_ge_1_and_western_de_jure_count_eq_0"
    )
    assert cd.condition_name("x > -0.5") == "x_gt_minus0p5"
    assert cd.condition_label("first_recognition_month <= 36") == "month of the first de jure recognition <= 36"
