"""Whether a dataset folder is intact: everything it holds, checked against everything else.

Every problem is one line; nothing here raises on a malformed file, and nothing is written.

- The manifest: present, valid JSON, the shape the factory writes. Its shard names must be shard
  file names in the folder itself; any other name (`../../etc/hostname`) is reported, never opened.
- The recipe: `recipe.yaml` present, its sha256 the one the manifest, the marker and every stats
  file name; it loads, and the manifest lists exactly the shards it plans (so a shard removed
  together with its entry, or an emptied `shards: []`, is found).
- Every shard: size and sha256 as manifest and stats say, read back as a tar: the sample count
  both give, every sample with exactly the dataset's members, adjacent, keyed `<shard>_<n>`.
- Every stats file: readable, for a listed shard, agreeing with its manifest entry.
- The totals: samples per split, per task and per split and task, and drops, as the stats add up.
- The wids indexes: each as the manifest implies.
- Strays: temporary files (of any run), shards not in the manifest, stats of unlisted shards,
  any other file beside the shards (readers that take the whole folder would read it as a shard);
  and a run writing the dataset right now. A dataset of the old layout is one line saying so, and
  so is a folder that is no dataset at all.
- Links a run would write through (the lock file, `.render-factory/`, its `stats/`): generate
  refuses them, so verify names them.

Every read is bounded in time and memory: a name that is a FIFO, a device or a link to one is
named, never opened; JSON is read up to its limit and never raises RecursionError; a shard whose
size already differs from the manifest is not read (its hash could only differ too).
"""

from __future__ import annotations

import json
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from factory.dataset import layout
from factory.dataset.ownership import listing, marker_digest, recipe_digest, unsafe_entries, writer_active
from factory.dataset.shards import MAX_STATS_BYTES
from factory.dataset.storage import HashingReader, NotAFile, Store, TooLarge
from factory.errors import FactoryError

MAX_MANIFEST_BYTES = 64 << 20  # 100,000 shards (the most a recipe makes) take about 20 MB
MAX_LINES_PER_KIND = 20  # of one kind of problem, e.g. 5,000 missing shards: 20 lines and a count


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


Count = StrictInt


class _Entry(_Strict):
    name: str
    split: str
    samples: Count = Field(ge=0)
    bytes: Count = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class _Samples(_Strict):
    planned: Count
    total: Count
    by_split: dict[str, Count]
    by_task: dict[str, Count]
    by_split_and_task: dict[str, dict[str, Count]]


class _Drops(_Strict):
    total: Count
    by_reason: dict[str, Count]


class _Decontaminated(_Strict):
    emptied_splits: list[str] = []


class _Manifest(_Strict):
    name: str
    recipe_sha256: str
    members: list[str] = Field(min_length=3, max_length=3)
    tasks: list[str]
    samples: _Samples
    drops: _Drops
    shards: list[_Entry]
    decontaminated: _Decontaminated | None = None


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    shards: int = 0
    samples: int = 0


def verify(store: Store) -> list[str]:
    """Every way the dataset is not intact; empty when it is."""
    return verify_report(store).problems


def verify_report(store: Store) -> Report:
    report = Report()
    _Check(store, report).run()
    return report


