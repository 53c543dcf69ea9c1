"""Time of the leaderboard's F1-against-size plot (`unibench.leaderboard.plots.size_svg`) for many models.

Why: a results repository can hold thousands of model revisions, and the label placement used to be
cubic (22 s for 1,000 models of one size, with most labels pushed outside the picture). This script
renders the plot for N models in two layouts, all of one size (the worst case: every point in one
column) and sizes spread over 1M..100B, and reports the time, how many numbers were placed, and
that every placed number lies inside the plot area.

    python benchmarks/bench_size_plot.py              # 1,000 models
    python benchmarks/bench_size_plot.py --n 10000

Numbers go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import platform
import random
import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from unibench.leaderboard.plots import size_svg  # noqa: E402


def points(n: int, same_size: bool, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        size = 7_000_000_000 if same_size else int(10 ** rng.uniform(6, 11))
        f1 = rng.uniform(0.2, 0.7)
        out.append({"n": size, "f1": f1, "ci": (max(0.0, f1 - 0.03), min(1.0, f1 + 0.03)),
                    "label": f"org/model-{i} <&>", "marker": str(i + 1), "reported": i % 7 == 0})
    return out


def measure(n: int, same_size: bool, repeat: int) -> dict:
    pts = points(n, same_size)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        svg = str(size_svg(pts))
        best = min(best, time.perf_counter() - t0)
    w, h = (int(v) for v in re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).groups())
    xs = [(float(a), float(b)) for a, b in re.findall(r'<text x="([\d.-]+)" y="([\d.-]+)" class="mk">', svg)]
    inside = all(0 <= x <= w and 0 <= y <= h for x, y in xs)
    return {"seconds": best, "labels": len(xs), "inside": inside, "bytes": len(svg)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.n} models, best of {args.repeat}")
    for same in (True, False):
        r = measure(args.n, same, args.repeat)
        layout = "one size" if same else "sizes 1M-100B"
        print(f"{layout:>14}: {r['seconds'] * 1000:.1f} ms, {r['labels']} of {args.n} numbers placed "
              f"(all inside the picture: {r['inside']}), {r['bytes'] / 1024:.0f} KiB of SVG")


if __name__ == "__main__":
    main()
