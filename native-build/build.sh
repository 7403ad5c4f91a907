#!/usr/bin/env bash
# Compiles every cuda-kernels/*.cu into PTX (compute_80, compute_90) and cubins (sm_80, sm_86,
# sm_89, sm_90) under OUTDIR/ignis/kernels/cuda/, with index.txt listing them for the Java loader
# (a jar cannot be listed). Any compiler error or warning, register spills included, fails it.
# Usage: native-build/build.sh [OUTDIR]   (default: target/native)
# Without nvcc it says so and exits 0, unless CI=true or IGNIS_REQUIRE_NVCC=1 (then 1).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUTDIR="${1:-$ROOT/target/native}"
SOURCES_DIR="$ROOT/cuda-kernels"
PTX_ARCHS=(80 90)
CUBIN_ARCHS=(80 86 89 90)

find_nvcc() {
    local candidate
    for candidate in "$(command -v nvcc 2>/dev/null || true)" "${CUDA_HOME:+$CUDA_HOME/bin/nvcc}" /usr/local/cuda/bin/nvcc; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! NVCC="$(find_nvcc)"; then
    if [ "${CI:-}" = "true" ] || [ "${IGNIS_REQUIRE_NVCC:-}" = "1" ]; then
        echo "native-build: error: nvcc not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin), and CI=true or IGNIS_REQUIRE_NVCC=1 requires the CUDA kernels"
        exit 1
    fi
    echo "native-build: nvcc not found (PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin): CUDA kernels are not built; the jar will have no CUDA backend kernels"
    exit 0
fi

shopt -s nullglob
sources=("$SOURCES_DIR"/*.cu)
mkdir -p "$OUTDIR"
DEST="$OUTDIR/ignis/kernels/cuda"
STAGING="$(mktemp -d "$OUTDIR/.cuda-build.XXXXXX")"
trap 'rm -rf "$STAGING"' EXIT

# Two rounds of nvcc runs, each run side by side on every core: the C++ front end once per PTX
# arch, then ptxas turns each PTX into the cubins it serves (the highest PTX arch <= the cubin's),
# so a cubin runs exactly the PTX the driver would otherwise JIT-compile on that device.
compile_all() { xargs -r -d '\n' -n 3 -P "$(nproc)" bash "$HERE/compile-one.sh" "$NVCC" "$SOURCES_DIR" "$STAGING" || true; }
ptx_arch_for() {
    local cubin_arch="$1" best="" arch
    for arch in "${PTX_ARCHS[@]}"; do
        [ "$arch" -le "$cubin_arch" ] && best="$arch"
    done
    echo "$best"
}
echo "native-build: $("$NVCC" --version | tail -n 2 | head -n 1); ${#sources[@]} kernel sources" \
    "-> PTX ${PTX_ARCHS[*]/#/compute_}, cubins ${CUBIN_ARCHS[*]/#/sm_}"
for src in "${sources[@]}"; do
    for arch in "${PTX_ARCHS[@]}"; do
        printf '%s\n%s\n%s\n' "$(basename "$src" .cu)" "$src" "compute_$arch"
    done
done | compile_all
if ! compgen -G "$STAGING/logs/*.failed" >/dev/null; then
    for src in "${sources[@]}"; do
        name="$(basename "$src" .cu)"
        for arch in "${CUBIN_ARCHS[@]}"; do
            printf '%s\n%s\n%s\n' "$name" "$STAGING/$name.compute_$(ptx_arch_for "$arch").ptx" "sm_$arch"
        done
    done | compile_all
fi

failed=("$STAGING"/logs/*.failed)
if [ ${#failed[@]} -gt 0 ]; then
    for marker in "${failed[@]}"; do
        job="$(basename "$marker" .failed)"
        echo "native-build: FAILED cuda-kernels/${job%.*}.cu for ${job##*.}:"
        sed 's/^/    /' "$STAGING/logs/$job.log"
    done
    echo "native-build: ${#failed[@]} compilation(s) failed; nothing was written to $DEST"
    exit 1
fi

# The register/spill report of every kernel on every cubin arch, for CI logs.
if [ ${#sources[@]} -gt 0 ]; then
    echo "native-build: ptxas report"
    printf '  %-40s %-6s %5s %12s %11s %10s\n' kernel arch regs spill-stores spill-loads smem
    awk -f "$HERE/ptxas-report.awk" "$STAGING"/logs/*.sm_*.log | LC_ALL=C sort -k1,1 -k2,2
fi

rm -rf "$DEST"
mkdir -p "$DEST"
produced=()
for file in "$STAGING"/*.ptx "$STAGING"/*.cubin; do
    mv "$file" "$DEST/"
    produced+=("$(basename "$file")")
done
if [ ${#produced[@]} -gt 0 ]; then
    printf '%s\n' "${produced[@]}" | LC_ALL=C sort >"$DEST/index.txt"
else
    : >"$DEST/index.txt"
fi
echo "native-build: ${#produced[@]} files in $DEST (listed in index.txt)"
