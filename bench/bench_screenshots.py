"""How fast Chromium screenshots are made, three ways, on the same pages and the same workers.

    python bench/bench_screenshots.py [--pages 40] [--workers 2] [--rounds 2] [--repeat 1]
                                      [--source demo | generator:pages | recipe:documents | module:function]
                                      [--modes naive,limit,factory] [--capture-paths K]

Modes (each in --workers processes, one browser per process, pages dealt round-robin):
  naive    what a first script does: a new page per sample, page.goto(file://...),
           page.screenshot() (Playwright's default PNG);
  limit    only what the picture needs, in one reused page: a viewport override, set_content,
           the document height and a resize to it (full pages), CDP Page.captureScreenshot PNG
           optimizeForSpeed;
  factory  renderers.chromium.ChromiumRenderer.render() end to end (isolation, settling, DOM facts);
  undecoded  the factory without decoding embedded pictures before each page: what byte-identical
           pages cost (renderers/chromium.py says why pictures are decoded first);
  e2e      the whole sample, as `render-factory generate` makes it (factory.samples.make_sample:
           generate the source, render, check, targets, encode, pack the json), for the attempts
           of a recipe (`--source recipe:NAME` only): e.g. documents end to end.

Each worker launches its browser and renders two pages before the clock starts; the workers
then start together and the figure is all samples over the slowest worker's time. Each mode also
reports the CPU time its workers' process trees (Python, Playwright's driver, the browser) spent
per sample, read from /proc: on a 2-core machine shared with other jobs the rates swing with
their load, CPU per sample hardly does, and with busy cores it is what throughput follows. The script
also reports how many pages came out pixel-identical between modes: the modes must be doing
the same work. Expected differences against naive: pages taller than max_height (naive does not
cap) and full pages sized in vh units (page.screenshot(full_page=True) lays the page out again
at full height during the capture; a 1 px shift of a centred block is typical). To add a mode, write `def mode_x(sources, rounds, barrier, executable)` returning
(samples, seconds, digests) and add it to MODES.

Page sources: `demo` is built in (40 varied pages, no network); `generator:NAME` samples the
registered generator NAME with default options; `recipe:NAME` the first attempts of the recipe's
first shard exactly as a run draws them (the e2e mode makes those very samples); `module:function` is any callable
(n, seed) -> list of objects with html, viewport_width, viewport_height, full_page, max_height.
A source with a `legible` capture rule (the built-in pages recipe) is first rendered once, untimed,
and the limit is told the height the factory captured, so both make the same picture.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import importlib
import io
import multiprocessing as mp
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from renderers import browser as browsers  # noqa: E402

WARMUP = 2
E2E_WARMUP = 64  # further samples the e2e mode makes first (see mode_e2e)


@dataclass
class DemoPage:
    html: str
    viewport_width: int
    viewport_height: int
    full_page: bool
    max_height: int = 4000
    javascript: bool = False


WORDS = (
    "revenue growth market quarterly report analysis customer product design team data model "
    "forecast region sales total average annual review launch service support value plan "
    "network energy health travel garden kitchen library museum river mountain city harbor"
).split()


def _words(rng: np.random.Generator, n: int) -> str:
    return " ".join(rng.choice(WORDS, size=n))


def _svg_data_uri(rng: np.random.Generator) -> str:
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"]
    shapes = "".join(
        f"<rect x='{i * 20}' y='{int(rng.integers(5, 60))}' width='16' height='80' fill='{colours[i % 5]}'/>"
        for i in range(8)
    )
    svg = f"<svg xmlns='http://www.w3.org/2000/svg' width='160' height='100'>{shapes}</svg>"
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def demo_pages(n: int = 40, seed: int = 0) -> list[DemoPage]:
    """Varied self-contained pages: articles, tables, forms, product grids, dashboards."""
    rng = np.random.default_rng(seed)
    viewports = [(1280, 800), (1024, 768), (800, 600), (390, 844)]
    pages = []
    for i in range(n):
        kind = ("article", "table", "form", "grid", "dashboard")[i % 5]
        width, height = viewports[int(rng.integers(len(viewports)))]
        hue = int(rng.integers(0, 360))
        font = ["system-ui, sans-serif", "Georgia, serif", "'DejaVu Sans Mono', monospace"][int(rng.integers(3))]
        style = (
            f"body{{margin:0;font-family:{font};color:#222;background:hsl({hue},30%,97%)}}"
            f"header{{background:hsl({hue},55%,35%);color:#fff;padding:16px 24px}} main{{padding:16px 24px}}"
            "table{border-collapse:collapse;width:100%} td,th{border:1px solid #bbb;padding:4px 8px;text-align:left}"
            ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(180px,1fr));gap:12px}"
            ".card{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 3px rgba(0,0,0,.2)}"
            "label{display:block;margin-top:10px} input,select,textarea{width:100%;padding:6px}"
        )
        title = _words(rng, 3).title()
        if kind == "article":
            body = "".join(f"<h2>{_words(rng, 4).title()}</h2><p>{_words(rng, int(rng.integers(40, 120)))}.</p>"
                           for _ in range(int(rng.integers(3, 8))))
        elif kind == "table":
            cols = int(rng.integers(3, 7))
            head = "".join(f"<th>{_words(rng, 1).title()}</th>" for _ in range(cols))
            rows = "".join("<tr>" + "".join(f"<td>{rng.integers(0, 10000) / 100:.2f}</td>" for _ in range(cols)) + "</tr>"
                           for _ in range(int(rng.integers(10, 40))))
            body = f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
        elif kind == "form":
            fields = "".join(f"<label>{_words(rng, 2).title()}<input placeholder='{_words(rng, 2)}'></label>"
                             for _ in range(int(rng.integers(3, 8))))
            body = (f"<form>{fields}<label>Topic<select><option>{_words(rng, 1)}</option></select></label>"
                    f"<label>Message<textarea rows=4>{_words(rng, 12)}</textarea></label><button>Send</button></form>")
        elif kind == "grid":
            body = "<div class=grid>" + "".join(
                f"<div class=card><img src='{_svg_data_uri(rng)}' alt='{_words(rng, 2)}' width=160 height=100>"
                f"<h3>{_words(rng, 2).title()}</h3><p>{_words(rng, 15)}</p><a href='#'>More</a></div>"
                for _ in range(int(rng.integers(4, 13)))) + "</div>"
        else:
            body = "<div class=grid>" + "".join(
                f"<div class=card><h3>{_words(rng, 2).title()}</h3><p style='font-size:28px'>"
                f"{rng.integers(100, 99999):,}</p><svg width=160 height=40><polyline fill=none stroke='hsl({hue},60%,40%)' "
                f"stroke-width=2 points='{' '.join(f'{x * 20},{int(rng.integers(0, 40))}' for x in range(9))}'/></svg></div>"
                for _ in range(int(rng.integers(4, 9)))) + "</div>"
        html = (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title><style>{style}</style>"
                f"</head><body><header><h1>{title}</h1><nav><a href='#'>Home</a> · <a href='#'>About</a></nav></header>"
                f"<main>{body}</main></body></html>")
        pages.append(DemoPage(html, width, height, full_page=bool(rng.random() < 0.6)))
    return pages


@dataclass
class PlannedSource:
    """A recipe's source for attempt `attempt` of its first shard, for the limit, naive and e2e modes."""

    html: str
    viewport_width: int
    viewport_height: int
    full_page: bool
    max_height: int
    javascript: bool
    device_scale_factor: float
    measure_words: bool
    recipe: str
    attempt: int
    legible: dict | None = None  # the pages generator's capture rule (renderers/chromium.py)
    capture_height: int | None = None  # CSS px: for a legible source, the height the factory captures


