"""The dataset card: README.md beside manifest.json (in the dataset's hidden folder), written
with every dataset. Its YAML header is a Hugging Face dataset card's: licence fields, the
features every sample has, split sizes, and the shards of each split.

A person who finds the folder (or its copy on a hub) learns from it what it holds, how it was
made and how to remake it byte for byte, how to load it, and what licences touch it. Everything
comes from the manifest, so the card always agrees with the shards.

Markdown is not HTML: Jinja2 runs with autoescape off, and every string a user chose (recipe
name, description, folder name) passes through a filter for where it lands: `md` for Markdown
text, `yaml` for the front matter, `py` for Python string literals, `sh` for shell words.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex
from collections.abc import Iterable
from typing import Any

import jinja2

from factory.holdout import card_markdown
from factory.meta import VARIABLE_FIELDS
from factory.dataset import layout
from factory.dataset.storage import Store

CARD = layout.CARD
MAX_SHARDS_LISTED = 20

TASKS = {
    "chart_to_table": "chart image → its data as a DePlot linearized table (`TITLE | ...`, cells joined by ` | `)",
    "chart_to_code": "chart image → a self-contained Matplotlib script that draws that very image",
    "chart_qa": "chart image + question (json `prompt`) → short answer",
    "screenshot_to_html": "web page screenshot → the HTML and CSS that render it",
    "screenshot_parsing": "web page screenshot → Pix2Struct simplified HTML of what it shows",
    "table_to_html": "table image → its `<table>` structure with spans; every cell's box in json",
    "table_qa": "table image + question (json `prompt`) → the answer as the table prints it",
    "document_to_json": "document image → its fields as JSON in the genre's published schema, values as printed",
    "document_parsing": "document image → all its text in reading order; word, line and field boxes in json",
    "document_qa": "document image + question (json `prompt`) → the answer as printed",
    "document_table_qa": "document image + question over its table, amounts or form fields → the answer as printed",
}

# Families the generators draw with, by Debian package, and their licences.
FONTS = (
    ("DejaVu Sans / Serif / Sans Mono", "fonts-dejavu-core", "Bitstream Vera licence with DejaVu's public-domain changes"),
    ("Liberation Sans / Serif / Mono / Sans Narrow", "fonts-liberation", "SIL Open Font License 1.1"),
    ("Noto Sans / Serif (and Display), Noto CJK", "fonts-noto-core, fonts-noto-cjk", "SIL Open Font License 1.1"),
    ("DkgHandwriting, Comic Neue, Dancing Script, Humor Sans (filled forms)",
     "fonts-dkg-handwriting, fonts-comic-neue, fonts-dancingscript, fonts-humor-sans", "SIL Open Font License 1.1 (DkgHandwriting also GPL 3)"),
)

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")
_MD_LINE_START = re.compile(r"^([-=+]|\d+(?=[.)]))")


def md(text: Any) -> str:
    """User text as literal Markdown: no markup, links, HTML, headings, lists or code blocks."""
    lines = []
    for line in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip()
        line = line.replace("&", "&amp;").replace("<", "&lt;")
        line = _MD_SPECIAL.sub(r"\\\1", line)
        # a list item, setext underline or ordered list: escape the punctuation that makes it one
        line = _MD_LINE_START.sub(lambda m: "\\" + m.group(1) if not m.group(1)[0].isdigit() else m.group(1) + "\\", line)
        lines.append(line)
    return "\n".join(lines).strip()


def md_cell(text: Any) -> str:
    """Like `md`, on one line, for a table cell."""
    return md(" ".join(str(text).split()))


def yaml_str(text: Any) -> str:
    """A double-quoted YAML scalar (JSON's syntax); <, > and & as escapes, for pages that show it."""
    quoted = json.dumps(str(text), ensure_ascii=False)
    return quoted.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def py_str(text: Any) -> str:
    return json.dumps(str(text), ensure_ascii=True)  # \uXXXX escapes are valid Python too


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M")):
        if n < limit:
            return name
    return "10M<n<100M" if n < 100_000_000 else "n>1B" if n > 1_000_000_000 else "100M<n<1B"


def shard_pattern(names: Iterable[str]) -> str:
    """`train-{000000..000009}.tar` for a contiguous run of shards, else the first name and `*`."""
    names = sorted(names)
    match = [re.fullmatch(r"(.*-)(\d+)\.tar", n) for n in names]
    if names and all(match):
        prefixes = {m.group(1) for m in match}  # type: ignore[union-attr]
        numbers = [int(m.group(2)) for m in match]  # type: ignore[union-attr]
        width = len(match[0].group(2))  # type: ignore[union-attr]
        if len(prefixes) == 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
            prefix = prefixes.pop()
            if len(numbers) == 1:
                return names[0]
            return f"{prefix}{{{numbers[0]:0{width}d}..{numbers[-1]:0{width}d}}}.tar"
    return names[0].rsplit("-", 1)[0] + "-*.tar" if names else ""


ENV = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
ENV.filters.update(md=md, md_cell=md_cell, yaml=yaml_str, py=py_str, sh=shlex.quote)

TEMPLATE = ENV.from_string(
    """---
pretty_name: {{ name | yaml }}
license: {{ license.license }}
{% if license.license == "other" %}
license_name: {{ license.license_name }}
license_link: {{ license.license_link | yaml }}
{% endif %}
task_categories:
- image-to-text
tags:
- synthetic
- webdataset
- render-factory
size_categories:
- {{ size_category }}
dataset_info:
  features:
  - name: {{ image_format }}
    dtype: image
  - name: txt
    dtype: string
  - name: json
    dtype: json
  - name: __key__
    dtype: string
  - name: __url__
    dtype: string
  splits:
{% for split in splits %}
  - name: {{ split }}
    num_bytes: {{ split_bytes[split] }}
    num_examples: {{ by_split[split] }}
{% endfor %}
  download_size: {{ total_bytes }}
  dataset_size: {{ total_bytes }}
configs:
- config_name: default
  data_files:
{% for split in splits %}
  - split: {{ split }}
    path: "{{ split }}-*.tar"
{% endfor %}
---

# {{ name | md }}

{% if description %}
{{ description | md }}

{% endif %}
Synthetic image → source pairs made by Render Factory {{ version | md }} from
recipe `{{ files.recipe }}` (name: {{ name | md }}, seed {{ seed }}). Every image was rendered from the
source its targets were written from, so the targets say exactly what the image shows.

## What it holds

- **{{ total }} samples** in {{ shard_count }} WebDataset tar shards ({{ bytes_human }}), split
  {{ split_summary }}.{% if total < planned %} The recipe planned {{ planned }}: {{ planned - total }} are missing (see `{{ files.stats }}/`).{% endif %}

- Every sample has the same members: {{ members_md }}. The image is {{ image_format }}; `txt` is
  the task's target text; `json` holds the task, prompt, generator and renderer names and
  versions, the per-sample seed, the image size, the source's full specification, secondary
  targets (table, QA pairs, element or cell boxes) and quality facts. So that every sample has
  one schema, the task-dependent fields ({{ variable_fields }}) are JSON text inside the json:
  `factory.meta.unpack(meta)` (or the project's loader) turns them back into data.
- Keys are `<shard>_<attempt>` and unique across the dataset.

| split | {% for t in tasks %}{{ t | md_cell }} | {% endfor %}total |
|---|{% for t in tasks %}---:|{% endfor %}---:|
{% for split in splits %}
| {{ split }} | {% for t in tasks %}{{ by_split_and_task.get(split, {}).get(t, 0) }} | {% endfor %}{{ by_split[split] }} |
{% endfor %}
| **all** | {% for t in tasks %}{{ by_task.get(t, 0) }} | {% endfor %}**{{ total }}** |

Tasks:

{% for t in tasks %}
- `{{ t | md_cell }}`: {{ task_text.get(t, "see the project's documentation") }}
{% endfor %}

{% if holdout_md %}
{{ holdout_md }}
{% endif %}
{% if drops_total %}
While rendering, {{ drops_total }} attempts were dropped and replaced by new ones so that no kept
image contradicts its targets: {{ drop_summary }}.
{% else %}
No attempt was dropped while rendering.
{% endif %}

The shards are alone in the dataset folder, so that every reader that takes a whole folder reads
them and nothing else; everything else is in its hidden folder `{{ files.meta }}/`: this card,
`{{ files.manifest }}` (counts, versions, every shard's size and sha256),
`{{ files.recipe }}` (the fully resolved recipe), `{{ files.index }}` and `{{ files.split_index }}`
(wids shard indexes), `{{ files.stats }}/` (per-shard stats: timings, drops with examples). To put
the folder on the Hugging Face Hub as it is, upload this card as its `README.md` (paths in its
header are relative to the shards); `render-factory export {{ folder | sh }} --to parquet` writes a
Parquet copy with a card and a config per task.

## How it was made

Recipe **{{ name | md }}**, seed **{{ seed }}**, with:

| software | version |
|---|---|
{% for k, v in versions %}
| {{ k | md_cell }} | {{ v | md_cell }} |
{% endfor %}

Throughput: {{ worker_seconds }} worker-seconds in all, {{ rate }} samples per worker-second.

To remake it, from the folder that holds `{{ folder | md }}`:

```bash
render-factory generate {{ (folder ~ "/" ~ files.recipe) | sh }} --out {{ (folder ~ "-remade") | sh }}
render-factory verify {{ (folder ~ "-remade") | sh }}
```

With the same versions as above the shards come out byte-identical, whatever the number of
workers or the executor: compare the `sha256` of each shard in the two `{{ files.manifest }}` files.
{% if shards_listed %}

| shard | samples | sha256 |
|---|---:|---|
{% for s in shards_listed %}
| {{ s.name | md_cell }} | {{ s.samples }} | `{{ s.sha256 | md_cell }}` |
{% endfor %}
{% if shards_more %}
| … {{ shards_more }} more in `{{ files.manifest }}` | | |
{% endif %}
{% endif %}

## How to load it

Every reader takes the folder itself, as its own documentation says.

With [webdataset](https://github.com/webdataset/webdataset):

```python
import webdataset as wds

DATA = {{ folder | py }}
{% for split in splits %}
{{ split }} = wds.WebDataset(DATA + "/{{ patterns[split] }}", shardshuffle=False).decode("pil").to_tuple("{{ image_format }}", "txt", "json")
{% endfor %}
```

With Hugging Face `datasets` (splits from the shard names) or Ray Data:

```python
from datasets import load_dataset

DATA = {{ folder | py }}
ds = load_dataset("webdataset", data_dir=DATA)  # or load_dataset(DATA)

import ray

rows = ray.data.read_webdataset(DATA)
```

With [wids](https://github.com/webdataset/webdataset) (indexed access):

```python
import wids

DATA = {{ folder | py }}
indexed = wids.ShardListDataset(DATA + "/{{ files.meta }}/shardindex-{{ splits[0] }}.json")
```

With Render Factory's own loader (exact or resampled epochs, split across ranks and DataLoader
workers, seeded shuffling; torch is optional):

```python
from factory.loaders import open_dataset

DATA = {{ folder | py }}
ds = open_dataset(DATA, split="{{ splits[0] }}", shuffle=1000, seed=0)  # samples: {"key", "image", "text", "meta"}

# with torch: batches of images of different sizes
from factory.torch_data import make_loader
loader = make_loader(ds, batch_size=8, num_workers=2)
```

## Licence

{% if corpus %}
The pages are not synthetic: they come from the corpus named in `recipe.yaml`
(`generators.html_corpus.source`), and their text, layout and local pictures belong to their
authors. Each sample's `source.provenance` names its file, record, URL and licence where the
input had them. Scripts were removed, remote pictures replaced by grey placeholders, remote
stylesheets and fonts dropped, and every request refused, so no file from outside the corpus is
in any image. Check the corpus's licences before you share or train on this dataset. {{ engines }}
{% else %}
All content is synthetic: nothing was collected from people or the web. Text (names, companies,
places, sentences) comes from [Faker](https://github.com/joke2k/faker) and is made up; any
likeness to real persons or organisations is chance. Numbers are random draws, pictures on pages
are procedural, and every request a page made during rendering was refused, so no third-party
file is in any image. {{ engines }}
{% endif %}

Glyphs in the images are drawn with these installed fonts (the fonts themselves are not part of
the dataset; their licences place no restriction on images rendered with them):

| fonts | Debian package | licence |
|---|---|---|
{% for family, package, licence in fonts %}
| {{ family }} | {{ package }} | {{ licence }} |
{% endfor %}

Render Factory itself is Apache-2.0 and claims no rights in what it generates: whoever made
this dataset chooses its licence{% if description %} (see the description above){% endif %}.
"""
)


def _human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n} B"


