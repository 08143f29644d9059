#!/usr/bin/env bash
# Fills a Tesseract models folder for `render-factory audit`: Tesseract's 4.0.0_best_int models where
# they read clean single lines better than Debian's (Arabic, Bengali, Armenian: README, audit), and a
# symlink to Debian's model for every other language, since Tesseract's --tessdata-dir must hold each
# language of a combination such as ara+eng. The audit uses the folder <sys.prefix>/share/render-factory/tessdata
# of the interpreter it runs in. The models come from npm's registry (tesseract.js-data 1.0.0, MIT),
# with curl, not npm; each tarball's sha512 is pinned here. Safe to run again: it only does what is
# not done yet. Usage: scripts/tessdata.sh FOLDER   (scripts/setup.sh --test and the Dockerfile run it)
set -euo pipefail

TESSDATA=${1:?usage: scripts/tessdata.sh FOLDER}
say() { echo "setup: $*" >&2; }

BEST_INT_SHA512=(
  "ara 6c1eb402fe9db2ff4b454ae568ce928270308d4a5d6da9f0f497f799b8430990215fb0a9f2eed88c8f0459f0af3211f74764094ffd8403c7228ea3c034e87068"
  "ben 2856e5f189551999e19499a5338e63d429dd7a4f100863305eef0936d13c738a0380a0b2f1cd4fbe22160b98a1e610468cc3c78bac81691f86af415175afe922"
  "hye 4db5d299fb9b13efe359346e273dfbc0dbca8084481bf4e0ff6ff0c91026283aac4cefd3171ea27f088271814fc12900b32793293223ec86b9f31d72c1a14712"
)
DEBIAN_TESSDATA=$(dirname "$(ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata | head -n1)")
mkdir -p "$TESSDATA"
wanted=" "
for entry in "${BEST_INT_SHA512[@]}"; do
  lang=${entry%% *}; sha=${entry#* }; wanted+="$lang "
  [[ -f "$TESSDATA/$lang.traineddata" && ! -L "$TESSDATA/$lang.traineddata" ]] && continue
  say "downloading Tesseract's 4.0.0_best_int $lang model"
  tgz=$(mktemp)
  if ! curl -fsSL --retry 2 -o "$tgz" "https://registry.npmjs.org/@tesseract.js-data/$lang/-/$lang-1.0.0.tgz"; then
    rm -f "$tgz"; wanted=${wanted/ $lang / }
    say "could not download $lang-1.0.0.tgz from registry.npmjs.org: the audit reads $lang with Debian's model"; continue
  fi
  if [[ $(sha512sum "$tgz" | cut -d" " -f1) != "$sha" ]]; then
    rm -f "$tgz"; say "$lang-1.0.0.tgz does not match its pinned sha512"; exit 1
  fi
  tar -xzOf "$tgz" "package/4.0.0_best_int/$lang.traineddata.gz" | gunzip > "$TESSDATA/$lang.traineddata.part"
  rm -f "$tgz" "$TESSDATA/$lang.traineddata"
  mv "$TESSDATA/$lang.traineddata.part" "$TESSDATA/$lang.traineddata"
done
# a model no longer listed above goes back to Debian's
for model in "$TESSDATA"/*.traineddata; do
  name=$(basename "$model" .traineddata)
  if [[ -f "$model" && ! -L "$model" && "$wanted" != *" $name "* ]]; then rm -f "$model"; fi
done
# every other model, and Debian's config folders (a config named in a call is looked up there)
for model in "$DEBIAN_TESSDATA"/*.traineddata "$DEBIAN_TESSDATA"/configs "$DEBIAN_TESSDATA"/tessconfigs; do
  [[ -e "$TESSDATA/$(basename "$model")" ]] || ln -sfn "$model" "$TESSDATA/$(basename "$model")"
done