def recipe_sources(name: str, n: int) -> list[PlannedSource]:
    """The sources of a recipe's first n attempts, drawn as factory.samples.make_sample draws them."""
    from factory.plan import plan_shards
    from factory.recipe import load_recipe
    from factory.samples import Workshop
    from factory.seeding import rng_for, sample_seed

    resolved = load_recipe(name)
    workshop = Workshop(resolved)
    shard = plan_shards(resolved)[0]
    out = []
    for attempt in range(n):
        seed = sample_seed(resolved.seed, shard.index, attempt)
        rng = rng_for(seed)
        task = workshop.tasks[workshop.choose_task(float(rng.random()))]
        source = workshop.generators[task.generator].sample(rng, seed)
        out.append(PlannedSource(source.html, source.viewport_width, source.viewport_height, source.full_page,
                                 source.max_height, bool(getattr(source, "javascript", False)),
                                 float(getattr(source, "device_scale_factor", 1.0)),
                                 bool(getattr(source, "measure_words", False)), name, attempt,
                                 getattr(source, "legible", None)))
    return out


def tell_capture_heights(sources: list, executable: str) -> int:
    """Give each source with a `legible` rule the capture height the factory chooses for it (one
    untimed render each), so the limit captures the same picture without measuring anything."""
    from renderers.chromium import ChromiumRenderer

    told = 0
    renderer = ChromiumRenderer({"executable": executable})
    try:
        for source in sources:
            if getattr(source, "legible", None):
                render = renderer.render(source)
                source.capture_height = render.facts["page"]["captured_height"]
                told += 1
    finally:
        renderer.close()
    return told