class _Check:
    def __init__(self, store: Store, report: Report):
        self.store = store
        self.report = report
        self.counts: Counter[str] = Counter()
        self.rerun = "re-run generate with the same --out"

    def problem(self, text: str, kind: str = "") -> None:
        if kind:
            self.counts[kind] += 1
            if self.counts[kind] > MAX_LINES_PER_KIND:
                return
        self.report.problems.append(text)

    def run(self) -> None:
        store = self.store
        try:
            if not store.is_folder():
                self.problem(f"'{store.url}' is not a dataset folder (nothing there, or a file)")
                return
        except OSError as exc:
            self.problem(f"cannot read '{store.url}': {exc}")
            return
        top = [n.rsplit("/", 1)[-1] for n in store.list()]
        legacy = layout.legacy_names(top)
        if legacy and ({"manifest.json", "recipe.yaml", layout.MARKER} & set(top)) and not store.exists(layout.MANIFEST):
            self.problem(layout.legacy_message(store.url))
            return
        if layout.MARKER not in top and layout.META not in top:
            # generate refuses such a folder: advice to re-run it there would be wrong
            holds = f"it holds {listing(sorted(top))}" if top else "it is empty"
            self.problem(
                f"'{store.url}' is not a render-factory dataset (no {layout.MARKER} and no {layout.META}/; {holds}): "
                "give the folder generate wrote"
            )
            return
        # generate finishes a folder only when its marker is intact: otherwise advise a new folder
        self.rerun = (
            "re-run generate with the same --out"
            if marker_digest(store) is not None
            else f"generate it again into a new folder (this one's {layout.MARKER} is missing or damaged, so generate refuses it)"
        )
        for line in unsafe_entries(store):
            self.problem(line.replace("then re-run", "then re-run generate"))
        busy = writer_active(store)
        if busy:
            self.problem(f"{busy} is writing this dataset now: verify it once that run is done")
        self.strays()
        for name in top:
            if layout.is_reader_visible(name) and not name.endswith(".tar") and layout.temp_owner(name) is None:
                self.problem(
                    f"{layout.printable(name)}: not a shard, beside the shards, where readers that take the whole folder "
                    "(Ray read_webdataset, Hugging Face data_dir) read it as one: move it out of the dataset folder",
                    "not a shard",
                )
        recipe_sha = self.recipe()
        manifest = self.manifest()
        if manifest is None:
            return
        if recipe_sha is not None and manifest.recipe_sha256 != recipe_sha:
            self.problem(f"{layout.MANIFEST}: recipe_sha256 is not the sha256 of {layout.RECIPE}: they come from different runs")
        if not store.exists(layout.CARD):
            self.problem(f"{layout.CARD} (the dataset card) is missing: {self.rerun} to write it")
        stats = self.shards(manifest, recipe_sha)
        self.totals(manifest, stats)
        self.indexes(manifest)
        for kind, n in self.counts.items():
            if n > MAX_LINES_PER_KIND:
                self.report.problems.append(f"... and {n - MAX_LINES_PER_KIND} more problem(s) like the last ones ({kind})")

    # -- files other than shards ----------------------------------------------------------------

    def strays(self) -> None:
        for name in self.store.temporaries():
            self.problem(
                f"{layout.printable(name)}: a temporary file (an interrupted or running generate); "
                + ("run the same generate again to finish and clean up" if self.rerun.startswith("re-run") else "delete it"),
                "temporary",
            )

    def recipe(self) -> str | None:
        """The recipe's sha256, after checking it against the marker and its plan (kept for later)."""
        store = self.store
        self.plan: list[Any] | None = None
        if not store.exists(layout.RECIPE):
            self.problem(f"{layout.RECIPE} is missing: the dataset cannot be remade or resumed")
            return None
        from factory.recipe import Recipe, _describe, parse_recipe_text
        from factory import safe_yaml

        try:
            text = store.read_bytes(layout.RECIPE, safe_yaml.MAX_BYTES).decode("utf-8")
        except (NotAFile, TooLarge) as exc:
            self.problem(f"{layout.RECIPE}: {exc}")
            return None
        except (OSError, UnicodeDecodeError) as exc:
            self.problem(f"{layout.RECIPE} cannot be read as UTF-8 text: {exc}")
            return None
        digest = recipe_digest(text)
        marker = marker_digest(store)
        if marker is None:
            self.problem(f"{layout.MARKER} (render-factory's marker) is missing or damaged")
        elif marker != digest:
            self.problem(f"{layout.RECIPE} is not the recipe this folder was made for ({layout.MARKER} names another)")
        try:
            recipe = Recipe.model_validate(parse_recipe_text(text, layout.RECIPE))
        except FactoryError as exc:
            self.problem(str(exc))
            return digest
        except ValidationError as exc:
            self.problem(f"{layout.RECIPE}: {_describe(exc, Recipe)}")
            return digest
        from factory.plan import plan_for

        self.plan = plan_for(recipe)
        self.members = [recipe.image.format, "txt", "json"]
        return digest

    def manifest(self) -> _Manifest | None:
        store, name = self.store, layout.MANIFEST
        if not store.exists(name):
            self.problem(f"no {name} in '{store.url}': the run did not finish; {self.rerun}")
            return None
        try:
            data = store.read_json(name, MAX_MANIFEST_BYTES)
        except (NotAFile, TooLarge) as exc:
            self.problem(f"{name}: {exc}; {self.rerun} to rewrite it")
            return None
        except (OSError, ValueError) as exc:
            self.problem(f"{name} is not valid JSON ({' '.join(str(exc).split())[:200]}); {self.rerun} to rewrite it")
            return None
        try:
            manifest = _Manifest.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors()[:MAX_LINES_PER_KIND]:
                where = ".".join(str(p) for p in err["loc"]) or "(top level)"
                self.problem(f"{name}: field '{where}': {err['msg']}")
            return None
        return manifest

    # -- shards and their stats -------------------------------------------------------------------

    def shards(self, manifest: _Manifest, recipe_sha: str | None) -> dict[str, dict[str, Any]]:
        """Check every listed shard and its stats; returns the stats of the listed shards."""
        store = self.store
        listed: dict[str, _Entry] = {}
        for entry in manifest.shards:
            shown = layout.printable(entry.name)
            if not layout.is_shard_file(entry.name):
                self.problem(f"{layout.MANIFEST} lists {shown!r}, which is not a shard file name of this folder; not opened", "name")
                continue
            if entry.name in listed:
                self.problem(f"{layout.MANIFEST} lists {shown} twice", "name")
                continue
            if entry.split != layout.shard_name_of(entry.name).rsplit("-", 1)[0]:
                self.problem(f"{layout.MANIFEST}: {shown} is listed in split {entry.split!r}")
            listed[entry.name] = entry
        if self.plan is not None:
            planned = {s.filename: s for s in self.plan}
            emptied = set(manifest.decontaminated.emptied_splits) if manifest.decontaminated else set()
            for name in sorted(set(planned) - set(listed)):
                if planned[name].split in emptied:  # a clean copy leaves out a split decontamination emptied
                    continue
                self.problem(f"{name}: planned by {layout.RECIPE} but not in {layout.MANIFEST}", "unlisted")
            for name in sorted(set(listed) - set(planned)):
                self.problem(f"{name}: in {layout.MANIFEST} but not planned by {layout.RECIPE}", "unplanned")
            if manifest.samples.planned != sum(s.samples for s in self.plan):
                self.problem(f"{layout.MANIFEST}: samples.planned is {manifest.samples.planned}, the recipe plans {sum(s.samples for s in self.plan)}")
        if getattr(self, "members", None) and manifest.members != self.members:
            self.problem(f"{layout.MANIFEST}: members {manifest.members} are not the recipe's {self.members}")
        for name in store.list():
            if name.endswith(".tar") and name not in listed:
                self.problem(f"{layout.printable(name)}: a shard file not listed in {layout.MANIFEST}", "unlisted file")
        stats_names = {layout.stats_file(layout.shard_name_of(n)) for n in listed}
        for name in store.list(layout.STATS_FOLDER):
            if name.endswith(".json") and name not in stats_names:
                self.problem(f"{layout.printable(name)}: stats of a shard not listed in {layout.MANIFEST}", "unlisted stats")
        all_stats: dict[str, dict[str, Any]] = {}
        for name, entry in listed.items():
            stats = self.stats(name, entry, recipe_sha)
            if stats is not None:
                all_stats[name] = stats
            self.shard(name, entry, manifest.members, stats)
        self.report.shards = len(listed)
        self.report.samples = sum(e.samples for e in listed.values())
        return all_stats

    def stats(self, name: str, entry: _Entry, recipe_sha: str | None) -> dict[str, Any] | None:
        stats_name = layout.stats_file(layout.shard_name_of(name))
        if not self.store.exists(stats_name):
            self.problem(f"{stats_name}: missing (every complete shard has one)", "stats")
            return None
        try:
            stats = self.store.read_json(stats_name, MAX_STATS_BYTES)
        except (NotAFile, TooLarge) as exc:
            self.problem(f"{stats_name}: not a stats file: {exc}", "stats")
            return None
        except (OSError, ValueError) as exc:
            self.problem(f"{stats_name}: not a stats file ({' '.join(str(exc).split())[:200]})", "stats")
            return None
        if not isinstance(stats, dict):
            self.problem(f"{stats_name}: not a stats file (not a JSON object)", "stats")
            return None
        expected = {"shard": name, "split": entry.split, "samples": entry.samples, "bytes": entry.bytes, "sha256": entry.sha256}
        wrong = [k for k, v in expected.items() if stats.get(k) != v]
        if wrong:
            self.problem(f"{stats_name}: {', '.join(wrong)} differ(s) from {layout.MANIFEST}", "stats")
        if recipe_sha is not None and stats.get("recipe_sha256") != recipe_sha:
            self.problem(f"{stats_name}: made from another recipe than {layout.RECIPE}", "stats")
        tasks, drops = stats.get("tasks"), stats.get("drops")
        if not _counts(tasks) or not _counts(drops) or sum(tasks.values()) != stats.get("samples"):
            self.problem(f"{stats_name}: its task or drop counts are malformed or do not add up to its samples", "stats")
            return None
        return stats

    def shard(self, name: str, entry: _Entry, members: list[str], stats: dict[str, Any] | None) -> None:
        store = self.store
        if not store.exists(name):
            self.problem(f"{name}: missing", "missing")
            return
        try:
            with store.open_read(name) as raw:  # refuses a FIFO or a device before its size is asked
                size = store.size(name)
                if size != entry.bytes:  # its hash cannot match either: not read (a sparse 3 GB file took 12 s)
                    self.problem(f"{name}: {size:,} bytes, {layout.MANIFEST} says {entry.bytes:,}; not read further", "shard")
                    return
                stream = HashingReader(raw, entry.bytes)
                samples, error = _tar_samples(stream, layout.shard_name_of(name))
                stream.drain()
        except NotAFile as exc:
            self.problem(f"{name}: {exc}; not read", "shard")
            return
        except OSError as exc:
            self.problem(f"{name}: cannot be read: {exc}", "shard")
            return
        if stream.sha256.hexdigest() != entry.sha256:
            self.problem(f"{name}: sha256 differs from {layout.MANIFEST}", "shard")
        if error:
            self.problem(f"{name}: not a readable tar after {len(samples)} samples ({error})", "shard")
        if len(samples) != entry.samples:
            self.problem(f"{name}: holds {len(samples)} samples, {layout.MANIFEST} says {entry.samples}", "shard")
        for key, exts in samples.items():
            if exts != sorted(members):
                self.problem(f"{name}: sample {layout.printable(key)} has members {exts}, expected {sorted(members)}", "shard")
                break

    # -- numbers ------------------------------------------------------------------------------------

    def totals(self, manifest: _Manifest, stats: dict[str, dict[str, Any]]) -> None:
        by_split: Counter[str] = Counter()
        for entry in manifest.shards:
            by_split[entry.split] += entry.samples
        total = sum(by_split.values())
        samples = manifest.samples
        if samples.total != total:
            self.problem(f"{layout.MANIFEST}: samples.total is {samples.total}, its shards hold {total}")
        if {k: v for k, v in samples.by_split.items() if v} != {k: v for k, v in by_split.items() if v}:
            self.problem(f"{layout.MANIFEST}: samples.by_split {samples.by_split} is not what its shards hold {dict(by_split)}")
        if len(stats) != len(manifest.shards):
            return  # the missing or bad stats are reported already; their counts are unknown
        by_task: Counter[str] = Counter()
        by_split_task: dict[str, Counter[str]] = defaultdict(Counter)
        drops: Counter[str] = Counter()
        for s in stats.values():
            by_task.update(s["tasks"])
            by_split_task[s["split"]].update(s["tasks"])
            drops.update(s["drops"])
        if _nonzero(samples.by_task) != _nonzero(by_task):
            self.problem(f"{layout.MANIFEST}: samples.by_task {samples.by_task} is not what the stats add up to {dict(by_task)}")
        got = {k: _nonzero(v) for k, v in samples.by_split_and_task.items() if _nonzero(v)}
        want = {k: _nonzero(v) for k, v in by_split_task.items() if _nonzero(v)}
        if got != want:
            self.problem(f"{layout.MANIFEST}: samples.by_split_and_task is not what the stats add up to")
        if manifest.drops.total != sum(drops.values()) or _nonzero(manifest.drops.by_reason) != _nonzero(drops):
            self.problem(f"{layout.MANIFEST}: drops are not what the stats add up to ({sum(drops.values())} in all)")

    def indexes(self, manifest: _Manifest) -> None:
        from factory.dataset.manifest import index_texts

        for name, text in index_texts(manifest.model_dump()).items():
            try:
                if not self.store.exists(name):
                    self.problem(f"{name} (a wids shard index) is missing: {self.rerun}", "index")
                elif self.store.read_json(name, MAX_MANIFEST_BYTES) != json.loads(text):
                    self.problem(f"{name} does not list the manifest's shards as the manifest says", "index")
            except (NotAFile, TooLarge) as exc:
                self.problem(f"{name}: {exc}", "index")
            except (OSError, ValueError):
                self.problem(f"{name} is not valid JSON", "index")


def _counts(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and type(v) is int and v >= 0 for k, v in value.items())


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in counts.items() if v}


def _tar_samples(stream: Any, shard: str) -> tuple[dict[str, list[str]], str]:
    """(key -> sorted member extensions, error text or ""), checking webdataset's rules as it
    reads: members of a sample adjacent, keys `<shard>_<n>` with no dot, regular files only."""
    samples: dict[str, list[str]] = {}
    last = None
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for info in tar:
                key, _, ext = info.name.partition(".")
                if not info.isreg() or "/" in info.name or not key.startswith(shard + "_") or not ext:
                    return samples, f"unexpected member {layout.printable(info.name)!r}"
                if key != last and key in samples:
                    return samples, f"members of sample {layout.printable(key)} are not adjacent"
                samples.setdefault(key, []).append(ext)
                last = key
                tar.members = []
    except (tarfile.TarError, EOFError, ValueError, UnicodeError) as exc:
        return samples, " ".join(str(exc).split())[:200] or type(exc).__name__
    for exts in samples.values():
        exts.sort()
    return samples, ""
