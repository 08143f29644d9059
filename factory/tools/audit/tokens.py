"""Target tokens and whether OCR read them: folding (case, accents, look-alike letters), the token
unit (words between spaces; grapheme clusters in scripts written without spaces) and the matching
that forgives OCR's own slips but never a token cut short."""

from __future__ import annotations

import unicodedata
from difflib import SequenceMatcher


def _kept(ch: str) -> bool:
    """Letters, digits and the marks a script writes with (Indic and Thai vowel signs, viramas,
    kana voicing marks); the accents NFKD splits off Latin, Greek and Cyrillic letters are folded away."""
    return ch.isalnum() or (unicodedata.category(ch)[0] == "M" and not 0x300 <= ord(ch) <= 0x36F)


def fold(text: str) -> str:
    """Letters, digits and script marks only, case- and accent-folded: what OCR and target are compared on."""
    text = unicodedata.normalize("NFKD", text).replace("\u2212", "-")
    return "".join(ch for ch in text.casefold() if _kept(ch))


# Scripts written without spaces between words: a phrase there is no word, so each grapheme cluster
# (a letter with the marks written on it) is a token of its own, in the target and in what OCR read.
# Chinese and Japanese (Han, kana, the long-vowel and iteration marks) are counted so, by character:
# one misread kanji in a name of six costs one token, not the name. Korean spaces its words: words.
UNSPACED = ("THAI", "LAO", "KHMER", "MYANMAR", "CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA", "IDEOGRAPHIC", "BOPOMOFO")


def _unspaced(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LM" and unicodedata.name(ch, "").split(" ")[0] in UNSPACED


def _flags(folded: str) -> list[bool]:
    """Whether each character of a folded text belongs to a script written without spaces; a mark
    belongs to the letter it is written on (kana's voicing mark, split off by NFKD, to its kana)."""
    flags: list[bool] = []
    for ch in folded:
        flags.append(flags[-1] if flags and unicodedata.category(ch)[0] == "M" else _unspaced(ch))
    return flags


def _clusters(text: str) -> list[str]:
    """Grapheme clusters of a folded text: a letter with the marks that follow it."""
    out: list[str] = []
    for ch in text:
        if out and unicodedata.category(ch)[0] == "M":
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _units(text: str) -> tuple[list[str], list[str]]:
    """(words between spaces, clusters of the runs in scripts written without spaces) of a text, folded.
    A Thai or Japanese word's digits and Latin letters stay a word of their own: 'ปี2020' is the
    cluster 'ปี' and the word '2020'."""
    words: list[str] = []
    clusters: list[str] = []
    for raw in text.split():
        folded = fold(raw)
        flags = _flags(folded)
        start = 0
        for i in range(1, len(folded) + 1):
            if i == len(folded) or flags[i] != flags[start]:
                run = folded[start:i]
                if flags[start]:
                    clusters.extend(_clusters(run))
                else:
                    words.append(run)
                start = i
    return words, clusters


def tokens(text: str) -> list[str]:
    words, clusters = _units(text)
    return words + clusters


def token_hits(text: str, read: list[str] | list[list[str]], mono: bool = False) -> list[tuple[str, bool]]:
    """Each target token of a text and whether OCR read it (`read`: the words OCR read in its crop,
    or a list of such words per reading of it). A word is found among the words of every reading;
    clusters of scripts without spaces are aligned in order with the clusters one reading read (a
    cluster found elsewhere in the line, out of order, is not found) and found when a reading
    holds them so (a first reading's '人床花子' and a second's '伊朋花子' hold '伊藤花子''s 伊 and 花子)."""
    readings: list[list[str]] = read if read and isinstance(read[0], list) else [read]  # type: ignore[assignment,list-item]
    words, clusters = _units(text)
    every = [w for reading in readings for w in reading]
    hits = [(t, found(t, every, mono)) for t in words]
    if clusters:
        target = [c.translate(HOMOGLYPHS) for c in clusters]
        matched: set[int] = set()
        for reading in readings:
            folded = fold("".join(reading))
            seen = _clusters("".join(ch for ch, flag in zip(folded, _flags(folded)) if flag).translate(HOMOGLYPHS))
            for a, _, size in SequenceMatcher(None, target, seen, autojunk=False).get_matching_blocks():
                matched.update(range(a, a + size))
        hits += [(c, i in matched) for i, c in enumerate(clusters)]
    return hits


def all_found(text: str, read: list[str] | list[list[str]], mono: bool = False) -> bool:
    return all(ok for _, ok in token_hits(text, read, mono))


# Glyphs OCR confuses whatever the data: 1/i/l, 0/o, 5/s, Q read as 0, 9 or o (a small '2003-Q4'
# tick label read '2003-04' or '2003-94'); a monospace font's dotted or slashed
# zero is also read as 8, 6, 9 or ®. A word matches a token of the same length when every
# differing character is such a slip (a token cut short, "9.9" for "69.99", never matches).
# Letters drawn with the same glyph in Latin, Cyrillic and Greek: no image tells 'РАО' from 'PAO',
# so OCR's choice of script is no misreading. Both sides are compared with these folded to Latin.
# Arabic and Persian write yeh and kaf alike inside a word (ي/ی, ك/ک; final alef maksura ى is Persian's
# ی) and their digits alike but for 4, 5 and 6 (٣/۳): which code point OCR picks is no misreading.
# Kanji and katakana drawn alike (一/ー, 口/ロ, 力/カ, 工/エ, 夕/タ, 二/ニ, 八/ハ, 卜/ト), and hiragana
# and katakana he (へ/ヘ), likewise.
HOMOGLYPHS = str.maketrans("аеорсухіјѕο" "يكى٠١٢٣٤٥٦٧٨٩" "一口力工夕二八卜へ",
                           "aeopcyxijso" "یکی۰۱۲۳۴۵۶۷۸۹" "ーロカエタニハトヘ")  # Latin look-alikes: alike in both cases (after casefold)
SLIPS = {"1": "il", "i": "1l", "l": "1i", "0": "o", "o": "0", "5": "s", "s": "5", "q": "09o"}
DOTTED_ZERO = "689qdø®"


def _slip(token: str, word: str, mono: bool) -> bool:
    if len(token) != len(word):
        return False
    return all(a == b or b in SLIPS.get(a, "") or (mono and a == "0" and b in DOTTED_ZERO) for a, b in zip(token, word))


def found(token: str, read: list[str], mono: bool = False) -> bool:
    """Whether OCR read `token` in a crop: as a word, across split words, or nearly (OCR slips);
    `mono`: the text is set in a monospace font, whose dotted zero OCR reads as 8, 6 or 9."""
    token = token.translate(HOMOGLYPHS)
    folded = [fold(w).translate(HOMOGLYPHS) for w in read]
    if token in folded:
        return True
    if any(_slip(token, w, mono) for w in folded):
        return True
    joined = "".join(folded)
    if token in joined:
        return True
    if len(token) >= 4:
        # every window one character longer than the token, the last ones too (padded): a window cut
        # short at the end matched a 5-letter word one letter off (0.8) that elsewhere in the line
        # does not (0.73), so a token was found or not by whether another reading came after it
        padded = joined + "\0"
        for i in range(max(1, len(padded) - len(token))):
            window = padded[i : i + len(token) + 1]
            if SequenceMatcher(None, token, window).ratio() >= 0.8:
                return True
    return False
