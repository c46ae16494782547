"""How the rules read and select arrays (``incentives/arrays.py``): selecting by bits is
``np.where``, value for value and bit for bit, whatever the shapes, dtypes and special values."""

from __future__ import annotations

import numpy as np
import pytest

from recogsim.model.incentives.arrays import SMALL, select


def bits(x: np.ndarray) -> bytes:
    return np.ascontiguousarray(x).tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "shapes",
    [
        ((100, 2, 50), (100, 2, 50), (100, 2, 50)),  # as a block's terms
        ((100, 2, 50), (100, 1, 50), (100, 2, 50)),  # a rung-independent term broadcast
        ((100, 1, 50), (100, 2, 50), ()),  # a condition broadcast, a scalar
        ((2, 50), (2, 50), (2, 50)),  # one run: below SMALL, np.where itself
    ],
)
def test_select_is_np_where_bit_for_bit(dtype, shapes):
    rng = np.random.default_rng(7)
    condition_shape, x_shape, y_shape = shapes
    condition = rng.random(condition_shape) < 0.4
    x = rng.standard_normal(x_shape).astype(dtype)
    y = np.asarray(rng.standard_normal(y_shape)).astype(dtype)
    x.flat[:4] = [np.nan, np.inf, -np.inf, -0.0]  # special values keep their bits
    got, expected = select(condition, x, y), np.where(condition, x, y)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert bits(got) == bits(expected)


@pytest.mark.parametrize("other", [0.0, 1.0, np.float32(2.5), np.float64(2.5)])
def test_select_with_a_python_or_numpy_scalar_promotes_as_np_where(other):
    rng = np.random.default_rng(8)
    condition = rng.random((80, 60)) < 0.5
    assert condition.size >= SMALL
    for x in (rng.random((80, 60), dtype=np.float32), rng.random((80, 60))):
        for args in ((condition, x, other), (condition, other, x)):
            got, expected = select(*args), np.where(*args)
            assert got.dtype == expected.dtype
            assert bits(got) == bits(expected)


def test_select_of_integers_is_np_where():
    condition = np.arange(5000) % 3 == 0
    x, y = np.arange(5000), -np.arange(5000)
    np.testing.assert_array_equal(select(condition, x, y), np.where(condition, x, y))


@pytest.mark.parametrize("condition_of", ["integers", "floats"])
def test_select_takes_any_truthy_condition_as_np_where_does(condition_of):
    rng = np.random.default_rng(9)
    raw = rng.random((80, 60))
    condition = (raw < 0.5) * 256 if condition_of == "integers" else np.where(raw < 0.5, raw, 0.0)
    x = np.full((80, 60), np.nextafter(0.1, 1.0))  # low bits set: a partial mask would clear them
    for args in ((condition, x, 0.0), (condition, x.astype(np.float32), 1.0), (condition, [0.5] * 60, x)):
        got, expected = select(*args), np.where(*args)
        assert got.dtype == expected.dtype
        assert bits(got) == bits(expected)


def test_the_next_rung_is_the_level_plus_one_capped_at_the_top():
    from recogsim.model.incentives.states import _rungs

    top = np.array([4, 4, 4, 2])
    for levels in ([[0, 3, 4, 2]], [[0, 3, 4, 3]]):  # the last: above its top (a scenario not checked)
        levels = np.array(levels)
        np.testing.assert_array_equal(_rungs(levels, top), np.stack([np.minimum(levels + 1, top), levels], axis=-2))
