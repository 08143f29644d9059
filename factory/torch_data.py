"""Torch-side helpers: batching samples of different sizes, a ready DataLoader, and a dataset that
renders samples inside DataLoader workers instead of reading them from disk.

torch is an optional extra: this module imports without it, and each helper that needs it says
so with a one-line MissingExtraError. The datasets here iterate without torch too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image
from webdataset.pytorch import IterableDataset

from factory.errors import FactoryError, require
from factory.loaders import decode_sample, node_slot, worker_slot

log = logging.getLogger(__name__)

EXTRA = "torch"


def _torch(feature: str):
    return require("torch", EXTRA, feature)


# --- collate ------------------------------------------------------------------------------------


def image_array(image: Any) -> Any:
    """CHW pixels: a numpy view for PIL and HWC numpy images (uint8 stays uint8), torch as given."""
    if isinstance(image, Image.Image):
        image = np.asarray(image if image.mode in ("RGB", "L", "RGBA") else image.convert("RGB"))
    if isinstance(image, np.ndarray):
        return image[None] if image.ndim == 2 else image.transpose(2, 0, 1)
    torch = _torch("image batching")
    if isinstance(image, torch.Tensor):
        return image if image.ndim == 3 else image.unsqueeze(0)
    raise FactoryError(f"cannot batch an image of type {type(image).__name__}; open the dataset with image='pil', 'numpy' or 'tensor'")


class Collate:
    """Batches {"key", "image", "text", "meta"} samples whose images and texts differ in size.

    Returns a dict with:
      pixel_values (B, C, H_max, W_max) float32 in [0, 1] (or uint8, see `pixels`), each image at
        the top left, the rest `pad_value`; pixel_mask (B, H_max, W_max) bool, True on real pixels; image_sizes (B, 2)
        as (height, width);
      flattened_patches / patch_mask stacked, when samples carry them (PrepareImage(flatten=True));
      texts, prompts, keys, meta as lists;
      with a tokenizer: input_ids (B, L_max) padded with pad_token_id, attention_mask (B, L_max),
        and labels = input_ids with padding set to label_pad_id (-100, ignored by cross-entropy).

    tokenizer: any callable text -> token ids (a list, or a mapping with "input_ids", as a
    Hugging Face tokenizer returns). A class, not a closure, so DataLoader workers can pickle it.
    pixels="uint8" keeps pixel_values as 0-255 bytes (padding `pad_value`, an int): a quarter of
    the bytes through the DataLoader's worker queues; scale them on the GPU (`x.float() / 255`).
    """

    def __init__(
        self,
        tokenizer: Callable[[str], Any] | None = None,
        pad_token_id: int = 0,
        max_length: int | None = None,
        label_pad_id: int = -100,
        pad_value: float = 0.0,
        pixels: str = "float32",
    ):
        if pixels not in ("float32", "uint8"):
            raise FactoryError(f"Collate(pixels={pixels!r}): use 'float32' (0-1) or 'uint8' (0-255)")
        self.pixels = pixels
        self.tokenizer = tokenizer
        self.pad_token_id = pad_token_id
        self.max_length = max_length
        self.label_pad_id = label_pad_id
        self.pad_value = pad_value

    def __call__(self, batch: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        torch = _torch("Collate")
        if not batch:
            raise FactoryError("cannot collate an empty batch")
        out: dict[str, Any] = {
            "keys": [s.get("key") for s in batch],
            "texts": [s["text"] for s in batch],
            "prompts": [s.get("meta", {}).get("prompt") for s in batch],
            "meta": [s.get("meta", {}) for s in batch],
        }
        out.update(self.pad_images([image_array(s["image"]) for s in batch]))
        if "flattened_patches" in batch[0]:
            out["flattened_patches"] = torch.stack([torch.as_tensor(s["flattened_patches"]) for s in batch])
            out["patch_mask"] = torch.stack([torch.as_tensor(s["patch_mask"]) for s in batch])
        if self.tokenizer is not None:
            out.update(self.tokenize(out["texts"]))
        return out

    def pad_images(self, images: list[Any]) -> dict[str, Any]:
        """Images (CHW, any mix of numpy and torch) padded into one float32 batch, with a mask."""
        torch = _torch("Collate")
        channels = {t.shape[0] for t in images}
        if len(channels) > 1:
            raise FactoryError(f"images in one batch have {sorted(channels)} channels; open the dataset with image_mode='RGB'")
        height = max(t.shape[1] for t in images)
        width = max(t.shape[2] for t in images)
        shape = (len(images), channels.pop(), height, width)
        mask = torch.zeros((len(images), height, width), dtype=torch.bool)
        for i, t in enumerate(images):
            mask[i, : t.shape[1], : t.shape[2]] = True
        all_bytes = all(t.dtype in (np.uint8, torch.uint8) for t in images)
        if self.pixels == "uint8" and not all_bytes:
            raise FactoryError("Collate(pixels='uint8') needs uint8 images; open the dataset with image='pil', 'numpy' or 'tensor'")
        if all_bytes:
            # Pad in uint8 (a quarter of the bytes), then scale the whole batch at once.
            packed = np.full(shape, int(self.pad_value) if self.pixels == "uint8" else 0, dtype=np.uint8)
            for i, t in enumerate(images):
                packed[i, :, : t.shape[1], : t.shape[2]] = t.numpy() if isinstance(t, torch.Tensor) else t
            pixels = torch.from_numpy(packed)
            if self.pixels == "float32":
                pixels = pixels.float().div_(255.0)
                if self.pad_value:
                    pixels.masked_fill_(~mask[:, None], float(self.pad_value))
        else:
            pixels = torch.full(shape, float(self.pad_value), dtype=torch.float32)
            for i, t in enumerate(images):
                t = torch.as_tensor(np.ascontiguousarray(t)) if isinstance(t, np.ndarray) else t
                pixels[i, :, : t.shape[1], : t.shape[2]] = t.float() / 255.0 if t.dtype == torch.uint8 else t
        sizes = torch.tensor([[t.shape[1], t.shape[2]] for t in images], dtype=torch.long)
        return {"pixel_values": pixels, "pixel_mask": mask, "image_sizes": sizes}

    def tokenize(self, texts: list[str]) -> dict[str, Any]:
        torch = _torch("Collate")
        ids = []
        for text in texts:
            tokens = self.tokenizer(text)
            if isinstance(tokens, Mapping):
                tokens = tokens["input_ids"]
            tokens = [int(t) for t in tokens]
            ids.append(tokens[: self.max_length] if self.max_length else tokens)
        length = max(1, max(len(t) for t in ids))
        input_ids = torch.full((len(ids), length), self.pad_token_id, dtype=torch.long)
        attention = torch.zeros((len(ids), length), dtype=torch.long)
        for i, tokens in enumerate(ids):
            input_ids[i, : len(tokens)] = torch.tensor(tokens, dtype=torch.long)
            attention[i, : len(tokens)] = 1
        labels = input_ids.masked_fill(attention == 0, self.label_pad_id)
        return {"input_ids": input_ids, "attention_mask": attention, "labels": labels}


def make_loader(dataset: Any, batch_size: int = 8, num_workers: int = 2, collate_fn: Callable | None = None, **kwargs: Any):
    """A torch DataLoader over a ShardDataset or GeneratedDataset, batching with Collate().

    Workers are not persistent by default, so `dataset.set_epoch(n)` before each epoch reaches them.
    """
    torch = _torch("make_loader")
    return torch.utils.data.DataLoader(
        dataset, batch_size=batch_size, num_workers=num_workers, collate_fn=collate_fn or Collate(), **kwargs
    )


# --- on-the-fly generation ---------------------------------------------------------------------


class _CountingSink:
    """Counts bytes the way the shard writer's stream does, and keeps none of them."""

    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        return None


