"""Speed benchmark: what ``suggest`` costs on top of its own fit + predict.

    python bench/suggest_speed.py                          # demo + seankmchenry, 3 repetitions
    python bench/suggest_speed.py --libraries demo --repeats 5
    python bench/suggest_speed.py --libraries seankmchenry --repeats 1

Per library and repetition: fit + predict alone (`score_liked_songs`: the calibrated model
fitted on every playlist, every liked song scored), then the table with its ranks, runner-ups
and explanations built from those scores (`suggestions_table`), per playlist (the default, what
the dashboard stores) and per track with every playlist (``suggest --per-track all``).
Prints medians of wall-clock and CPU seconds (the machines are shared and noisy: compare ratios,
not seconds; on a busy machine the CPU ratio is the steadier one): ``suggest / fit`` is the whole
command against its own fit + predict, ``share`` what the table adds as a share of fit + predict.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from libraries import load  # noqa: E402
from pipeline.recommended import recommended_config  # noqa: E402
from pipeline.suggest import score_liked_songs, suggestions_table  # noqa: E402

TABLES = {"per playlist (25)": {}, "per track (all)": None}
"""Table name -> `suggestions_table` arguments (None: per track, every playlist)."""


def seconds(action) -> tuple[float, float, object]:
    """Wall-clock and CPU seconds of ``action()``, and its result."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def measure(name: str, repeats: int) -> None:
    library = load(name)
    config = recommended_config()
    every_playlist = {"per_track": len(library.playlists())}
    fits, tables = [], {table: [] for table in TABLES}
    for _ in range(repeats):  # interleaved, so a busy spell on the machine hits every measurement alike
        wall, cpu, scored = seconds(lambda: score_liked_songs(library, config))
        fits.append((wall, cpu))
        for table, arguments in TABLES.items():
            kwargs = every_playlist if arguments is None else arguments
            tables[table].append(seconds(lambda: suggestions_table(scored, library, **kwargs))[:2])
    fit_wall, fit_cpu = (statistics.median(times) for times in zip(*fits))
    print(f"\n{name}: {len(library.playlists())} playlists, {len(library.memberships):,} playlist rows, "
          f"{len(library.liked):,} liked songs; median of {repeats}, seconds wall (cpu)")
    print(f"  {'fit + predict':<18} {fit_wall:7.2f} ({fit_cpu:6.2f})")
    for table, times in tables.items():
        wall, cpu = (statistics.median(column) for column in zip(*times))
        print(f"  {table:<18} {wall:7.2f} ({cpu:6.2f})   suggest / fit {(fit_wall + wall) / fit_wall:5.2f}x "
              f"({(fit_cpu + cpu) / fit_cpu:5.2f}x)   share {wall / fit_wall:5.3f} ({cpu / fit_cpu:5.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--libraries", nargs="+", default=["demo", "seankmchenry"],
                        help="benchmark library names (bench/libraries.py)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for name in args.libraries:
        measure(name, args.repeats)


if __name__ == "__main__":
    main()
