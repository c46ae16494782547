"""Scenario discovery: PRIM and CART find a known box, EMA Workbench's limits are read right under
pandas 3, and conditions are parsed, never evaluated as code."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recogsim.analysis import discovery as dv
from recogsim.errors import InputError


@pytest.fixture(scope="module")
def known_box() -> tuple[pd.DataFrame, np.ndarray]:
    """n = 2,000 points, x1..x5 uniform on [0, 1]; true where x1 > 0.7 and x2 < 0.3; 5% of labels flipped."""
    rng = np.random.default_rng(20230401)
    n = 2000
    x = pd.DataFrame(rng.random((n, 5)), columns=[f"x{i}" for i in range(1, 6)])
    truth = ((x["x1"] > 0.7) & (x["x2"] < 0.3)).to_numpy()
    flip = np.zeros(n, dtype=bool)
    flip[rng.choice(n, size=n // 20, replace=False)] = True
    return x, truth ^ flip


@pytest.fixture(scope="module")
def prim_found(known_box) -> dv.Discovery:
    x, y = known_box
    return dv.prim(x, y, "x1 > 0.7 and x2 < 0.3", seed=1)


def test_prim_finds_the_known_box(prim_found):
    lim = prim_found.box.limits.set_index("parameter")
    assert abs(lim.loc["x1", "lower"] - 0.7) <= 0.05
    assert abs(lim.loc["x2", "upper"] - 0.3) <= 0.05
    assert prim_found.box.restricted == ["x1", "x2"]  # x3..x5 unrestricted, and x1, x2 on one edge each
    assert not lim.loc["x1", "restrict_upper"] and not lim.loc["x2", "restrict_lower"]
    assert prim_found.box.density >= 0.85
    assert prim_found.box.coverage >= dv.MIN_COVERAGE
    # both restrictions are significant and reproduced in every resample
    assert lim.loc["x1", "qp_lower"] < 1e-6 and lim.loc["x2", "qp_upper"] < 1e-6
    assert lim.loc["x1", "reproduced"] == 1.0 and lim.loc["x2", "reproduced"] == 1.0


def test_ema_box_limits_are_read_not_all_zero(prim_found):
    """EMA Workbench 2.5.3's boxes_to_dataframe returns zeros under pandas 3; ours come from box_lims."""
    for b in prim_found.boxes:
        values = b.limits[["lower", "upper"]].to_numpy()
        assert np.isfinite(values).all() and (values != 0).any()
    first = prim_found.boxes[0].limits
    assert (first["upper"] > 0.99).all() and (first["lower"] < 0.01).all()  # box 0 is the whole space
    traj = prim_found.trajectory()
    assert traj["coverage"].iloc[0] == 1.0 and traj["density"].is_monotonic_increasing is not None
    assert len(traj) > 10 and traj["mass"].iloc[-2] < 0.2


def test_prim_is_seeded_and_leaves_the_global_generator_alone(known_box):
    x, y = known_box
    np.random.seed(5)  # noqa: NPY002  (EMA resample reads the global generator)
    before = np.random.get_state()[1].copy()  # noqa: NPY002  (EMA resample reads the global generator)
    a = dv.csv_frame(dv.prim(x.iloc[:600], y[:600], "c", seed=3))
    assert (np.random.get_state()[1] == before).all()  # noqa: NPY002  (EMA resample reads the global generator)
    np.random.seed(99)  # another global state must not change the result  # noqa: NPY002  (EMA resample reads the global generator)
    b = dv.csv_frame(dv.prim(x.iloc[:600], y[:600], "c", seed=3))
    pd.testing.assert_frame_equal(a, b)


def test_float32_inputs_are_cast(known_box):
    x, y = known_box
    found = dv.prim(x.iloc[:500].astype("float32"), y[:500], "c")
    assert found.box.limits["lower"].dtype == np.float64


def test_cart_rules_name_x1_and_x2_only(known_box):
    x, y = known_box
    found = dv.cart(x, y, "x1 > 0.7 and x2 < 0.3")
    named = {p for b in found.boxes for p in b.restricted}
    assert named == {"x1", "x2"}
    lim = found.box.limits.set_index("parameter")
    assert abs(lim.loc["x1", "lower"] - 0.7) <= 0.05 and abs(lim.loc["x2", "upper"] - 0.3) <= 0.05
    assert found.box.density >= 0.85
    text = dv.sentence(found)
    assert "x1 > 0.7" in text and "x2 <= 0.3" in text and "x3" not in text


def test_box_k_picks_another_box_and_out_of_range_is_refused(known_box):
    x, y = known_box
    found = dv.prim(x.iloc[:400], y[:400], "c", box=0)
    assert found.picked == 0 and found.box.restricted == []
    with pytest.raises(
        InputError, match=r"--box: expected one of the boxes of the peeling trajectory 0 to \d+, got 999"
    ):
        dv.prim(x.iloc[:400], y[:400], "c", box=999)


def test_sentence_reads_as_plain_words(prim_found):
    text = dv.sentence(prim_found)
    assert text.startswith("x1 > 0.7 and x2 < 0.3 in ")
    assert "when x1 >= 0.7" in text and "and x2 <= 0.2" in text
    assert "these hold" in text and "of all such runs" in text


# ---------------------------------------------------------------- conditions
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
    assert dv.evaluate(expr, OUT).tolist() == expected


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
        dv.evaluate(expr, OUT, "results/x")
    text = str(err.value)
    assert text.startswith("results/x: --where: ") and message in text and "\n" not in text


def test_a_condition_that_always_or_never_holds_is_refused():
    x = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4]})
    with pytest.raises(InputError, match="holds in 0 of 4 runs"):
        dv.prim(x, np.zeros(4, dtype=bool), "never")
    with pytest.raises(InputError, match="holds in 4 of 4 runs"):
        dv.cart(x, np.ones(4, dtype=bool), "always")


def test_condition_names_are_file_names():
    assert dv.condition_name("first_recognition_month <= 36") == "first_recognition_month_le_36"
    assert dv.condition_name("de_jure_count >= 1 and western_de_jure_count == 0") == (
        "de_jure_count_ge_1_and_western_de_jure_count_eq_0"
    )
    assert dv.condition_name("x > -0.5") == "x_gt_minus0p5"
    assert dv.condition_label("first_recognition_month <= 36") == "month of the first de jure recognition <= 36"
