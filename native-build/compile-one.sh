#!/usr/bin/env bash
# One nvcc run of native-build/build.sh: compile-one.sh NVCC SOURCES_DIR STAGING NAME INPUT TARGET.
#   TARGET compute_XY: INPUT is cuda-kernels/NAME.cu, compiled to STAGING/NAME.compute_XY.ptx;
#   TARGET sm_XY:      INPUT is a PTX of NAME, assembled by ptxas to STAGING/NAME.sm_XY.cubin.
# The compiler's output goes to STAGING/logs/NAME.TARGET.log; a failure leaves a .failed file there.
set -uo pipefail
nvcc="$1" sources_dir="$2" staging="$3" name="$4" input="$5" target="$6"
job="$name.$target"
mkdir -p "$staging/logs"
log="$staging/logs/$job.log"

case "$target" in
    # -include: the dialect's CUDA mapping, so the sources need no include of their own.
    compute_*) mode=(-include "$sources_dir/prelude_cuda.h" -I "$sources_dir" -std=c++17 -O3 -ptx -o "$staging/$job.ptx") ;;
    sm_*) mode=(-cubin -o "$staging/$job.cubin") ;;
    *) echo "unknown target $target" >"$log"; touch "$staging/logs/$job.failed"; exit 1 ;;
esac

# -Werror all-warnings also turns ptxas' -warn-spills warnings into errors.
"$nvcc" "-arch=$target" -Werror all-warnings -Xptxas -v,-warn-spills "${mode[@]}" "$input" >"$log" 2>&1
status=$?
# Belt and braces: a warning that -Werror does not cover still fails the build.
if [ $status -ne 0 ] || grep -qi 'warning' "$log"; then
    touch "$staging/logs/$job.failed"
    exit 1
fi
