"""The loader never loses a sample without saying so (issue 12, finding 5).

Each kind of damage the issue found is made to one shard of a real dataset: truncated at a member
boundary, a flipped bit in a tar header, a corrupt PNG member, a corrupt JSON member, a zeroed
tail. By default reading raises a FactoryError naming the shard; with skip_errors=True the loader
yields every sound sample and warns how many were lost.
"""

from __future__ import annotations

import logging
import shutil
import tarfile
from pathlib import Path

import pytest

from factory.errors import FactoryError
from factory.loaders import find_shards, open_dataset

SHARD = "train-000001.tar"  # 6 samples of 3 members each


def _members(tar_path: Path) -> list[tarfile.TarInfo]:
    with tarfile.open(tar_path) as tar:
        return tar.getmembers()


def truncate_at_member_boundary(path: Path) -> None:
    """Cut after the 4th sample's last member: a shorter but well-formed stream of members."""
    last = _members(path)[4 * 3 - 1]
    end = last.offset_data + (last.size + 511) // 512 * 512
    path.write_bytes(path.read_bytes()[:end])


def flip_header_bit(path: Path) -> None:
    """One bit of the 8th member's header name: its checksum fails and tarfile stops there."""
    member = _members(path)[7]
    data = bytearray(path.read_bytes())
    data[member.offset + 3] ^= 0x04
    path.write_bytes(bytes(data))


def _member_data(path: Path, ext: str, index: int = 2) -> tuple[int, int]:
    member = [m for m in _members(path) if m.name.endswith("." + ext)][index]
    return member.offset_data, member.size


def corrupt_png(path: Path) -> None:
    start, size = _member_data(path, "png")
    data = bytearray(path.read_bytes())
    data[start + size // 2] ^= 0xFF  # inside the image data: its CRC no longer matches
    path.write_bytes(bytes(data))


def corrupt_json(path: Path) -> None:
    start, _ = _member_data(path, "json")
    data = bytearray(path.read_bytes())
    data[start] = ord("x")  # '{' -> 'x'
    path.write_bytes(bytes(data))


def zero_tail(path: Path) -> None:
    """Zeros from the middle of the 5th sample to the end, as a disk that lost its last blocks."""
    member = _members(path)[4 * 3 + 1]
    data = bytearray(path.read_bytes())
    data[member.offset :] = bytes(len(data) - member.offset)
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated at a member boundary": (truncate_at_member_boundary, 4),
    "flipped bit in a tar header": (flip_header_bit, 2),
    "corrupt PNG member": (corrupt_png, 5),
    "corrupt JSON member": (corrupt_json, 5),
    "zeroed tail": (zero_tail, 4),
}


@pytest.fixture
def damaged(chart_dataset, tmp_path, request):
    copy = tmp_path / "ds"
    shutil.copytree(chart_dataset, copy)
    damage, sound = DAMAGE[request.param]
    damage(copy / SHARD)
    return copy, sound


@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_damage_raises_by_default(damaged):
    copy, _ = damaged
    with pytest.raises(FactoryError, match=SHARD) as err:
        list(open_dataset(copy))
    assert "\n" not in str(err.value) and "skip_errors" in str(err.value)


@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_damage_is_skipped_and_counted_with_skip_errors(damaged, caplog):
    copy, sound = damaged
    with caplog.at_level(logging.WARNING, logger="factory.loaders"):
        samples = list(open_dataset(copy, skip_errors=True))
    assert len(samples) == 18 + sound  # the 3 other shards (18 samples), and the sound ones of this one
    assert all(s["key"].startswith(("train-000000", "train-000002", "val-000000", "train-000001")) for s in samples)
    warnings = [r.getMessage() for r in caplog.records if SHARD in r.getMessage()]
    assert warnings and f"{6 - sound} of 6 samples lost" in warnings[0]


def test_damage_is_found_without_a_manifest_too(chart_dataset, tmp_path):
    """A list of shard URLs gives no counts; a damaged header still shows: data after the tar's end."""
    copy = tmp_path / "ds"
    shutil.copytree(chart_dataset, copy)
    flip_header_bit(copy / SHARD)
    urls = [u for u in find_shards(copy).urls if u.endswith(SHARD)]
    with pytest.raises(FactoryError, match="damaged header"):
        list(open_dataset(urls))


