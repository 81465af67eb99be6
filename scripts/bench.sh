#!/usr/bin/env bash
# The benchmark set recorded in docs/BENCHMARKS.md: kernel mat-vecs on real layer shapes (Google
# Benchmark), whole dummy models of real shapes in every weight type at 1 and 2 threads
# (`lowbit bench --dummy`), and the Vulkan backend. Timing is never part of the tests; run this on
# an otherwise idle machine and compare ratios measured in one run.
#
# Usage: scripts/bench.sh OUTDIR [kernels] [models] [onebit] [vulkan]   (default: all parts)
# Uses the ci preset (Release with the benchmark programs; built first if missing), or the preset
# named by $LOWBIT_PRESET. Each result is saved as JSON in OUTDIR.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
out=$1
shift
parts=${*:-kernels models onebit vulkan}
mkdir -p "$out"
preset=${LOWBIT_PRESET:-ci}
build=$repo/build/$preset
if [ ! -x "$build/app/cli/lowbit" ] || [ ! -x "$build/tests/bench/bench_kernels" ] ||
   [ ! -x "$build/tests/bench/bench_vulkan" ]; then
  "$repo/scripts/build.sh" "$preset" lowbit bench_kernels bench_vulkan
fi
lowbit=$build/app/cli/lowbit

"$lowbit" devices --json > "$out/devices.json" || true

for part in $parts; do
  case $part in
    kernels)
      # One decode mat-vec streaming from memory, at 1 and 2 threads; hot-cache tiles SIMD vs scalar.
      "$build/tests/bench/bench_kernels" \
        --benchmark_filter='BM_MatVec/(f16|q8_0|q4_0|q4_K|q6_K|tq1_0|tq2_0|i2_s|onebit|onebit_i8|binary)/' \
        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
        --benchmark_out="$out/matvec.json" --benchmark_out_format=json
      "$build/tests/bench/bench_kernels" --benchmark_filter='BM_Prefill/(f16|q8_0|q4_0|tq1_0|tq2_0|i2_s|onebit|onebit_i8)/' \
        --benchmark_out="$out/prefill.json" --benchmark_out_format=json
      "$build/tests/bench/bench_kernels" --benchmark_filter='BM_Tile/(f16|q8_0|q4_0|tq2_0|tq1_0|i2_s|onebit|onebit_i8|binary)_' \
        --benchmark_out="$out/tile.json" --benchmark_out_format=json
      ;;
    models)
      # llama.cpp's reference figures (../shared/reference/llamacpp-bench-700m.md) are for the 700m
      # shape with F16 embeddings and output, -p 64 -n 16, 2 threads: the same settings here.
      for t in 2 1; do
        for type in f16 q8_0 q4_0 tq2_0 tq1_0 i2_s; do
          "$lowbit" bench --dummy 700m --type "$type" -t "$t" -p 64 -n 16 --bandwidth --json \
            > "$out/700m-$type-t$t.json"
        done
      done
      for type in f16 tq2_0 i2_s; do
        "$lowbit" bench --dummy 2b4t --type "$type" -t 2 -p 64 -n 16 --bandwidth --json > "$out/2b4t-$type-t2.json"
      done
      ;;
    onebit)
      # OneBit and BitNet-binary models are made by the converter (SVID needs the FP weights), from
      # the 700m dummy model saved as an F16 GGUF.
      tmp=$(mktemp -d "${TMPDIR:-/tmp}/lowbit-bench.XXXXXX")
      "$lowbit" bench --dummy 700m --type f16 -t 2 -p 64 -n 16 --save "$tmp/700m-f16.gguf" --json > /dev/null
      for type in onebit binary; do
        "$lowbit" convert -m "$tmp/700m-f16.gguf" -o "$tmp/700m-$type.gguf" --type "$type" --onebit-method power \
          --quiet --json > "$out/700m-$type-convert.json"
        for t in 2 1; do
          "$lowbit" bench -m "$tmp/700m-$type.gguf" -t "$t" -p 64 -n 16 --bandwidth --json > "$out/700m-$type-t$t.json"
          # The same model with int8 activations into its 1-bit layers (W1A8, --onebit-int8).
          "$lowbit" bench -m "$tmp/700m-$type.gguf" -t "$t" -p 64 -n 16 --onebit-int8 --bandwidth --json \
            > "$out/700m-$type-int8-t$t.json"
        done
        rm -f "$tmp/700m-$type.gguf"
      done
      rm -rf "$tmp"
      ;;
    vulkan)
      # Kernels: decode mat-vecs streaming from device memory (bytes/s against the device's copy
      # bandwidth, and against LOWBIT_BENCH_PEAK_GBPS, the spec-sheet figure, when set) and 64-token
      # prefill. A software device (lavapipe) runs the shaders on the CPU: the two BitNet shapes only.
      software=0
      "$lowbit" devices --json | grep -q '"type": "CPU (software)"' && \
        ! "$lowbit" devices --json | grep -q '"type": "\(discrete\|integrated\|virtual\) GPU"' && software=1
      filter='BM_VkMatVec|BM_VkPrefill'
      [ $software = 1 ] && filter='BM_VkMatVec/.*/(2560/6912|6912/2560)|BM_VkPrefill'
      "$build/tests/bench/bench_vulkan" --benchmark_filter="$filter" \
        --benchmark_out="$out/vulkan-kernels.json" --benchmark_out_format=json \
        || echo "vulkan kernels: failed (see above)" >&2
      # Whole models: decode tokens/s of ternary against F16 on the same shape, Vulkan against CPU.
      shapes=125m
      [ $software = 0 ] && shapes="125m 2b4t"
      for shape in $shapes; do
        for type in f16 tq2_0 tq1_0 i2_s; do
          [ "$shape" = 125m ] && [ "$type" != f16 ] && [ "$type" != tq2_0 ] && continue
          "$lowbit" bench --dummy "$shape" --type "$type" --device vulkan -p 64 -n 16 -r 1 --json \
            > "$out/$shape-$type-vulkan.json" || echo "vulkan $shape $type: failed (see above)" >&2
          "$lowbit" bench --dummy "$shape" --type "$type" -t 2 -p 64 -n 16 -r 1 --json > "$out/$shape-$type-cpu.json"
        done
      done
      ;;
    *) echo "bench.sh: unknown part '$part'" >&2; exit 2 ;;
  esac
done
echo "results in $out"
