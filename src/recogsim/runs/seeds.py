"""Every run's seed, from the root seed and the run's place in the design alone.

``SeedSequence(root, spawn_key=key)`` with key ``(replication,)`` for a one-point design (an
ensemble) and ``(point, replication)`` otherwise. A run's result therefore depends on nothing but
(scenario, root seed, key): not on the number of workers, the task sizes, the executor or the
order in which runs finish; and a one-point sweep repeats an ensemble's runs exactly. Parameter
draws (a scenario's ``uncertain:``) come from a second tree keyed by the replication alone.
"""

from __future__ import annotations

import numpy as np


def replication_seed(root: int, *key: int) -> int:
    """A 63-bit seed for one run, from the root seed and the run's key."""
    words = np.random.SeedSequence(root, spawn_key=tuple(key)).generate_state(2, dtype=np.uint32)
    return int((int(words[0]) << 32 | int(words[1])) & 0x7FFF_FFFF_FFFF_FFFF)


DRAWS_TREE = 0x7061_726D
"""Tags the tree of parameter draws (entropy ``(root, DRAWS_TREE)``), apart from the runs' seeds."""


def draw_uniforms(root: int, draw: int, n: int) -> np.ndarray:
    """``n`` uniform numbers for one parameter draw (``uncertain:``; replication // runs_per_draw).

    Keyed by the draw alone, so every design point of a sweep sees the same draws for the same
    replication (common random numbers), and from a tree apart from the runs' own seeds."""
    seq = np.random.SeedSequence([root, DRAWS_TREE], spawn_key=(draw,))
    return np.random.default_rng(seq).random(n)


def run_key(point: int, replication: int, n_points: int) -> tuple[int, ...]:
    """The spawn key of a run: ``(replication,)`` in a one-point design, else ``(point, replication)``."""
    return (replication,) if n_points == 1 else (point, replication)
