"""Ways tests damage a copy of a dataset, shared by the reading tools' and the loader's tests."""

from __future__ import annotations

import tarfile
from pathlib import Path


def flip_a_target_bit(shard: Path) -> None:
    """One bit of the first `txt` target's first character: the sample still decodes, and only
    the shard's sha256 tells."""
    data = bytearray(shard.read_bytes())
    with tarfile.open(shard) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith(".txt"))
    data[member.offset_data] ^= 0x01
    shard.write_bytes(bytes(data))
