"""Which Tesseract model reads which text: a sample's locale picks its model (with English beside it
for the numbers and Latin names every script carries), a text in another script adds that script's
model, and a text that writes no letter of a model's script is read without it."""

from __future__ import annotations

import functools
import logging
import shlex
import subprocess
import sys
import unicodedata
from pathlib import Path

log = logging.getLogger(__name__)

# Tesseract's model (Debian package tesseract-ocr-<name with '-' for '_'>) for each language the
# generators write; Han is the one language whose model depends on the region (simplified or traditional).
TESSERACT_LANGS = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "nl": "nld", "pl": "pol", "cs": "ces", "da": "dan",
    "pt": "por", "vi": "vie", "ru": "rus", "uk": "ukr", "el": "ell", "ja": "jpn", "ko": "kor", "ar": "ara", "he": "heb",
    "fa": "fas", "hi": "hin", "bn": "ben", "ta": "tam", "th": "tha", "ka": "kat", "hy": "hye", "am": "amh",
    "zh_CN": "chi_sim", "zh_SG": "chi_sim", "zh_TW": "chi_tra", "zh_HK": "chi_tra", "zh": "chi_sim",
}  # fmt: skip

CJK_MODELS = ("jpn", "chi_sim", "chi_tra", "kor")

# A letter's script (the first word of its Unicode name) and the model that reads it, for texts in
# another script than their sample's locale: Greek in an English paper's formulas, a Russian name in
# a German letter. Han is read with the model of the locale's own Han when it has one.
SCRIPT_MODELS = {
    "GREEK": "ell", "CYRILLIC": "rus", "HIRAGANA": "jpn", "KATAKANA": "jpn", "CJK": "chi_sim", "HANGUL": "kor",
    "ARABIC": "ara", "HEBREW": "heb", "DEVANAGARI": "hin", "BENGALI": "ben", "TAMIL": "tam", "THAI": "tha",
    "GEORGIAN": "kat", "ARMENIAN": "hye", "ETHIOPIC": "amh",
}  # fmt: skip
# Tesseract's script models (Debian's tesseract-ocr-script-*), trained on every language and many
# faces of one script: a last reading of the tokens the locale's model still misses. amh barely reads
# Noto Serif Ethiopic (a paragraph: 21 of 35 words; Noto Sans Ethiopic 35 of 35); on 300 multilingual
# samples the script models found am_ET 0.774 -> 0.819 of the tokens, th, hi, hy 0.5-0.7 points more.
SCRIPT_WIDE_MODELS = {
    "ETHIOPIC": "Ethiopic", "THAI": "Thai", "ARABIC": "Arabic", "ARMENIAN": "Armenian", "BENGALI": "Bengali",
    "DEVANAGARI": "Devanagari",
}  # fmt: skip
# Tesseract's 4.0.0 amh model, which still holds the legacy engine's model (scripts/tessdata.sh installs it
# under this name): read with `--oem 0` after every LSTM reading, it reads serif Ethiopic they miss.
LEGACY_MODELS = {"ETHIOPIC": "amh_legacy"}
# Models that read a numbering system its own script's models barely read: Tesseract's ara, trained on
# Arabic text that writes Latin digits, read 0 of the 147 Arabic-Indic digit tokens ('٢٠٢٤', '٣٨٠٫٤٩')
# the audit missed in the multilingual set's ar_EG samples (Arabic and Arabic best_int as few); fas,
# trained on Persian, which writes its own digits (seven of the ten drawn alike), read 32 of them.
DIGIT_MODELS = {"ARABIC-INDIC": "fas"}
COVERED = {"jpn": {"chi_sim"}, "chi_tra": {"chi_sim"}, "kor": {"chi_sim"}, "fas": {"ara"}, "ukr": {"rus"}}
SCRIPTED = set(SCRIPT_MODELS.values()) | set(COVERED)  # models of a script other than Latin


