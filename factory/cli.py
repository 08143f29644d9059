"""`render-factory`: list what exists, generate datasets, verify them, look at them."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from factory import __version__
from factory.errors import FactoryError

log = logging.getLogger("factory")


def _progress_bar(enabled: bool):
    def make(shards, total):
        if not enabled or total == 0:
            return lambda n: None
        from tqdm import tqdm

        bar = tqdm(total=total, unit="sample", desc=f"{len(shards)} shard(s)", dynamic_ncols=True, smoothing=0.1)

        def update(n: int) -> None:
            bar.update(n)

        update.close = bar.close  # type: ignore[attr-defined]
        return update

    return make


def cmd_list(args: argparse.Namespace) -> int:
    from factory import registry
    from factory.recipe import builtin_recipes

    print("Built-in recipes:")
    for name, desc in builtin_recipes().items():
        print(f"  {name:<12} {desc}")
    print("\nTasks (task -> generator):")
    for name in registry.TASKS:
        try:
            cls = registry.task_class(name)
            gen = ", ".join(getattr(cls, "generators", ()) or (cls.generator,))
        except ImportError as exc:  # an engine's module that cannot load is shown, not hidden
            gen = f"unavailable: {exc}"
        print(f"  {name:<20} {gen}")
    print("\nGenerators (generator -> renderer):")
    for name in registry.GENERATORS:
        print(f"  {name:<20} {registry.generator_class(name).renderer}")
    from factory.generators import charts

    from factory.generators import chart_engines

    print("\nChart types:")
    print("  " + ", ".join(chart_engines.ALL_CHART_TYPES))
    print("\nChart engines (generators.charts.engines) and their types:")
    for engine, types in chart_engines.ENGINE_TYPES.items():
        print(f"  {engine:<12} {len(types)} types")
    print("\nChart style axes (each sampled independently):")
    for axis, desc in charts.STYLE_AXES.items():
        print(f"  {axis:<16} {desc}")
    from factory.generators import doc_locale, doc_style

    print("\nDocument genres (layouts):")
    for genre, layouts in doc_style.LAYOUTS.items():
        print(f"  {genre:<16} {', '.join(layouts)}")
    print("\nDocument style axes (each sampled independently):")
    for axis, desc in doc_style.STYLE_AXES.items():
        print(f"  {axis:<16} {desc}")
    print("\nDocument locales:")
    print("  " + ", ".join(doc_locale.SUPPORTED))
    from factory.generators import chart_engines, locales

    print("\nScripts (generators.*.locales; right-to-left marked <-; fonts from Debian's Noto packages):")
    for script, code in locales.SCRIPT_LOCALES.items():
        spec, codes = locales.SCRIPTS[script], [c for c, i in locales.LOCALES.items() if i.script == script]
        arrow = " <-" if locales.info(code).rtl else ""
        engines = ", ".join(e for e, scripts in chart_engines.ENGINE_SCRIPTS.items() if script in scripts)
        print(f"  {script + arrow:<18} {', '.join(codes)}; font {spec.sans or 'DejaVu/Liberation/Noto'}; charts: {engines}")
    from factory.augment.options import OPS, PRESETS

    print("\nAugment presets (recipe augment.preset):")
    for name, ops in PRESETS.items():
        print(f"  {name:<8} " + ", ".join(ops))
    print("\nAugment ops (recipe augment.ops, in the order they run; * moves pixels and boxes):")
    for name, spec in OPS.items():
        print(f"  {name + (' *' if spec.geometric else ''):<21} {spec.help}; " + ", ".join(spec.params))
    from factory.metrics import SCORERS

    print("\nMetrics (render-factory score; other tasks: edit similarity and exact match):")
    for task, scorer in SCORERS.items():
        print(f"  {task:<20} {', '.join(scorer.metrics)}")
    print("\nPlug-ins (installed packages' entry points; README: Python API and plug-ins):")
    for (group, name), origin in sorted(registry.PLUGINS.items()) or [(("", "none installed"), "")]:
        print(f"  {name:<20} {group.rpartition('.')[2]:<20} {origin}".rstrip())
    return 0


def default_output(name: str) -> str:
    """output/<recipe name>: a folder directly inside output/, whatever the name says."""
    folder = Path("output") / name
    if Path(name).is_absolute() or len(Path(name).parts) != 1 or name in (".", "..") or folder.resolve().parent != Path("output").resolve():
        raise FactoryError(f"recipe name {name!r} cannot name a folder inside output/; give --out, or a plain name")
    return str(folder)


def worker_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of worker processes, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}; leave it out to use every core")
    return value


def cmd_generate(args: argparse.Namespace) -> int:
    from factory.dataset import layout
    from factory.generate import generate
    from factory.recipe import load_recipe

    overrides = {
        "seed": args.seed,
        "samples": args.samples,
        "shard.samples": args.shard_size,
        "image.format": args.format,
    }
    if args.browser:  # every renderer that draws in Chromium: pages, tables, documents and Plotly charts
        overrides["renderers.chromium.executable"] = args.browser
        overrides["renderers.plotly.executable"] = args.browser
    if args.source:
        overrides["generators.html_corpus.source"] = args.source
    if args.ray_address and args.executor != "ray":
        raise FactoryError("--ray-address is for the Ray executor; add --executor ray, or leave --ray-address out")
    if args.out is not None and not args.out.strip():  # an unset $OUT in a script: never a silent default
        raise FactoryError("--out is empty; give an output folder, or leave --out out to use output/<recipe name>")
    resolved = load_recipe(args.recipe, overrides)
    out = args.out or default_output(resolved.recipe.name)
    manifest = generate(
        resolved,
        out,
        workers=args.workers,
        executor=args.executor,
        ray_address=args.ray_address,
        progress=_progress_bar(not args.quiet and sys.stderr.isatty() or args.progress),
    )
    samples = manifest["samples"]
    drops = manifest["drops"]
    print(
        f"wrote {samples['total']} samples in {len(manifest['shards'])} shards to {out} "
        f"({', '.join(f'{k}: {v}' for k, v in samples['by_split'].items())}); "
        f"dropped {drops['total']}" + (f" ({', '.join(f'{k}: {v}' for k, v in drops['by_reason'].items())})" if drops["total"] else "")
    )
    if samples["total"] < samples["planned"]:
        print(f"warning: {samples['planned'] - samples['total']} planned samples are missing; see {out}/{layout.STATS_FOLDER}/", file=sys.stderr)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from factory.dataset.verify import verify_report
    from factory.dataset.storage import Store

    report = verify_report(Store(args.dataset))
    for p in report.problems:
        print(f"FAIL {p}")
    if report.problems:
        print(f"{args.dataset}: {len(report.problems)} problem(s)")
        return 1
    print(f"{args.dataset}: OK, {report.shards} shards, {report.samples} samples match the manifest, stats and recipe")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="render-factory", description=__doc__)
    parser.add_argument("--version", action="version", version=f"render-factory {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("list", help="generators, tasks, chart types, style axes, built-in recipes")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("generate", help="make a dataset from a recipe (a built-in name or a YAML path)")
    p.add_argument("recipe", help="built-in recipe name (see `list`) or path to a .yaml recipe")
    p.add_argument("--out", help="output folder or fsspec URL (default: output/<recipe name>)")
    p.add_argument("--samples", type=int, help="total samples (overrides the recipe)")
    p.add_argument("--seed", type=int, help="recipe seed (overrides the recipe)")
    p.add_argument("--shard-size", type=int, help="samples per shard (overrides the recipe)")
    p.add_argument("--format", choices=["png", "jpg", "webp"], help="image format (overrides the recipe)")
    p.add_argument("--workers", type=worker_count, help="worker processes, at least 1 (default: all cores)")
    p.add_argument("--executor", choices=["local", "ray"], default="local")
    p.add_argument("--ray-address", help="Ray cluster address, e.g. auto (with --executor ray)")
    p.add_argument("--browser", help="path to a Chromium/Chrome executable")
    p.add_argument("--source", help="your pages for an html_corpus recipe: folder, WARC/JSONL/Parquet file, saved HF dataset or URL")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--progress", action="store_true", help="progress bar even when not on a terminal")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("verify", help="exit 0 only if every shard matches the manifest")
    p.add_argument("dataset", help="dataset folder or URL")
    p.set_defaults(func=cmd_verify)

    for name, module in (("preview", "factory.tools.preview"), ("report", "factory.tools.report"), ("render-chart", "factory.tools.render_chart"),
                         ("score", "factory.tools.score"), ("decontaminate", "factory.tools.decontaminate"),
                         ("export", "factory.tools.export"), ("audit", "factory.tools.audit")):
        try:
            mod = __import__(module, fromlist=["add_parser"])
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            continue
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)  # imports every tool: Ctrl-C may land here
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="render-factory: %(levelname)s: %(message)s" if args.verbose else "render-factory: %(message)s",
    )
    for noisy in ("matplotlib", "PIL", "fsspec", "asyncio", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args.func(args)
    except FactoryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: complete shards are kept; run the same command again to finish", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `render-factory verify D | head`: the reader left, nothing is wrong here
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush does not raise again
        return 141


if __name__ == "__main__":
    sys.exit(main())
