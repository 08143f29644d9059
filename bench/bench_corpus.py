"""html_corpus end to end against the screenshot limit, on a corpus of realistic pages; and memory
at 1x and 10x the corpus.

    python bench/bench_corpus.py [--pages 300] [--workers 2] [--rounds 3] [--memory] [--memory-pages 300]

The corpus is tests/corpus_pages.py's: a folder of pages (14 languages, 8 archetypes, long and
short, broken markup, remote scripts, stylesheets, fonts, pictures and iframes, local stylesheets
and pictures beside them, exact and near duplicates), cut into --rounds folders. Each round runs
both modes on its folder in --workers processes, one browser each, started and warmed before the
clock starts:

  factory  what a `render-factory generate` worker does for its shards: read the records, sanitize,
           filter (language, duplicates), render, check, make the targets (the built-in `corpus`
           recipe's mix: Pix2Struct budgeted parsing with its outline, sanitized HTML), encode,
           write the tar and its stats (factory.dataset.shards.write_shard);
  limit    only the pictures: the sanitized pages the factory renders (the same ones: records it
           drops before rendering are not rendered here either), in one reused page, set_content,
           local files served from memory, document height, resize, CDP PNG optimizeForSpeed.

Rates are records of the corpus per second over the slowest worker's time (both modes handle
the same records), rounds interleaved because this machine's speed drifts.

--memory runs `generate` on a JSONL corpus of --memory-pages records and then of 10x as many, each
in a fresh process, in shards of the same size (two a worker at 1x), sampling the resident memory of the whole process tree (driver, workers,
their browsers) every 0.2 s: the peak should not grow with the corpus.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WARMUP = 2
TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(root_pid: int) -> float:
    """CPU seconds (user + system) used so far by root_pid and its live descendants (its browser)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / TICKS
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(pid, 0.0) for pid in tree)


def recipe_for(source: str, shard: int, records: int) -> dict:
    """The built-in corpus recipe on source, planned for its records (the recipe's 10 million
    samples in small shards would pass the recipe's shard-count limit)."""
    import yaml

    from factory.recipe import read_recipe_text

    data = yaml.safe_load(read_recipe_text("corpus")[0])
    data["generators"]["html_corpus"]["source"] = source
    data["shard"] = {"samples": shard}
    data["samples"] = records
    return data


def _warm(workshop) -> None:
    from factory.corpus.filters import detect_language
    from factory.generators.html_corpus import CorpusPage
    from tests.corpus_pages import SENTENCES

    renderer = workshop.renderer("chromium")
    for _ in range(WARMUP):
        renderer.render(CorpusPage("<p>warm up</p>", 1024, 768, True, 4000))
    for sentences in SENTENCES.values():  # lingua loads a language's model when it first meets it
        detect_language(" ".join(sentences))


def mode_factory(recipe: dict, shards: list, barrier, queue) -> None:
    from factory.dataset.shards import write_shard
    from factory.dataset.storage import Store
    from factory.recipe import recipe_from_dict
    from factory.samples import Workshop

    workshop = Workshop(recipe_from_dict(recipe))
    _warm(workshop)
    store = Store(tempfile.mkdtemp(prefix="bench-corpus-"))
    barrier.wait()
    start, cpu = time.perf_counter(), tree_cpu(os.getpid())
    attempts = sum(write_shard(workshop, store, shard)["attempts"] for shard in shards)
    queue.put((attempts, time.perf_counter() - start, tree_cpu(os.getpid()) - cpu))
    workshop.close()


def mode_limit(pages: list, barrier, queue) -> None:
    """pages: (html, {url: (content_type, body)}) to draw at 1024x768, full page, at most 4000 px."""
    from playwright.sync_api import sync_playwright

    from renderers import browser as browsers

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=browsers.find_browser(None, pw, system_first=True).path,
                                     args=list(browsers.LAUNCH_ARGS) + ["--no-sandbox"])
        context = browser.new_context(java_script_enabled=False, no_viewport=True)
        served: dict = {}

        def route(r):
            found = served.get(r.request.url)
            if found:
                r.fulfill(status=200, headers={"content-type": found[0]}, body=found[1])
            else:
                r.abort("blockedbyclient")

        context.route("**/*", route)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        current = [None]

        def resize(width, height):
            if current[0] != (width, height):
                cdp.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
                current[0] = (width, height)

        def one(html, assets):
            served.clear()
            served.update(assets)
            resize(1024, 768)
            page.set_content(html, wait_until="load")
            height = min(page.evaluate("document.documentElement.scrollHeight"), 4000)
            resize(1024, height)
            clip = {"x": 0, "y": 0, "width": 1024, "height": height, "scale": 1}
            return base64.b64decode(cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True, "clip": clip})["data"])

        for _ in range(WARMUP):
            one("<p>warm up</p>", {})
        barrier.wait()
        start, cpu = time.perf_counter(), tree_cpu(os.getpid())
        for html, assets in pages:
            one(html, assets)
        queue.put((len(pages), time.perf_counter() - start, tree_cpu(os.getpid()) - cpu))
        browser.close()


def rendered_pages(recipe: dict) -> tuple[int, list]:
    """Records of the recipe's corpus, and the sanitized pages the factory renders of them."""
    from factory.errors import Dropped
    from factory.plan import plan_shards
    from factory.recipe import recipe_from_dict
    from factory.samples import Workshop
    from factory.seeding import rng_for

    resolved = recipe_from_dict(recipe)
    generator = Workshop(resolved).generators["html_corpus"]
    records, pages = 0, []
    for shard in plan_shards(resolved):
        for attempt in generator.attempts(shard.part):
            records += 1
            try:
                source = generator.from_record(attempt, rng_for(0), 0)
            except Dropped:
                continue
            pages.append((source.html, {url: (a.content_type, a.body) for url, a in source.assets.items()}))
    return records, pages


