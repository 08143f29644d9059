#!/usr/bin/env bash
# Installs whatever is missing for Render Factory on Debian/Ubuntu: system packages (Chromium,
# fonts), a virtual environment in .venv, and the Python packages. Safe to run again: it only does
# what is not done yet. Usage: scripts/setup.sh [--test]   (--test adds the test extras and torch)
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_TEST=0
[[ "${1:-}" == "--test" ]] && WANT_TEST=1

say() { echo "setup: $*" >&2; }

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; fi
fi

# --- system packages -------------------------------------------------------------------------
APT_PACKAGES=(python3 python3-venv python3-dev fonts-dejavu-core fonts-liberation fonts-noto-core fonts-noto-cjk fontconfig)
# Handwriting-like fonts for the values of filled forms (documents generator).
APT_PACKAGES+=(fonts-dkg-handwriting fonts-comic-neue fonts-dancingscript fonts-humor-sans)
APT_PACKAGES+=(libgl1 libglib2.0-0)  # augraphy pulls in opencv-python, whose cv2 loads libGL and GLib
APT_PACKAGES+=(tesseract-ocr tesseract-ocr-eng)  # render-factory audit reads images with Tesseract; tests read VQA headers back
# Tesseract's models for every language the generators write (factory/generators/locales.py): the audit
# reads each sample in its own locale's language (rus+eng, jpn+eng...), not Cyrillic or kana as Latin.
APT_PACKAGES+=(tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-nld tesseract-ocr-pol)
APT_PACKAGES+=(tesseract-ocr-ces tesseract-ocr-dan tesseract-ocr-por tesseract-ocr-vie tesseract-ocr-rus tesseract-ocr-ukr)
APT_PACKAGES+=(tesseract-ocr-ell tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-jpn tesseract-ocr-kor tesseract-ocr-ara)
APT_PACKAGES+=(tesseract-ocr-heb tesseract-ocr-fas tesseract-ocr-hin tesseract-ocr-ben tesseract-ocr-tam tesseract-ocr-tha)
APT_PACKAGES+=(tesseract-ocr-kat tesseract-ocr-hye tesseract-ocr-amh)
# Tesseract's script models, the audit's last reading of tokens a language's model misses (Noto Serif
# Ethiopic, which amh barely reads; factory/tools/audit/languages.py SCRIPT_WIDE_MODELS).
APT_PACKAGES+=(tesseract-ocr-script-ethi tesseract-ocr-script-thai tesseract-ocr-script-arab tesseract-ocr-script-armn)
APT_PACKAGES+=(tesseract-ocr-script-beng tesseract-ocr-script-deva)
# A browser: keep whatever is there (RENDER_FACTORY_CHROMIUM, Playwright's, Chrome); else Debian's chromium.
if [[ -z "${RENDER_FACTORY_CHROMIUM:-}" ]] && ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null \
   && ! command -v google-chrome >/dev/null && ! ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-*/ >/dev/null 2>&1; then
  APT_PACKAGES+=(chromium)
fi
missing=()
if command -v dpkg-query >/dev/null; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
# A python3 that is not Debian's (pyenv, conda) brings its own venv; don't ask apt for it.
if python3 -c "import venv, ensurepip" >/dev/null 2>&1; then
  missing=("${missing[@]/python3-venv}"); missing=("${missing[@]/python3-dev}"); missing=("${missing[@]/python3}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if (( ${#missing[@]} )); then
  if ! command -v apt-get >/dev/null; then
    say "please install: ${missing[*]} (no apt-get on this system)"; exit 1
  fi
  say "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- virtual environment and Python packages ---------------------------------------------------
if [[ ! -x .venv/bin/python ]]; then
  say "creating .venv"
  python3 -m venv .venv
fi
PY=.venv/bin/python
EXTRAS="."
[[ $WANT_TEST == 1 ]] && EXTRAS=".[test,hf,ray,eval,corpus,audit]"
STAMP=".venv/.installed-$(cat pyproject.toml | sha256sum | cut -c1-16)-$WANT_TEST"
if [[ ! -f "$STAMP" ]]; then
  say "installing Python packages ($EXTRAS)"
  $PY -m pip install -q --upgrade pip >/dev/null
  # torch is an optional extra; the CPU build 2.13.0 is pinned so no GPU wheels are pulled in.
  if [[ $WANT_TEST == 1 ]]; then $PY -m pip install -q "torch==2.13.0"; fi
  $PY -m pip install -q -e "$EXTRAS"
  rm -f .venv/.installed-*
  touch "$STAMP"
fi
# Tesseract's 4.0.0_best_int models and 4.0.0 amh (legacy engine) for the audit, in a folder of this environment (scripts/tessdata.sh).
if [[ $WANT_TEST == 1 ]]; then bash scripts/tessdata.sh .venv/share/render-factory/tessdata; fi
# Bytecode for the project's own modules (only what changed is compiled): an editable install
# leaves it to the first import, and with PYTHONDONTWRITEBYTECODE set every worker process would
# compile them again (0.25 s a worker start here).
$PY -m compileall -q factory renderers >/dev/null
