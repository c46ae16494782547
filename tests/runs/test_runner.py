"""One runner for ensembles and sweeps: the same runs, the same files, whichever way they are run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from recogsim import load_experiment, load_results, load_sweep, run_ensemble, run_ensemble_to, run_sweep
from recogsim.analysis.sweeps import sensitivity
from recogsim.config import loading
from recogsim.errors import InputError
from recogsim.runs.seeds import replication_seed

DATA = Path(__file__).resolve().parents[1] / "data"
TABLES = ("runs.parquet", "series.parquet", "states.parquet", "missions.parquet", "manifest.json")


@pytest.fixture(scope="module")
def tiny():
    return loading.load(DATA / "tiny.yaml")


def same_files(a: Path, b: Path, names=TABLES) -> None:
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_an_ensemble_written_as_it_runs_equals_one_written_from_memory(tiny, tmp_path):
    from recogsim import write_results

    direct = run_ensemble_to(tiny, 5, tmp_path / "direct", seed=4, workers=2, chunk_runs=2)
    memory = write_results(run_ensemble(tiny, 5, seed=4), tmp_path / "memory")
    same_files(direct, memory)
    assert not (direct / "chunks").exists()
    back = load_results(direct)
    pd.testing.assert_frame_equal(back.runs, run_ensemble(tiny, 5, seed=4).runs)


def test_an_interrupted_ensemble_resumes_to_the_same_files(tiny, tmp_path, interrupt_after):
    full = run_ensemble_to(tiny, 6, tmp_path / "full", seed=2)

    with pytest.raises(KeyboardInterrupt):
        run_ensemble_to(tiny, 6, tmp_path / "cut", seed=2, chunk_runs=1, on_result=interrupt_after(2))
    assert (tmp_path / "cut" / "chunks").is_dir() and not (tmp_path / "cut" / "runs.parquet").exists()
    with pytest.raises(InputError, match="not finished"):
        load_results(tmp_path / "cut")
    ran: list[int] = []
    run_ensemble_to(tiny, 6, tmp_path / "cut", seed=2, resume=True, on_result=ran.append)
    assert ran and ran[0] > 2  # the runs already on disk were not run again
    same_files(full, tmp_path / "cut")


def test_resume_refuses_other_replications_or_seed(tiny, tmp_path):
    out = run_ensemble_to(tiny, 3, tmp_path / "e", seed=1)
    with pytest.raises(InputError, match="already holds results"):
        run_ensemble_to(tiny, 3, out, seed=1)
    with pytest.raises(InputError, match="number of replications changed"):
        run_ensemble_to(tiny, 4, out, seed=1, resume=True)
    with pytest.raises(InputError, match="root seed changed"):
        run_ensemble_to(tiny, 3, out, seed=2, resume=True)
    before = (out / "runs.parquet").read_bytes()
    ran: list[int] = []
    run_ensemble_to(tiny, 3, out, seed=1, resume=True, on_result=ran.append)
    assert not ran and (out / "runs.parquet").read_bytes() == before  # complete: reused, nothing rewritten


def test_a_one_point_sweep_repeats_the_ensemble_runs(tiny, tmp_path):
    exp = tmp_path / "one.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "one",
                "scenario": str(DATA / "tiny.yaml"),
                "replications": 4,
                "seed": 9,
                "design": {"kind": "grid"},
                "parameters": [{"path": "taliban.lobbying", "values": [tiny.taliban.lobbying]}],
            }
        )
    )
    sweep = load_sweep(run_sweep(load_experiment(exp), tmp_path / "sweep"))
    ens = run_ensemble(tiny, 4, seed=9)
    assert list(sweep.runs["seed"]) == [replication_seed(9, r) for r in range(4)] == list(ens.runs["seed"])
    for col in sweep.runs.columns.drop(["point"]):
        pd.testing.assert_series_equal(sweep.runs[col], ens.runs[col], check_names=False)


def test_sobol_indices_repeat_exactly_with_the_default_seed(tmp_path):
    exp = tmp_path / "sobol.yaml"
    exp.write_text(
        yaml.safe_dump(
            {
                "name": "sobol",
                "scenario": str(DATA / "tiny.yaml"),
                "replications": 2,  # seed 0: the default
                "design": {"kind": "sobol", "samples": 8},
                "parameters": [
                    {"path": "taliban.lobbying", "range": [0.1, 0.9]},
                    {"path": "rules.w_economic", "range": [0, 2]},
                ],
                "outcomes": ["missions_taliban"],
            }
        )
    )
    result = load_sweep(run_sweep(load_experiment(exp), tmp_path / "out", workers=2))
    first = sensitivity(result, "sobol", "missions_taliban")
    again = sensitivity(result, "sobol", "missions_taliban")
    pd.testing.assert_frame_equal(first, again)
    assert first["S1_conf"].notna().all()


# ---------------------------------------------------------------- plans stream
def _tasks_as_lists(plan, todo, per_task):
    """The grouping run_plan used when it listed every run: a point's runs in parts of
    ``per_task``, parts gathered until a task holds ``per_task`` runs."""
    by_point: dict = {}
    for pt, rep, seed in todo:
        by_point.setdefault(pt, []).append((rep, seed))
    tasks, current, size = [], [], 0
    for pt, reps in by_point.items():
        for i in range(0, len(reps), per_task):
            current.append((pt, plan.values(pt), reps[i : i + per_task]))
            size += len(reps[i : i + per_task])
            if size >= per_task:
                tasks.append(current)
                current, size = [], 0
    return tasks + ([current] if current else [])


@pytest.mark.parametrize("per_task", [1, 3, 4, 7, 100])
def test_streamed_tasks_group_runs_as_listed_tasks_did(tmp_path, per_task):
    import numpy as np

    from recogsim.runs.plan import Done, sweep

    exp = tmp_path / "exp.yaml"
    params = [{"path": "taliban.crackdown", "values": [0.1, 0.3, 0.5, 0.7, 0.9]}]
    design = {"name": "g", "scenario": str(DATA / "tiny.yaml"), "replications": 6, "design": {"kind": "grid"}}
    exp.write_text(yaml.safe_dump({**design, "parameters": params}))
    plan = sweep(load_experiment(exp))
    rng = np.random.default_rng(per_task)
    for done_pairs in (set(), {(p, r) for p in range(5) for r in range(6) if rng.random() < 0.4}):
        done = Done.of(done_pairs, plan.replications)
        assert len(done) == len(done_pairs)
        todo = list(plan.jobs(done))
        assert [(p, r) for p, r, _ in todo] == [(p, r) for p in range(5) for r in range(6) if (p, r) not in done_pairs]
        assert list(plan.tasks(iter(todo), per_task)) == _tasks_as_lists(plan, todo, per_task)


def test_a_plan_of_a_billion_runs_yields_its_first_task_at_once(tiny):
    """No list of runs: the first task of 10^9 runs comes as fast as that of ten, and done runs
    are held as a few ranges however many they are."""
    import time

    import numpy as np

    from recogsim.runs.plan import Done, ensemble

    plan = ensemble(tiny, 10**9)
    half = np.arange(5 * 10**6)
    done = Done.from_arrays(np.zeros_like(half), half, plan.replications)  # 5 million runs, one range
    assert len(done) == 5 * 10**6 and len(done.starts) == 1
    assert (0, 4_999_999) in done and (0, 5 * 10**6) not in done
    started = time.perf_counter()
    first = next(plan.tasks(plan.jobs(done), 100))
    assert time.perf_counter() - started < 1
    assert [rep for rep, _ in first[0][2]] == list(range(5 * 10**6, 5 * 10**6 + 100))


def test_done_ranges_leave_the_gaps_to_run():
    import numpy as np

    from recogsim.runs.plan import Done

    done = Done.from_arrays(np.array([0, 0, 0, 1, 1, 2]), np.array([0, 1, 3, 0, 1, 3]), 4)
    assert list(done.gaps(12)) == [(2, 3), (6, 11)]  # run numbers point * 4 + replication
    assert list(Done.of(set(), 4).gaps(3)) == [(0, 3)]
    assert [(p, r) for p in range(3) for r in range(4) if (p, r) in done] == [
        (0, 0), (0, 1), (0, 3), (1, 0), (1, 1), (2, 3)
    ]  # fmt: skip
