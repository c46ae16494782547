"""Mesa engine time per run of the baseline and adaptive_taliban, against another source tree.

Usage: python benchmarks/bench_per_run.py [OTHER_SRC] [ROUNDS]
  OTHER_SRC  a `src` folder of another checkout (e.g. `git worktree add /tmp/old 8bbdff9`, then
             /tmp/old/src); without it only this tree is timed.
Each round times 20 runs per scenario, each tree on its own scenario files, in a fresh process for
each tree, alternating, so both see the same machine; prints each tree's best round (the process's
CPU time, which another process on the machine does not lengthen; this machine's wall-clock times
drift by a third within minutes) in ms per run, and the ratio.
Target (issue 8): the current tree within 10% of commit 8bbdff9.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TIMER = """
import sys, time
sys.path.insert(0, sys.argv[1])
try:
    from recogsim import load_scenario
    from recogsim.model.model import RecognitionModel
except ImportError:  # trees from before the layers (8bbdff9)
    from recogsim.scenario import load as load_scenario
    from recogsim.model import RecognitionModel
for name in ("baseline", "adaptive_taliban"):
    s = load_scenario(sys.argv[2] + f"/scenarios/{name}.yaml")
    RecognitionModel(s, seed=0).run()  # warm up
    t = time.process_time()
    for seed in range(20):
        RecognitionModel(s, seed=seed).run()
    print(name, (time.process_time() - t) / 20 * 1000)
"""


def time_tree(src: str) -> dict[str, float]:
    # each tree runs its own scenario files: a scenario may use keys an older tree does not know
    root = str(Path(src).resolve().parent)
    out = subprocess.run([sys.executable, "-c", TIMER, src, root], capture_output=True, text=True, check=True)
    return {name: float(ms) for name, ms in (line.split() for line in out.stdout.splitlines())}


def main() -> None:
    other = sys.argv[1] if len(sys.argv) > 1 else None
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    trees = {"this tree": str(HERE / "src"), **({other: other} if other else {})}
    times: dict[str, dict[str, list[float]]] = {t: {"baseline": [], "adaptive_taliban": []} for t in trees}
    for _ in range(rounds):
        for label, src in trees.items():
            for name, ms in time_tree(src).items():
                times[label][name].append(ms)
    for name in ("baseline", "adaptive_taliban"):
        here = min(times["this tree"][name])
        line = f"{name:17s} this tree {here:6.1f} ms/run"
        if other:
            there = min(times[other][name])
            line += f"   {other}: {there:6.1f} ms/run   ratio {here / there:.3f}"
        print(line)


if __name__ == "__main__":
    main()
