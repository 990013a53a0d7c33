"""New playlists from the leftovers, measured: clusters, sizes and silhouette per library and precision.

    python bench/discover.py                              # demo, deadda7a, seankmchenry at 0.7 / 0.8 / 0.9
    python bench/discover.py --libraries demo --precisions 0.8

Per library (its catch-alls left out, as the dashboard suggests: `pipeline.recommended.catch_alls`)
the default configuration scores every liked song once; for each minimum precision, the songs
below its threshold are clustered (`pipeline.discover`) and the table prints how many were left
over, the smallest cluster allowed, the proposals' sizes, how many songs stayed unclustered, the
mean silhouette of the clustered songs and the proposals' names. On the demo it also prints how
well the clusters recover the vibes the demo drew its liked songs from (adjusted Rand index over
the clustered songs; `pipeline.sources.demo.demo_track_vibes`), when that is available.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import libraries  # noqa: E402

from pipeline.discover import default_min_size, discover  # noqa: E402
from pipeline.recommended import catch_alls, recommended_config  # noqa: E402
from pipeline.sources import load_library  # noqa: E402
from pipeline.suggest import choose_threshold, lowest_suggested_score, score_liked_songs  # noqa: E402


def library_named(name: str):
    full = load_library("demo") if name == "demo" else libraries.real_library(name)
    return full.exclude([found.playlist_name for found in catch_alls(full)])


def vibe_agreement(name: str, proposals) -> float | None:
    """Adjusted Rand index between the clusters and the demo's hidden vibes (clustered songs only)."""
    if name != "demo":
        return None
    try:
        from pipeline.sources.demo import demo_track_vibes
    except ImportError:
        return None
    from sklearn.metrics import adjusted_rand_score
    vibes = demo_track_vibes()
    pairs = [(p.number, vibes[t]) for p in proposals for t in p.track_ids if t in vibes]
    if len({c for c, _ in pairs}) < 2:
        return None
    return float(adjusted_rand_score([c for c, _ in pairs], [v for _, v in pairs]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--libraries", nargs="*", default=["demo", "deadda7a", "seankmchenry"])
    parser.add_argument("--precisions", nargs="*", type=float, default=[0.7, 0.8, 0.9])
    args = parser.parse_args()
    print(f"{'library':<14}{'precision':>10}{'liked':>7}{'left':>7}{'min':>5}{'noise':>7}{'silhouette':>11}"
          f"{'ARI':>7}  sizes / names")
    for name in args.libraries:
        library = library_named(name)
        started = time.perf_counter()
        scored = score_liked_songs(library, recommended_config())
        best = scored.best_scores()
        scoring = time.perf_counter() - started
        for precision in args.precisions:
            threshold = choose_threshold(scored, min_precision=precision)
            leftovers = best[best < lowest_suggested_score(threshold)].index
            started = time.perf_counter()
            found = discover(library, leftovers)
            seconds = time.perf_counter() - started
            silhouette = "-" if found.silhouette is None else f"{found.silhouette:.3f}"
            ari = vibe_agreement(name, found.proposals)
            print(f"{name:<14}{precision:>10.2f}{len(best):>7,}{found.leftovers:>7,}"
                  f"{default_min_size(found.leftovers):>5}{found.unclustered:>7,}{silhouette:>11}"
                  f"{'-' if ari is None else f'{ari:.3f}':>7}  {found.sizes() or found.notes[0]}"
                  f"  ({seconds:.1f} s to cluster; scoring took {scoring:.0f} s)")
            for proposal in found.proposals:
                print(f"{'':<14}{'':>10}  {len(proposal.track_ids):>5}  {proposal.name}")


if __name__ == "__main__":
    main()