@functools.lru_cache(maxsize=1)
def tessdata() -> tuple[str, str]:
    """(Tesseract option, note) for the models folder scripts/tessdata.sh fills in this
    environment (sys.prefix/share/render-factory/tessdata: Tesseract's 4.0.0_best_int models for
    ara, ben and hye, which read short lines Debian's missed, its 4.0.0 amh as amh_legacy for the
    legacy engine, and symlinks to Debian's for the rest): '--tessdata-dir <folder>' and which
    models it holds; ('', "Debian's models") without it."""
    folder = Path(sys.prefix) / "share" / "render-factory" / "tessdata"
    if not (folder / "eng.traineddata").exists():
        return "", "Debian's models"
    own = sorted(p.name.split(".")[0] for p in folder.glob("*.traineddata") if not p.is_symlink())
    legacy = [name for name in own if name in LEGACY_MODELS.values()]
    best = [name for name in own if name not in legacy]
    note = f"4.0.0_best_int models for {', '.join(best) or 'none'}" + (f", 4.0.0 legacy {', '.join(legacy)}" if legacy else "")
    return f"--tessdata-dir {shlex.quote(str(folder))}", f"{note}, Debian's for the rest ({folder})"


@functools.lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """The Tesseract models installed here (`tesseract --list-langs`, in `tessdata`'s folder when
    there is one). Read here, not by pytesseract, whose list leaves out the script models' capitalised names."""
    try:
        out = subprocess.run(["tesseract", "--list-langs", *shlex.split(tessdata()[0])], capture_output=True, text=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("cannot list Tesseract's languages (%s); reading with eng", exc)
        return frozenset({"eng"})
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def ocr_language(locale: str, installed: frozenset[str] | None = None) -> tuple[str, str | None]:
    """(Tesseract language, note) for a locale: its own model plus English (numbers, codes and
    Latin brand names appear in every script), e.g. 'rus+eng', or a CJK model alone (3 Japanese
    documents: jpn 0.944 of their tokens, jpn+eng 0.860); 'eng' with a note saying which
    package to install when the locale's model is missing (the audit then reads it as Latin)."""
    installed = installed_languages() if installed is None else installed
    language = locale.split("_")[0]
    model = TESSERACT_LANGS.get(locale) or TESSERACT_LANGS.get(language)
    if model is None:
        return "eng", f"{locale}: no Tesseract model is known for language {language!r}; read with eng"
    if model == "eng":
        return "eng", None
    if model not in installed:
        package = "tesseract-ocr-" + model.replace("_", "-")
        return "eng", f"{locale}: Tesseract's {model} model is not installed; read with eng (install {package}: scripts/setup.sh does)"
    if model in CJK_MODELS:  # they read Latin letters and digits themselves; with eng beside them, kanji came out as Latin noise
        return model, None
    return f"{model}+eng", None


def _script_of(ch: str) -> str:
    """A letter's or digit's script, as SCRIPT_MODELS and SCRIPT_WIDE_MODELS name it ('٣' and '۳': ARABIC)."""
    name = unicodedata.name(ch, "")
    if unicodedata.category(ch) == "Nd":
        name = name.replace("EXTENDED ", "").replace("ARABIC-INDIC", "ARABIC")
    return name.split(" ")[0]


def _scripts(text: str) -> set[str | None]:
    """The models of the scripts a text writes letters in (None: Latin, or a script no model is listed for)."""
    return {SCRIPT_MODELS.get(_script_of(ch)) for ch in text if unicodedata.category(ch).startswith("L")}


def item_language(text: str, base: str, installed: frozenset[str]) -> tuple[str, str | None]:
    """(Tesseract language, note) for one text of a sample read with `base` ('rus+eng'): the base
    plus the model of every other script the text writes letters in (that is installed)."""
    have = set(base.split("+"))
    covered = have.union(*(COVERED.get(m, set()) for m in have))
    wanted = _scripts(text) - covered - {None}
    missing = sorted(m for m in wanted if m not in installed)
    extra = sorted(m for m in wanted if m in installed)
    note = (f"Tesseract's {', '.join(missing)} model is not installed; texts in its script read with {base} "
            f"(install {', '.join('tesseract-ocr-' + m.replace('_', '-') for m in missing)})") if missing else None
    if not extra:
        return base, note
    head = [m for m in base.split("+") if m != "eng"]
    return "+".join(head + extra + ["eng"]), note


def script_models(text: str, installed: frozenset[str]) -> str | None:
    """The installed script models (SCRIPT_WIDE_MODELS) of the scripts a text writes letters or
    native digits in, as one Tesseract language ('Ethiopic', 'Arabic+Armenian'); None when there is
    none. Native digits count: ara read a Plotly tick's '٢' as '1' (300 multilingual samples: ar_EG
    0.855 -> 0.867 of the tokens found with digits read by the Arabic model, hi_IN 0.988 -> 0.998)."""
    wanted = {SCRIPT_WIDE_MODELS.get(_script_of(ch)) for ch in text if unicodedata.category(ch).startswith("L") or unicodedata.category(ch) == "Nd"}
    have = sorted(m for m in wanted - {None} if m in installed)
    return "+".join(have) or None


def legacy_models(text: str, installed: frozenset[str]) -> tuple[str | None, str | None]:
    """(the legacy engine's models of the scripts a text writes letters in, as one Tesseract language;
    a note naming those not installed): Ethiopic's amh_legacy, which scripts/tessdata.sh installs."""
    wanted = sorted({LEGACY_MODELS.get(_script_of(ch)) for ch in text if unicodedata.category(ch).startswith("L")} - {None})
    have = [m for m in wanted if m in installed]
    missing = [m for m in wanted if m not in installed]
    note = (f"Tesseract's {', '.join(missing)} model is not installed; its script is read without the legacy engine's "
            "last reading (scripts/tessdata.sh installs it)") if missing else None
    return "+".join(have) or None, note


def digit_models(text: str, lang: str, installed: frozenset[str]) -> str | None:
    """The installed DIGIT_MODELS of the numbering systems a text writes digits in, those `lang`
    holds already left out, as one Tesseract language; None when there is none."""
    wanted = {DIGIT_MODELS.get(unicodedata.name(ch, "").split(" DIGIT ")[0]) for ch in text if ch.isdigit() and not "0" <= ch <= "9"}
    have = sorted(m for m in wanted - {None} if m in installed and m not in lang.split("+"))
    return "+".join(have) or None


def without_english(lang: str, text: str) -> str | None:
    """`lang` less English, for a text read beside English that writes letters those models read
    (English's model took 'Σίγουρος' for 'Yiyoupoc', a Bengali word for 'Stat') or digits other than
    Latin (٣, ৫, ७); None when there is no such reading (English alone, or a text with Latin letters
    and digits only: a Latin word in a Russian sample, a number, which English alone reads)."""
    models = lang.split("+")
    own = [m for m in models if m != "eng"]
    if "eng" not in models or not own:
        return None
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in text):
        return "+".join(own)
    scripts = _scripts(text)
    reads = any(m in scripts or COVERED.get(m, set()) & scripts or (m not in SCRIPTED and None in scripts) for m in own)
    return "+".join(own) if reads else None


def own_scripts(text: str, lang: str) -> str:
    """`lang` less the models of a script the text does not write in (a paper's variable 'g', an
    e-mail address, a date in digits in a Japanese or Russian document): jpn read a lone 'g' as 'に'
    and '1988/07/12' as '7988/0772', rus a Latin 'T' as a Cyrillic 'Т'. Models of Latin-script
    languages (pol, deu) stay; a text with native digits keeps every model."""
    if any(ch.isdigit() and not "0" <= ch <= "9" for ch in text):
        return lang
    scripts = _scripts(text)
    models = lang.split("+")
    kept = [m for m in models if m not in SCRIPTED or m in scripts or COVERED.get(m, set()) & scripts]
    if kept == models:  # a CJK text stays with its model alone (with eng beside it, kanji came out as Latin noise)
        return lang
    return "+".join(kept + ([] if "eng" in kept else ["eng"]))
