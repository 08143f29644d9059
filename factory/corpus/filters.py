"""Which pages of a corpus are kept: language, amount of text, duplicates.

Duplicates are found within a shard's slice of the corpus, in record order: a page is dropped
when an earlier page of the same slice that passed every check before this one had the same
sanitized HTML (`duplicate`), near-identical text (`near_duplicate_text`: MinHash of word
5-grams, or character 5-grams for text written without spaces, estimated Jaccard at least
`near_text`), or a near-identical screenshot at the same viewport (`near_duplicate_image`:
256-bit perceptual hash within `near_image` bits). Because the decision depends on the slice
alone, it is the same whichever worker, executor or resumed run renders the shard; duplicates
in different shards are not compared (deduplicate a corpus with many cross-file copies before
rendering it, or use larger shards).

Languages are identified by lingua (offline, deterministic, 75 languages) in its low-accuracy
mode, which is accurate on page-length text and needs about 100 MB rather than 1 GB. It reads 400
characters from a quarter into the text (past most navigation bars): measured on 70 pages in 14
languages, 400 characters were as accurate as 2,000 (70 of 70) at 5 ms a page instead of 20.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import numpy as np

from factory.errors import Dropped, require

LANGUAGE_CHARS = 400
SHINGLE = 5
MAX_SHINGLES = 20000
NUM_PERM = 128
MINHASH_SEED = 1  # one hash family for every page, so signatures compare: a constant, not randomness
MINHASH_SCHEME = "affine32"  # named, so another datasketch default cannot change which pages are duplicates
# 256-bit pHash (16x16 DCT): on 42 generated pages of similar templates, 64-bit hashes of different
# pages came as close as 4 bits, as close as a copy with one word changed; 256-bit hashes kept
# different pages at least 38 bits apart and that copy 14 bits from its original.
PHASH_SIZE = 16
_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _detector():
    lingua = require("lingua", "corpus", "the html_corpus language filter")
    return lingua.LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()


@functools.lru_cache(maxsize=1)
def known_languages() -> tuple[str, ...]:
    lingua = require("lingua", "corpus", "the html_corpus language filter")
    return tuple(sorted(lang.iso_code_639_1.name.lower() for lang in lingua.Language.all()))


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text's language, '' when lingua cannot tell."""
    start = max(0, min(len(text) - LANGUAGE_CHARS, len(text) // 4))
    sample = text[start : start + LANGUAGE_CHARS]
    if len(sample) < 20:
        return ""
    found = _detector().detect_language_of(sample)
    return found.iso_code_639_1.name.lower() if found is not None else ""


@functools.lru_cache(maxsize=1)
def _permutations() -> Any:
    """MinHash's hash family, made once a process (datasketch would make it for every page)."""
    datasketch = require("datasketch", "corpus", "html_corpus near-duplicate detection")
    return datasketch.MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations


@functools.lru_cache(maxsize=8)
def _lsh_params(threshold: float) -> tuple[int, int]:
    """Bands and rows for `threshold`, found once (datasketch integrates numerically each time)."""
    datasketch = require("datasketch", "corpus", "html_corpus near-duplicate detection")
    lsh = datasketch.MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def shingles(text: str) -> set[str]:
    """Word 5-grams; character 5-grams for text written without spaces (CJK, Thai)."""
    text = text.lower()
    words = _WORD.findall(text)
    if text.count(" ") < 0.06 * len(text):  # few spaces: a script written without them
        joined = "".join(words)
        grams = {joined[i : i + SHINGLE] for i in range(max(1, len(joined) - SHINGLE + 1))}
    else:
        grams = {" ".join(words[i : i + SHINGLE]) for i in range(max(1, len(words) - SHINGLE + 1))}
    if len(grams) > MAX_SHINGLES:
        grams = set(sorted(grams)[:MAX_SHINGLES])
    return grams


class SliceFilter:
    """The duplicate memory of one shard's slice; make a new one for every shard."""

    def __init__(self, exact: bool, near_text: float | None, near_image: int | None):
        self.exact = exact
        self.near_text = near_text
        self.near_image = near_image
        self._hashes: set[str] = set()
        self._lsh: Any = None
        self._signatures: dict[str, Any] = {}
        self._images: dict[str, list[int]] = {}  # viewport -> perceptual hashes of kept pages
        self._count = 0

    def check_text(self, content_hash: str, text: str) -> None:
        """Before rendering: exact and near-duplicate text; the page is remembered if it passes."""
        if self.exact:
            if content_hash in self._hashes:
                raise Dropped("duplicate", f"same sanitized HTML as an earlier page (sha256 {content_hash[:12]})")
        signature = None
        if self.near_text is not None and text:
            datasketch = require("datasketch", "corpus", "html_corpus near-duplicate detection")
            signature = datasketch.MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, permutations=_permutations(), scheme=MINHASH_SCHEME)
            signature.update_batch([s.encode("utf-8", "surrogatepass") for s in sorted(shingles(text))])
            if self._lsh is None:
                self._lsh = datasketch.MinHashLSH(num_perm=NUM_PERM, params=_lsh_params(self.near_text))
            for key in sorted(self._lsh.query(signature)):
                similarity = signature.jaccard(self._signatures[key])
                if similarity >= self.near_text:
                    raise Dropped("near_duplicate_text", f"text {similarity:.2f} similar to {key}")
        self._hashes.add(content_hash)
        if signature is not None:
            key = f"page{self._count}"
            self._count += 1
            self._signatures[key] = signature
            self._lsh.insert(key, signature)

    def check_image(self, viewport: str, image) -> dict[str, Any]:
        """After rendering: a near-identical screenshot at the same viewport; returns the hash."""
        if self.near_image is None:
            return {}
        imagehash = require("imagehash", "corpus", "html_corpus near-duplicate detection")
        # pHash shrinks the picture to 64x64 with Lanczos; a box-filter reduction to about 256 px
        # first costs a fraction of that on a tall page (23 ms -> 3 ms) and keeps what 64x64 sees.
        factor = max(1, min(image.size) // (4 * PHASH_SIZE * 4))
        value = int(str(imagehash.phash(image.reduce(factor) if factor > 1 else image, hash_size=PHASH_SIZE)), 16)
        kept = self._images.setdefault(viewport, [])
        if kept:
            distances = [(value ^ other).bit_count() for other in kept]
            nearest = int(np.argmin(distances))
            if distances[nearest] <= self.near_image:
                raise Dropped("near_duplicate_image", f"screenshot within {distances[nearest]} bits of an earlier page's")
        kept.append(value)
        return {"phash": f"{value:064x}"}
