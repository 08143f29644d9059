"""What decoding pages' pictures before loading them costs (renderers/chromium.py says why).

    python bench/bench_predecode.py [--pages 40] [--rounds 2]

One process, one browser, generated pages: every render is timed, and inside it the call that
decodes the page's pictures. Prints the decode step's share of the render time. The end-to-end
comparison (with and without the step, interleaved) is `bench/bench_screenshots.py --source
generator:pages --modes factory,undecoded --repeat 4`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import renderers.chromium as chromium  # noqa: E402
from factory.recipe import recipe_from_dict  # noqa: E402
from factory.samples import Workshop  # noqa: E402
from factory.seeding import rng_for, sample_seed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    generator = Workshop(recipe_from_dict({"tasks": {"screenshot_to_html": 1}})).generators["pages"]
    seeds = [sample_seed(0, 0, i) for i in range(args.pages)]
    sources = [generator.sample(rng_for(s), s) for s in seeds]
    decoding: list[float] = []
    make_tab = chromium._Tab.__init__

    def timed_tab(self, context, scale):
        make_tab(self, context, scale)
        evaluate = self.page.evaluate

        def timed(js, *a, **k):
            t0 = time.perf_counter()
            out = evaluate(js, *a, **k)
            if js is chromium._DECODE_JS:
                decoding.append(time.perf_counter() - t0)
            return out

        self.page.evaluate = timed

    chromium._Tab.__init__ = timed_tab
    renderer = chromium.ChromiumRenderer({})
    for source in sources[:2]:  # warm-up: browser start, first page
        renderer.render(source)
    decoding.clear()
    total = 0.0
    for _ in range(args.rounds):
        for source in sources:
            t0 = time.perf_counter()
            renderer.render(source)
            total += time.perf_counter() - t0
    renderer.close()
    n = args.rounds * len(sources)
    print(f"{n} renders: {total:.1f} s, {total / n * 1000:.0f} ms a page")
    if decoding:
        print(f"decoding pictures first: {sum(decoding):.2f} s = {sum(decoding) / total:.1%} of render time "
              f"(median {statistics.median(decoding) * 1000:.1f} ms on the {len(decoding)} renders of pages with pictures)")


if __name__ == "__main__":
    main()