def load_sources(spec: str, n: int, seed: int) -> list:
    if spec == "demo":
        return demo_pages(n, seed)
    if spec.startswith("recipe:"):
        return recipe_sources(spec.split(":", 1)[1], n)
    if spec.startswith("generator:"):
        from factory import registry
        from factory.seeding import rng_for

        cls = registry.generator_class(spec.split(":", 1)[1])
        generator = cls(cls.options_model())
        return [generator.sample(rng_for(seed + i), seed + i) for i in range(n)]
    module, _, name = spec.partition(":")
    return list(getattr(importlib.import_module(module), name)(n, seed))


# ---- modes: each runs in its own process --------------------------------------------------------


def _digest(png: bytes) -> str:
    """Hash of the decoded pixels (PNG bytes differ between encoders for the same picture)."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    return hashlib.sha256(image.tobytes() + repr(image.size).encode()).hexdigest()[:16]


def _tree_cpu() -> float | None:
    """CPU seconds used so far by this process and its live descendants (Playwright's driver, the
    browser and its helpers), from /proc; None where there is no /proc. Processes that exited
    in between (the naive mode's closed pages) are missed, so naive is under-counted."""
    if not os.path.isdir("/proc"):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    parent, used = {}, {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(name)] = int(fields[1])
        used[int(name)] = (int(fields[11]) + int(fields[12])) / tick
    mine, total = os.getpid(), 0.0
    for pid, seconds in used.items():
        p = pid
        while p > 1 and p != mine:
            p = parent.get(p, 0)
        if p == mine:
            total += seconds
    return total


def _timed(sources, rounds, barrier, one):
    for source in sources[:WARMUP]:
        one(source)
    barrier.wait()
    cpu0 = _tree_cpu()
    start = time.perf_counter()
    outputs = [one(source) for _ in range(rounds) for source in sources]
    elapsed = time.perf_counter() - start
    cpu1 = _tree_cpu()
    cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return len(outputs), elapsed, [_digest(png) if png else "" for png in outputs[: len(sources)]], cpu


def mode_naive(sources, rounds, barrier, executable):
    from playwright.sync_api import sync_playwright

    folder = tempfile.mkdtemp(prefix="bench-naive-")
    files = {}
    for i, source in enumerate(sources):
        path = Path(folder, f"page{i}.html")
        path.write_text(source.html, encoding="utf-8")
        files[id(source)] = path.as_uri()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])

        def one(source):
            page = browser.new_page(viewport={"width": source.viewport_width, "height": source.viewport_height},
                                    device_scale_factor=getattr(source, "device_scale_factor", 1))
            page.goto(files[id(source)])
            png = page.screenshot(full_page=source.full_page)
            page.close()
            return png

        result = _timed(sources, rounds, barrier, one)
        browser.close()
    return result


def mode_limit(sources, rounds, barrier, executable):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(browsers.LAUNCH_ARGS) + ["--no-sandbox"])
        context = browser.new_context(java_script_enabled=False, no_viewport=True)
        page = context.new_page()
        cdp = context.new_cdp_session(page)

        current = [None]

        def resize(width, height, scale):  # the cheapest resize: a device-metrics override, no window change
            if current[0] != (width, height, scale):
                cdp.send("Emulation.setDeviceMetricsOverride",
                         {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False})
                current[0] = (width, height, scale)

        def one(source):
            width = source.viewport_width
            scale = getattr(source, "device_scale_factor", 1)
            resize(width, source.viewport_height, scale)
            page.set_content(source.html, wait_until="load")
            height = source.viewport_height
            if getattr(source, "capture_height", None):  # told, not measured: the least work there is
                height = source.capture_height
                resize(width, height, scale)
            elif source.full_page:
                height = min(page.evaluate("document.documentElement.scrollHeight"), source.max_height)
                resize(width, height, scale)
            clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            shot = cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True, "clip": clip})
            return base64.b64decode(shot["data"])

        result = _timed(sources, rounds, barrier, one)
        browser.close()
    return result


