#!/usr/bin/env bash
# Screenshots of the real app: starts lowbit-studio under Xvfb with a throw-away data folder,
# imports a model, runs a short chat and saves chat.png, library.png and settings.png (plus the
# dark-theme chat-dark.png) into OUTDIR, and the Downloads page and a conversion run (downloads.png,
# convert.png, convert-targets.png, convert-calibration.png), and the comparison page (compare-setup.png,
# compare.png, compare-overlay.png, compare-runs.png: the saved runs and prompts).
#
# Usage: scripts/screenshot.sh OUTDIR [--model MODEL.gguf] [--also MORE.gguf]... [--prompt TEXT] [--size WxH]
# --also adds more models to the library page (default: the other synthetic models, if the
# default model is used).
# The app binary is $LOWBIT_STUDIO_BIN, else the newest build/*/app/lowbit-studio, else the
# release preset is built first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage 0 ;; esac
outdir=$1
shift
synthetic="$repo/../shared/models/synthetic"
model="$synthetic/random-llama-spm-TQ2_0-f16emb.gguf"
also=()
also_given=0
prompt="What makes a ternary model like BitNet b1.58 cheaper to run than an FP16 one?"
size=1360x860
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --also) also+=("$2"); also_given=1; shift 2 ;;
    --prompt) prompt=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "screenshot.sh: unknown option $1" >&2; usage ;;
  esac
done
[ -f "$model" ] || { echo "screenshot.sh: model not found: $model" >&2; exit 1; }
model=$(cd "$(dirname "$model")" && pwd)/$(basename "$model")
if [ $also_given -eq 0 ] && [ "$model" = "$(cd "$synthetic" 2>/dev/null && pwd)/random-llama-spm-TQ2_0-f16emb.gguf" ]; then
  also=("$synthetic/random-llama-spm-f16.gguf" "$synthetic/random-llama-spm-TQ1_0.gguf" "$synthetic/random-qwen2-f16.gguf")
fi
imports=""
for m in "${also[@]}"; do
  [ -f "$m" ] || { echo "screenshot.sh: model not found: $m" >&2; exit 1; }
  imports+="import-only $(cd "$(dirname "$m")" && pwd)/$(basename "$m")"$'\n'
done

bin=${LOWBIT_STUDIO_BIN:-}
if [ -z "$bin" ]; then
  bin=$(ls -t "$repo"/build/*/app/lowbit-studio 2>/dev/null | head -n 1 || true)
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  "$repo/scripts/build.sh" release lowbit-studio
  bin="$repo/build/release/app/lowbit-studio"
fi
command -v xvfb-run >/dev/null || { echo "screenshot.sh: xvfb-run is missing (apt install xvfb xauth)" >&2; exit 1; }

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
data=$(mktemp -d "${TMPDIR:-/tmp}/lowbit-shots.XXXXXX")
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$data/runtime}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
trap 'rm -rf "$data"' EXIT

cat > "$data/demo.txt" <<SCRIPT
${imports}import $model
wait-model 180
set maxTokens 90
set temperature 0.8
send $prompt
wait-reply 300
send Give me one example in code, please.
wait-reply 300
# let the "added to the library" notes fade first
sleep 4500
screenshot chat.png
settings-panel on
screenshot chat-settings.png
settings-panel off
page library
screenshot library.png
page settings
screenshot settings.png
page downloads
screenshot downloads.png
convert $synthetic/random-llama-spm-f16.gguf tq2_0,onebit
page convert
wait-convert 300
screenshot convert.png
wizard-step 1
screenshot convert-targets.png
wizard-step 2
screenshot convert-calibration.png
import-only $synthetic/random-llama-spm-f16.gguf
import-only $synthetic/random-llama-spm-TQ2_0-f16emb.gguf
import-only $synthetic/random-llama-spm-TQ1_0.gguf
compare $synthetic/random-llama-spm-f16.gguf,$synthetic/random-llama-spm-TQ2_0-f16emb.gguf,$synthetic/random-llama-spm-TQ1_0.gguf
page compare
wait-compare 300
compare-prompt Once upon a time
wait-compare 300
sleep 4500
screenshot compare-setup.png
compare-scroll 420
screenshot compare.png
compare $synthetic/random-llama-spm-f16.gguf,$synthetic/random-llama-spm-TQ2_0-f16emb.gguf 32
wait-compare 300
compare-with previous
compare-scroll 420
sleep 1500
screenshot compare-overlay.png
compare-scroll end
sleep 500
screenshot compare-runs.png
page chat
theme dark
screenshot chat-dark.png
page library
screenshot library-dark.png
quit 0
SCRIPT

w=${size%x*}
h=${size#*x}
unset QT_QPA_PLATFORM
xvfb-run -a -s "-screen 0 $((w + 40))x$((h + 40))x24" \
  "$bin" --data-dir "$data/app" --no-auto-load --theme light --size "$size" \
         --demo-script "$data/demo.txt" --screenshot-dir "$outdir"

for f in chat.png library.png settings.png; do
  [ -s "$outdir/$f" ] || { echo "screenshot.sh: $f was not written" >&2; exit 1; }
done
echo "screenshots in $outdir: $(cd "$outdir" && ls *.png | tr '\n' ' ')"