def render_card(manifest: dict[str, Any], folder: str) -> str:
    """The card's Markdown for `manifest`; `folder` is the dataset folder's name, used in examples."""
    samples = manifest.get("samples") or {}
    shards = manifest.get("shards") or []
    splits = list((samples.get("by_split") or {}).keys()) or sorted({s["split"] for s in shards})
    drops = manifest.get("drops") or {}
    versions = manifest.get("versions") or {}
    engines = []
    if any(k == "renderer:matplotlib" for k in versions):
        engines.append("Charts are drawn by Matplotlib.")
    if any(k == "renderer:chromium" for k in versions):
        engines.append("Pages and tables are screenshots taken by headless Chromium with no network.")
    throughput = manifest.get("throughput") or {}
    return TEMPLATE.render(
        name=manifest.get("name", "dataset"),
        description=(manifest.get("description") or "").strip(),
        version=versions.get("render_factory", "?"),
        seed=manifest.get("seed", "?"),
        size_category=_size_category(int(samples.get("total", 0))),
        splits=splits,
        tasks=list(manifest.get("tasks") or samples.get("by_task", {}).keys()),
        task_text=TASKS,
        total=samples.get("total", 0),
        planned=samples.get("planned", samples.get("total", 0)),
        by_split=samples.get("by_split") or {},
        by_task=samples.get("by_task") or {},
        by_split_and_task=samples.get("by_split_and_task") or {},
        shard_count=len(shards),
        bytes_human=_human_bytes(sum(s.get("bytes", 0) for s in shards)),
        split_summary=", ".join(f"{split} {samples.get('by_split', {}).get(split, 0)}" for split in splits),
        members_md=", ".join(f"`{md_cell(m)}`" for m in manifest.get("members") or []),
        image_format=(manifest.get("members") or ["png"])[0],
        drops_total=drops.get("total", 0),
        drop_summary=", ".join(f"{md_cell(k)}: {v}" for k, v in sorted((drops.get("by_reason") or {}).items(), key=lambda kv: -kv[1])),
        versions=sorted(versions.items()),
        worker_seconds=throughput.get("worker_seconds", "?"),
        rate=throughput.get("samples_per_worker_second", "?"),
        folder=folder,
        shards_listed=shards[:MAX_SHARDS_LISTED],
        shards_more=max(0, len(shards) - MAX_SHARDS_LISTED),
        patterns={split: shard_pattern(s["name"] for s in shards if s["split"] == split) for split in splits},
        engines=" ".join(engines),
        corpus="html_corpus" in (manifest.get("generators") or ()),
        fonts=FONTS,
        variable_fields=", ".join(f"`{f}`" for f in VARIABLE_FIELDS),
        files={"recipe": layout.RECIPE, "manifest": layout.MANIFEST, "stats": layout.STATS_FOLDER, "meta": layout.META,
               "index": layout.SHARD_INDEX, "split_index": layout.split_index("<split>")},
        license=manifest.get("card") or {"license": "other", "license_name": "render-factory-synthetic", "license_link": "README.md#licence"},
        split_bytes={split: sum(s.get("bytes", 0) for s in shards if s.get("split") == split) for split in splits},
        total_bytes=sum(s.get("bytes", 0) for s in shards),
        holdout_md=card_markdown(manifest),
    )


def write_card(store: Store, manifest: dict[str, Any]) -> None:
    """Write README.md beside the manifest (atomically, like the manifest)."""
    folder = posixpath.basename(store.url.rstrip("/")) or "dataset"
    store.write_atomic(CARD, render_card(manifest, folder))