def mode_factory(sources, rounds, barrier, executable):
    from renderers.chromium import ChromiumRenderer

    renderer = ChromiumRenderer({"executable": executable})
    try:
        return _timed(sources, rounds, barrier, lambda source: renderer.render(source).encoded)
    finally:
        renderer.close()


def mode_undecoded(sources, rounds, barrier, executable):
    import renderers.chromium as chromium

    chromium.embedded_images = lambda html: []
    return mode_factory(sources, rounds, barrier, executable)


def mode_e2e(sources, rounds, barrier, executable):
    from factory.errors import Dropped
    from factory.plan import plan_shards
    from factory.recipe import load_recipe
    from factory.samples import Workshop, make_sample

    if not all(isinstance(s, PlannedSource) for s in sources):
        raise SystemExit("the e2e mode needs --source recipe:NAME")
    resolved = load_recipe(sources[0].recipe, {"renderers.chromium.executable": executable})
    workshop = Workshop(resolved)
    shard = plan_shards(resolved)[0]
    fmt = resolved.recipe.image.format

    def one(source):
        try:
            return make_sample(workshop, shard, source.attempt).members[fmt]
        except Dropped:  # its time counts; it makes no sample
            return b""

    # A worker's one-time costs (Faker per locale, font coverage, the paper figures' chart pool:
    # 32 Matplotlib charts, ~2 s) are paid once per process, over thousands of samples in a real
    # run: pay them before the clock, on further attempts of the shard, not on the measured pages.
    if "documents" in resolved.generator_options:
        from factory.generators.doc_figures import POOL_SIZE, figure

        for index in range(POOL_SIZE):
            figure(index)
    for attempt in range(E2E_WARMUP):
        one(PlannedSource("", 0, 0, True, 0, False, 1.0, True, sources[0].recipe, 10_000 + attempt))
    try:
        return _timed(sources, rounds, barrier, one)
    finally:
        workshop.close()


def compare_capture(sources: list, executable: str, repeats: int = 5) -> None:
    """Median ms per lossless capture path, one process, on pages already loaded (no set_content)."""
    import statistics

    from playwright.sync_api import sync_playwright

    def median_ms(fn) -> float:
        fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=list(browsers.LAUNCH_ARGS) + ["--no-sandbox"])
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        cdp = context.new_cdp_session(page)

        def cdp_png(**extra):
            return lambda: base64.b64decode(cdp.send("Page.captureScreenshot", {"format": "png", **extra})["data"])

        rows: dict[str, list[float]] = {}
        for source in sources:
            width, height = source.viewport_width, source.viewport_height
            page.set_viewport_size({"width": width, "height": height})
            page.set_content(source.html, wait_until="load")
            full = min(page.evaluate("document.documentElement.scrollHeight"), source.max_height)
            view = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            tall = {**view, "height": full}

            def resize_then_capture():
                page.set_viewport_size({"width": width, "height": full})
                cdp_png(optimizeForSpeed=True, clip=tall)()
                page.set_viewport_size({"width": width, "height": height})

            paths = {
                "viewport: page.screenshot() PNG": lambda: page.screenshot(),
                "viewport: CDP PNG": cdp_png(clip=view),
                "viewport: CDP PNG optimizeForSpeed": cdp_png(optimizeForSpeed=True, clip=view),
                "full page: page.screenshot(full_page=True)": lambda: page.screenshot(full_page=True),
                "full page: CDP optimizeForSpeed captureBeyondViewport": cdp_png(
                    optimizeForSpeed=True, captureBeyondViewport=True, clip=tall),
                "full page: resize viewport, CDP optimizeForSpeed, resize back": resize_then_capture,
            }
            for name, fn in paths.items():
                rows.setdefault(name, []).append(median_ms(fn))
        browser.close()
    print(f"capture paths (median ms per capture, mean over {len(sources)} pages):")
    for name, values in rows.items():
        print(f"  {sum(values) / len(values):7.1f} ms  {name}")


MODES = {
    "naive": ("new page per sample, goto file://, page.screenshot() PNG", mode_naive),
    "limit": ("reused page, set_content + CDP PNG optimizeForSpeed, nothing else", mode_limit),
    "factory": ("ChromiumRenderer.render() end to end", mode_factory),
    "undecoded": ("the factory without decoding pictures first", mode_undecoded),
    "e2e": ("whole samples: generate, render, check, targets, encode (factory.samples.make_sample)", mode_e2e),
}