def run(target, jobs: list[tuple], workers: int) -> tuple[float, float]:
    """Start one process per job, release them together; the slowest one's seconds, and the CPU
    seconds all of them (and their browsers) used."""
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers)
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(*job, barrier, queue)) for job in jobs]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return max(r[1] for r in results), sum(r[2] for r in results)


def bench_speed(args) -> None:
    from factory.plan import plan_shards
    from factory.recipe import recipe_from_dict
    from tests.corpus_pages import build_pages, write_folder

    pages = build_pages(args.pages, seed=args.seed, local=True)
    base = Path(tempfile.mkdtemp(prefix="bench-corpus-src-"))
    per_round = math.ceil(args.pages / args.rounds)
    totals = {"factory": 0.0, "limit": 0.0}
    cpu = {"factory": 0.0, "limit": 0.0}
    records_total = 0
    print(f"corpus: {args.pages} pages in {args.rounds} rounds, workers: {args.workers}, cores: {os.cpu_count()}, "
          f"load average before: {os.getloadavg()[0]:.2f}")
    for r in range(args.rounds):
        folder = write_folder(base / f"round{r}", pages[r * per_round : (r + 1) * per_round])
        shard = max(1, math.ceil(per_round / (args.workers * 3)))  # three shards a worker
        recipe = recipe_for(str(folder), shard, per_round)
        plan = plan_shards(recipe_from_dict(recipe))
        records, drawn = rendered_pages(recipe)
        factory, factory_cpu = run(mode_factory, [(recipe, plan[w :: args.workers]) for w in range(args.workers)], args.workers)
        limit, limit_cpu = run(mode_limit, [(drawn[w :: args.workers],) for w in range(args.workers)], args.workers)
        totals["factory"] += factory
        totals["limit"] += limit
        cpu["factory"] += factory_cpu
        cpu["limit"] += limit_cpu
        records_total += records
        print(f"  round {r + 1}: {records} records ({len(drawn)} rendered): factory {records / factory:6.2f}/s, "
              f"limit {records / limit:6.2f}/s, factory/limit {limit / factory:.2f}; CPU ms a record: "
              f"factory {factory_cpu / records * 1000:.0f}, limit {limit_cpu / records * 1000:.0f}")
    print(f"factory {records_total / totals['factory']:6.2f} records/s   (read, sanitize, filter, render, check, targets, tar)")
    print(f"limit   {records_total / totals['limit']:6.2f} records/s   (set_content + PNG capture of the same rendered pages)")
    print(f"factory/limit: {totals['limit'] / totals['factory']:.2f}")
    print(f"CPU a record (worker and its browser): factory {cpu['factory'] / records_total * 1000:.0f} ms, "
          f"limit {cpu['limit'] / records_total * 1000:.0f} ms: limit/factory {cpu['limit'] / cpu['factory']:.2f} "
          "(the rate ratio on 2 cores of its own, where both are CPU-bound)")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


# ---- memory ---------------------------------------------------------------------------------


def _tree_rss(root_pid: int) -> tuple[int, int]:
    """(bytes resident in root_pid and all its descendants, of which in Python processes)."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            with open(f"/proc/{entry}/comm") as f:
                names[int(entry)] = f.read().strip()
        except OSError:
            continue
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = python = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/statm") as f:
                rss = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
        total += rss
        if names.get(pid, "").startswith("python"):
            python += rss
    return total, python


def bench_memory(args) -> None:
    from factory.dataset.layout import MANIFEST
    from tests.corpus_pages import build_pages, write_jsonl

    base = Path(tempfile.mkdtemp(prefix="bench-corpus-mem-"))
    print(f"memory: generate on a JSONL corpus at 1x and 10x ({args.memory_pages} and {args.memory_pages * 10} records), "
          f"{args.workers} workers; peak resident memory of the whole process tree, sampled every 0.2 s")
    shard = max(1, args.memory_pages // (2 * args.workers))  # one size at both scales: every worker busy at 1x
    for scale in (1, 10):
        n = args.memory_pages * scale
        source = write_jsonl(base / f"corpus{scale}x.jsonl", build_pages(n, seed=args.seed + scale))
        recipe = recipe_for(str(source), shard, n)
        recipe_path = base / f"recipe{scale}x.json"
        recipe_path.write_text(json.dumps(recipe))
        out = base / f"out{scale}x"
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "factory.cli", "generate", str(recipe_path), "--out", str(out),
                                 "--workers", str(args.workers), "--quiet"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        peak, peak_python = [0], [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                total, python = _tree_rss(proc.pid)
                peak[0], peak_python[0] = max(peak[0], total), max(peak_python[0], python)
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        output = proc.communicate()[0].strip().splitlines()
        stop.set()
        sampler.join()
        manifest = json.loads((out / MANIFEST).read_text())
        print(f"  {scale:2d}x: {n} records, {manifest['samples']['total']} samples, {len(manifest['shards'])} shards in "
              f"{time.perf_counter() - start:.0f} s; peak RSS {peak[0] / 2**20:.0f} MiB "
              f"(Python processes {peak_python[0] / 2**20:.0f} MiB)   [{output[-1][:80] if output else ''}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--memory", action="store_true", help="also measure memory at 1x and 10x")
    parser.add_argument("--memory-only", action="store_true")
    parser.add_argument("--memory-pages", type=int, default=300)
    args = parser.parse_args()
    if not args.memory_only:
        bench_speed(args)
    if args.memory or args.memory_only:
        bench_memory(args)


if __name__ == "__main__":
    main()