def test_a_shard_whose_bytes_changed_but_still_decode_is_reported(chart_dataset, tmp_path):
    """A flipped bit in a txt member decodes fine; the manifest's sha256 tells."""
    copy = tmp_path / "ds"
    shutil.copytree(chart_dataset, copy)
    start, _ = _member_data(copy / SHARD, "txt")
    data = bytearray((copy / SHARD).read_bytes())
    data[start] ^= 0x01
    (copy / SHARD).write_bytes(bytes(data))
    with pytest.raises(FactoryError, match="sha256"):
        list(open_dataset(copy))


def test_skip_errors_does_not_claim_nothing_was_lost_when_the_hash_fails_late(chart_dataset, tmp_path, caplog):
    """A flipped byte in a target decodes fine; only the shard's sha256, known at its end, shows
    it. The warning said 'skipped, 0 of N samples lost' while the damaged sample had gone out."""
    import logging
    import shutil
    from factory import open_dataset
    from tests.damage import flip_a_target_bit

    copy = tmp_path / "ds"
    shutil.copytree(chart_dataset, copy)
    flip_a_target_bit(sorted(copy.glob("train-*.tar"))[0])
    with caplog.at_level(logging.WARNING):
        keys = [s["key"] for s in open_dataset(str(copy), split="train", skip_errors=True)]
    assert keys and "may be damaged" in caplog.text and "0 of" not in caplog.text


def test_an_image_mode_that_is_no_pil_mode_is_refused_at_once(chart_dataset):
    from factory import FactoryError, open_dataset

    with pytest.raises(FactoryError, match="not a PIL mode"):
        open_dataset(str(chart_dataset), image_mode="XYZ")


def test_prepare_image_settings_that_would_exhaust_memory_are_refused():
    """patch_size=10**6 grew one worker to 21 GB before the kernel killed it."""
    from factory import FactoryError
    from factory.image_prep import PrepareImage

    for options in ({"patch_size": 4096}, {"max_patches": 10**7}, {"mode": "side", "max_side": 10**6, "upscale": True}, {"max_patches": 2.5}):
        with pytest.raises(FactoryError, match="PrepareImage"):
            PrepareImage(**options)
    PrepareImage(max_patches=4096, patch_size=16)  # Pix2Struct's largest setting stays allowed


def test_loader_options_of_the_wrong_type_or_selecting_nothing_are_one_line(chart_dataset):
    """shuffle='256' failed later with a bare TypeError, epoch_length=2.5 yielded 3 samples, and a
    split and task that share no sample yielded nothing, silently."""
    from factory import FactoryError, open_dataset

    for options, said in (({"shuffle": "256"}, "shuffle must be a whole number"), ({"epoch_length": 2.5}, "epoch_length must be"),
                          ({"seed": "abc"}, "seed must be"), ({"shuffle": True}, "shuffle must be"), ({"split": []}, "names nothing"),
                          ({"tasks": []}, "names nothing")):  # fmt: skip
        with pytest.raises(FactoryError, match=said):
            open_dataset(str(chart_dataset), **options)
    assert len(open_dataset(str(chart_dataset), split="val", tasks="chart_qa")) > 0


def test_a_split_and_task_that_share_no_sample_are_one_line(chart_dataset, tmp_path):
    import json
    import shutil

    from factory import FactoryError, open_dataset

    copy = tmp_path / "ds"
    shutil.copytree(chart_dataset, copy)
    manifest_path = copy / ".render-factory" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["samples"]["by_split_and_task"]["val"].pop("chart_qa")  # as if val held no chart_qa sample
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(FactoryError, match="no sample is in split"):
        open_dataset(str(copy), split="val", tasks="chart_qa")


def test_a_dataset_still_being_written_says_so(tmp_path, chart_dataset):
    import shutil

    from factory import FactoryError, open_dataset
    from factory.dataset import layout

    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(chart_dataset / layout.MARKER, live / layout.MARKER)  # claimed, no manifest yet
    with pytest.raises(FactoryError, match="a run is writing it, or was interrupted"):
        open_dataset(str(live))
