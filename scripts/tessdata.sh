#!/usr/bin/env bash
# Fills a Tesseract models folder for `render-factory audit`: Tesseract's 4.0.0_best_int models where
# they read clean single lines better than Debian's (Arabic, Bengali, Armenian: README, audit), Tesseract's
# 4.0.0 Amharic model, which still holds the legacy engine's model, as amh_legacy (the audit's last
# reading of Ethiopic, `--oem 0`: it reads serif Ethiopic the LSTM models miss), and a symlink to Debian's
# model for every other language, since Tesseract's --tessdata-dir must hold each language of a
# combination such as ara+eng. The audit uses the folder <sys.prefix>/share/render-factory/tessdata
# of the interpreter it runs in. The models come from npm's registry (tesseract.js-data 1.0.0, MIT),
# with curl, not npm; each tarball's sha512 is pinned here. Safe to run again: it only does what is
# not done yet. Usage: scripts/tessdata.sh FOLDER   (scripts/setup.sh --test and the Dockerfile run it)
set -euo pipefail

TESSDATA=${1:?usage: scripts/tessdata.sh FOLDER}
say() { echo "setup: $*" >&2; }

# model name, @tesseract.js-data package (version 1.0.0), folder in its tarball, the tarball's sha512
MODELS=(
  "ara ara 4.0.0_best_int 6c1eb402fe9db2ff4b454ae568ce928270308d4a5d6da9f0f497f799b8430990215fb0a9f2eed88c8f0459f0af3211f74764094ffd8403c7228ea3c034e87068"
  "ben ben 4.0.0_best_int 2856e5f189551999e19499a5338e63d429dd7a4f100863305eef0936d13c738a0380a0b2f1cd4fbe22160b98a1e610468cc3c78bac81691f86af415175afe922"
  "hye hye 4.0.0_best_int 4db5d299fb9b13efe359346e273dfbc0dbca8084481bf4e0ff6ff0c91026283aac4cefd3171ea27f088271814fc12900b32793293223ec86b9f31d72c1a14712"
  "amh_legacy amh 4.0.0 6ee282240f20e05c292787823bd2fd5b68fe234ec3649ec747dfdd14cb4b2fcad2403664509d5925141475f2b0ed82828d4b7f9cf3569243da373461358114bb"
)
DEBIAN_TESSDATA=$(dirname "$(ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata | head -n1)")
mkdir -p "$TESSDATA"
wanted=" "
for entry in "${MODELS[@]}"; do
  read -r name package folder sha <<< "$entry"; wanted+="$name "
  [[ -f "$TESSDATA/$name.traineddata" && ! -L "$TESSDATA/$name.traineddata" ]] && continue
  say "downloading Tesseract's $folder $package model as $name"
  tgz=$(mktemp)
  if ! curl -fsSL --retry 2 -o "$tgz" "https://registry.npmjs.org/@tesseract.js-data/$package/-/$package-1.0.0.tgz"; then
    rm -f "$tgz"; wanted=${wanted/ $name / }
    if [[ $name == "$package" ]]; then
      say "could not download $package-1.0.0.tgz from registry.npmjs.org: the audit reads $package with Debian's model"
    else
      say "could not download $package-1.0.0.tgz from registry.npmjs.org: the audit goes without $name"
    fi
    continue
  fi
  if [[ $(sha512sum "$tgz" | cut -d" " -f1) != "$sha" ]]; then
    rm -f "$tgz"; say "$package-1.0.0.tgz does not match its pinned sha512"; exit 1
  fi
  tar -xzOf "$tgz" "package/$folder/$package.traineddata.gz" | gunzip > "$TESSDATA/$name.traineddata.part"
  rm -f "$tgz" "$TESSDATA/$name.traineddata"
  mv "$TESSDATA/$name.traineddata.part" "$TESSDATA/$name.traineddata"
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