def _worker(mode, sources, rounds, barrier, executable, queue):
    queue.put(MODES[mode][1](sources, rounds, barrier, executable))


def run_mode(mode: str, sources: list, workers: int, rounds: int, executable: str) -> tuple[float, list[str], float | None]:
    """Samples per second over all workers, each page's pixel digest in page order, and CPU ms per
    sample (the workers' process trees: Python, driver and browser; None without /proc)."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers)
    queues = [ctx.Queue() for _ in range(workers)]
    shares = [sources[w::workers] for w in range(workers)]
    procs = [ctx.Process(target=_worker, args=(mode, shares[w], rounds, barrier, executable, queues[w]))
             for w in range(workers)]
    for p in procs:
        p.start()
    results = [q.get() for q in queues]
    for p in procs:
        p.join()
    samples = sum(r[0] for r in results)
    seconds = max(r[1] for r in results)
    digests: list[str] = [""] * len(sources)
    for w, r in enumerate(results):
        digests[w::workers] = r[2]
    cpu = None if any(r[3] is None for r in results) else 1000 * sum(r[3] for r in results) / samples
    return samples / seconds, digests, cpu


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="passes over the pages per timed run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", default="demo", help="demo | generator:NAME | module:function")
    parser.add_argument("--modes", default="naive,limit,factory")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the modes this many times, interleaved, and keep each mode's best (noisy machines)")
    parser.add_argument("--executable", default=None, help="Chromium to use (default: the factory's lookup)")
    parser.add_argument("--capture-paths", type=int, default=0, metavar="K",
                        help="first time the lossless capture paths on the first K pages")
    args = parser.parse_args(argv)

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; known: {', '.join(MODES)}")
    executable = browsers.find_browser(args.executable).path
    sources = load_sources(args.source, args.pages, args.seed)
    if len(sources) < args.workers * (WARMUP + 1):
        parser.error(f"need at least {args.workers * (WARMUP + 1)} pages for {args.workers} workers")
    full = sum(bool(s.full_page) for s in sources)
    print(f"pages: {len(sources)} from {args.source} ({full} full-page), workers: {args.workers}, "
          f"rounds: {args.rounds}, cores: {os.cpu_count()}, chromium: {browsers.executable_version(executable)}, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    if any(getattr(s, "legible", None) for s in sources):
        told = tell_capture_heights(sources, executable)
        print(f"{told} pages have a legible rule: the limit is told the height the factory captures (measured untimed first)")
    if args.capture_paths:
        compare_capture(sources[: args.capture_paths], executable)
    rates: dict[str, float] = {}
    digests: dict[str, list[str]] = {}
    cpus: dict[str, list[float]] = {}
    for attempt in range(args.repeat):
        for mode in modes:
            rate, digests[mode], cpu = run_mode(mode, sources, args.workers, args.rounds, executable)
            rates[mode] = max(rates.get(mode, 0.0), rate)
            if cpu is not None:
                cpus.setdefault(mode, []).append(cpu)
            if args.repeat > 1:
                shown = f"   {cpu:6.1f} CPU ms/sample" if cpu is not None else ""
                print(f"  run {attempt + 1}: {mode:8s} {rate:7.2f} samples/s{shown}")
    for mode in modes:
        cpu = f"   {min(cpus[mode]):6.1f} CPU ms/sample" if mode in cpus else ""
        print(f"{mode:8s} {rates[mode]:7.2f} samples/s{cpu}   ({MODES[mode][0]})")
    pairs = (("factory", "naive"), ("factory", "limit"), ("limit", "naive"), ("factory", "undecoded"), ("e2e", "limit"), ("e2e", "naive"))
    for a, b in pairs:
        if a in rates and b in rates:
            same = sum(x == y for x, y in zip(digests[a], digests[b]))
            # CPU per sample is what decides throughput when the cores are busy, and it hardly moves
            # with other jobs on the machine: its ratio is the steadier figure on a shared machine.
            cpu = f", by CPU per sample {min(cpus[b]) / min(cpus[a]):.2f}" if a in cpus and b in cpus else ""
            print(f"{a}/{b}: {rates[a] / rates[b]:.2f}{cpu}   (identical pictures: {same}/{len(sources)})")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