def _resolve(recipe: Any):
    from factory.recipe import ResolvedRecipe, load_recipe, recipe_from_dict

    if isinstance(recipe, ResolvedRecipe):
        return recipe
    if isinstance(recipe, Mapping):
        return recipe_from_dict(dict(recipe))
    if isinstance(recipe, str):
        return load_recipe(recipe)
    raise FactoryError(f"cannot use a recipe of type {type(recipe).__name__}; give a recipe name, a YAML path, a dict or a ResolvedRecipe")


class GeneratedDataset(IterableDataset):
    """Samples rendered from a recipe inside the DataLoader workers, never written to disk.

    They are the very samples `render-factory generate` writes for the same recipe and seed (same
    keys, same bytes): both iterate factory.samples.shard_samples over factory.plan.plan_shards.
    Shards are dealt out among (rank, worker) slots, so each sample is made exactly once per
    epoch; a slot left without a shard (fewer shards than slots) yields nothing: plan more,
    smaller shards (shard.samples) for more readers.

    raw=True yields {"__key__", <image ext>, "txt", "json"} bytes as they would be in the tar;
    otherwise samples are decoded like ShardDataset's.
    """

    def __init__(
        self,
        recipe: Any,
        *,
        split: str | Sequence[str] | None = None,
        rank: int | None = None,
        world_size: int | None = None,
        image: str = "pil",
        image_mode: str | None = "RGB",
        raw: bool = False,
        transform: Callable[[dict[str, Any]], Any] | None = None,
    ):
        super().__init__()
        from factory.plan import plan_shards

        resolved = _resolve(recipe)
        self.recipe_data = resolved.as_dict()  # what executors hand their workers, so output matches
        plan = plan_shards(resolved)
        splits = [split] if isinstance(split, str) else (list(split) if split is not None else None)
        if splits is not None:
            present = sorted({s.split for s in plan})
            unknown = [s for s in splits if s not in present]
            if unknown:
                raise FactoryError(f"split {unknown[0]!r} is not made by this recipe; its splits are: {', '.join(present)}")
        self.shards = [s for s in plan if splits is None or s.split in splits]
        self.samples = sum(s.samples for s in self.shards)
        self.max_bytes = resolved.recipe.shard.max_bytes
        self.rank, self.world_size = node_slot(rank, world_size)
        self.image = image
        self.image_mode = image_mode
        self.raw = raw
        self.transform = transform

    def __iter__(self):
        from factory.executors.worker import workshop_for

        worker, workers = worker_slot()
        slot, slots = self.rank * workers + worker, self.world_size * workers
        mine = self.shards[slot::slots]
        if not mine:
            log.warning("reader %d of %d has no shard to generate (%d shards); plan smaller shards", slot, slots, len(self.shards))
            return
        workshop = workshop_for(self.recipe_data)
        for shard in mine:
            for sample in self._shard(workshop, shard):
                if self.raw:
                    yield sample.as_webdataset()
                    continue
                out = decode_sample(sample.as_webdataset(), self.image, self.image_mode)
                yield self.transform(out) if self.transform is not None else out

    def _shard(self, workshop: Any, shard: Any):
        """The samples write_shard would keep, including its early close at shard.max_bytes."""
        from factory.samples import Drop, shard_samples

        tar = sink = None
        if self.max_bytes:
            import webdataset as wds

            from factory.dataset.shards import TAR_MODE, TAR_MTIME, TAR_USER

            sink = _CountingSink()
            tar = wds.TarWriter(sink, user=TAR_USER, group=TAR_USER, mode=TAR_MODE, encoder=False, mtime=TAR_MTIME)
        for item in shard_samples(workshop, shard):
            if isinstance(item, Drop):
                continue
            if tar is not None:
                if sink.bytes >= self.max_bytes:
                    return
                tar.write(item.as_webdataset())
            yield item

    def __len__(self) -> int:
        """Planned samples of the selected splits (fewer when a shard drops more than allowed)."""
        if self.world_size > 1:
            raise TypeError("a rank's share of whole shards is not known in advance")
        return self.samples
