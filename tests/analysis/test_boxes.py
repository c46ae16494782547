"""PRIM and CART find a known box; EMA Workbench's limits are read right under pandas 3; PRIM's
resampling is seeded and leaves numpy's global generator as it found it (EMA's own resample reads it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recogsim.analysis import boxes as dv
from recogsim.analysis.discovery import csv_frame, sentence
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
    a = csv_frame(dv.prim(x.iloc[:600], y[:600], "c", seed=3))
    assert (np.random.get_state()[1] == before).all()  # noqa: NPY002  (EMA resample reads the global generator)
    np.random.seed(99)  # another global state must not change the result  # noqa: NPY002  (EMA resample reads the global generator)
    b = csv_frame(dv.prim(x.iloc[:600], y[:600], "c", seed=3))
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
    text = sentence(found)
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
    text = sentence(prim_found)
    assert text.startswith("x1 > 0.7 and x2 < 0.3 in ")
    assert "when x1 >= 0.7" in text and "and x2 <= 0.2" in text
    assert "these hold" in text and "of all such runs" in text


def test_a_condition_that_always_or_never_holds_is_refused():
    x = pd.DataFrame({"a": [0.1, 0.2, 0.3, 0.4]})
    with pytest.raises(InputError, match="holds in 0 of 4 runs"):
        dv.prim(x, np.zeros(4, dtype=bool), "never")
    with pytest.raises(InputError, match="holds in 4 of 4 runs"):
        dv.cart(x, np.ones(4, dtype=bool), "always")


def test_a_box_around_noise_is_kept_and_called_chance():
    """Labels drawn independently of the inputs: every edge is insignificant, and rather than
    dropping them all (which would leave the whole space) the box is kept and flagged."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((300, 4)), columns=list("abcd"))
    found = dv.prim(x, rng.random(300) < 0.1, "noise", seed=1)
    assert found.box.restricted and not found.box.significant
    assert found.chosen == found.picked
    assert any("may describe chance" in note for note in found.notes)


def test_too_few_runs_of_interest_are_refused(known_box):
    x, _ = known_box
    y = np.zeros(len(x), dtype=bool)
    y[: dv.MIN_RUNS - 1] = True
    with pytest.raises(InputError, match=rf"holds in {dv.MIN_RUNS - 1} of {len(x)} runs; discovery needs at least"):
        dv.prim(x, y, "rare")
    y[dv.MIN_RUNS - 1] = True
    notes = dv.prim(x, y, "rare", seed=1).notes  # enough to run, said to be rough
    assert any(f"holds in only {dv.MIN_RUNS} runs" in note for note in notes)


def test_a_box_of_full_coverage_is_found_stable():
    """The condition is one input below a cut: the box holds every run of interest (coverage 1).
    EMA Workbench's resample statistic, which matches each half's box by coverage alone, met the
    half's unrestricted first box there and called the restriction unstable (0 of 10)."""
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.random((300, 12)), columns=[f"v{i}" for i in range(12)])
    found = dv.prim(x, (x["v0"] < 0.12).to_numpy(), "v0 < 0.12", seed=1)
    assert found.box.coverage == 1.0 and found.box.restricted == ["v0"]
    assert found.box.limits.set_index("parameter").loc["v0", "reproduced"] >= 0.9
