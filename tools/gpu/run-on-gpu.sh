#!/usr/bin/env bash
# run-on-gpu.sh — the GPU verification run (see environment.md, "CUDA machine"). Run from the repository root on a
# machine with CUDA PyTorch, CMake and ninja (no .NET, no network needed), with the kit made by tools/gpu/make-kit:
#   unpack      the .NET runtime, the apps and TorchSharp's native sources into the work folder
#   probe       GPU, driver, PyTorch/libtorch, CUDA, compilers (recorded in the JSON)
#   shim        libLibTorchSharp.so built from TorchSharp's sources against this PyTorch's libtorch (CMake + ninja)
#   doctor      headrecon doctor --device cuda
#   parity      the parity checks on CUDA (HeadRecon.Parity --device cuda)
#   parity-cpu  the same on the CPU with this libtorch (informational: separates libtorch from CUDA differences)
#   bench       headrecon bench --device cuda: st1-1024, st2-1024, render-128-st1, mc-256, one process each, GPU memory
#   train       a short quickstart (stage 1 then stage 2, occupancy grid 64³) on CUDA, meshes and metrics
# Each step is timed and logged; the run stops at the first failed step and says which. Everything lands in --out:
# gpu-run.json (steps, machine, results), gpu-run.log, shim-build.log, parity-cuda.json, parity-cpu.json,
# bench.jsonl, train.log, quickstart-metrics.json.
set -uo pipefail

ALL_STEPS=(unpack probe shim doctor parity parity-cpu bench train)
BENCH_CASES=(st1-1024 st2-1024 render-128-st1 mc-256)
# Seconds each step may take (its timeout) and what it usually needs at least (to decide whether to start it).
declare -A STEP_TIMEOUT=([unpack]=120 [probe]=90 [shim]=360 [doctor]=120 [parity]=240 [parity-cpu]=240 [bench]=360 [train]=360)
declare -A STEP_MIN=([unpack]=10 [probe]=5 [shim]=60 [doctor]=10 [parity]=20 [parity-cpu]=20 [bench]=60 [train]=60)
INFORMATIONAL_STEPS=" parity-cpu "
# TorchSharp sources the app does not call: dropped from the shim only if they alone fail to compile.
OPTIONAL_SOURCES=(THSExport.cpp THSJIT.cpp THSVision.cpp THSData.cpp cifar10.cpp)

usage() {
  cat <<'USAGE'
usage: tools/gpu/run-on-gpu.sh [options]      (from the repository root)

  --kit DIR        the kit made by tools/gpu/make-kit (default .gpu-kit)
  --out DIR        results (default $OUT if set, else out/gpu)
  --work DIR       where the kit is unpacked and the shim built (default .gpu-work, git-ignored and outside the kit
                   folder so it never travels; reused by later runs on the same machine)
  --steps LIST     comma-separated steps to run, in the fixed order (default: all)
                   unpack,probe,shim,doctor,parity,parity-cpu,bench,train
  --skip LIST      steps to leave out
  --budget S       stop before a step that would not fit in S seconds of the run (default 540)
  --iterations N   quickstart stage-1 iterations in the train step (default 300; stage 2 gets 2/3 of it)
  --jobs N         parallel compile jobs for the shim (default: all cores)
  --python PY      the Python whose PyTorch is used (default python3)
  --dry-run        check the kit and the arguments, print the plan, build and run nothing
  -h, --help       this text
USAGE
}

bad_usage() { echo "run-on-gpu: $*" >&2; usage >&2; exit 2; }

kit=".gpu-kit" out="${OUT:-out/gpu}" work="" steps_arg="" skip_arg="" budget=540 iterations=300 jobs="" python="python3" dry=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --kit) [[ $# -ge 2 ]] || bad_usage "$1 needs a value"; kit="$2"; shift 2 ;;
    --out) [[ $# -ge 2 ]] || bad_usage "$1 needs a value"; out="$2"; shift 2 ;;
    --work) [[ $# -ge 2 ]] || bad_usage "$1 needs a value"; work="$2"; shift 2 ;;
    --steps) [[ $# -ge 2 ]] || bad_usage "$1 needs a value"; steps_arg="$2"; shift 2 ;;
    --skip) [[ $# -ge 2 ]] || bad_usage "$1 needs a value"; skip_arg="$2"; shift 2 ;;
    --budget) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ ]] || bad_usage "$1 needs a number of seconds"; budget="$2"; shift 2 ;;
    --iterations) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 3 ]] || bad_usage "$1 needs a whole number ≥ 3"; iterations="$2"; shift 2 ;;
    --jobs) [[ $# -ge 2 && "$2" =~ ^[0-9]+$ && "$2" -ge 1 ]] || bad_usage "$1 needs a whole number ≥ 1"; jobs="$2"; shift 2 ;;
    --python) [[ $# -ge 2 ]] || bad_usage "$1 needs a value"; python="$2"; shift 2 ;;
    --dry-run) dry=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) bad_usage "unknown argument '$1'" ;;
  esac
done

is_step() { local s; for s in "${ALL_STEPS[@]}"; do [[ "$s" == "$1" ]] && return 0; done; return 1; }
declare -A wanted=()
if [[ -n "$steps_arg" ]]; then
  IFS=, read -ra list <<<"$steps_arg"
  for s in "${list[@]}"; do is_step "$s" || bad_usage "--steps: unknown step '$s' (steps: ${ALL_STEPS[*]})"; wanted[$s]=1; done
else
  for s in "${ALL_STEPS[@]}"; do wanted[$s]=1; done
fi
if [[ -n "$skip_arg" ]]; then
  IFS=, read -ra list <<<"$skip_arg"
  for s in "${list[@]}"; do is_step "$s" || bad_usage "--skip: unknown step '$s' (steps: ${ALL_STEPS[*]})"; unset "wanted[$s]"; done
fi
plan=()
for s in "${ALL_STEPS[@]}"; do [[ -n "${wanted[$s]:-}" ]] && plan+=("$s"); done
[[ ${#plan[@]} -gt 0 ]] || bad_usage "no step left to run"
[[ -f tools/gpu/run-on-gpu.sh && -d tests/HeadRecon.Tests/TestData/reference ]] || bad_usage "run from the repository root (tools/gpu/run-on-gpu.sh, tests/…/TestData/reference must be here)"
work="${work:-.gpu-work}"
jobs="${jobs:-$(nproc 2>/dev/null || echo 4)}"

# ---- the kit ---------------------------------------------------------------------------------------------------
manifest="$kit/manifest.txt"
kit_problems=()
check_kit() {
  if [[ ! -f "$manifest" ]]; then kit_problems+=("$manifest is missing (make the kit with tools/gpu/make-kit, and carry its folder)"); return; fi
  grep -qx 'kit_format=1' "$manifest" || kit_problems+=("$manifest: not a kit of format 1")
  local line name size sum n=0
  while read -r line; do
    read -r name size sum <<<"${line#archive=}"
    n=$((n + 1))
    if [[ ! -f "$kit/$name" ]]; then kit_problems+=("$kit/$name is missing"); continue; fi
    [[ "$(stat -c %s "$kit/$name")" == "$size" ]] || { kit_problems+=("$kit/$name: $(stat -c %s "$kit/$name") bytes, the manifest says $size"); continue; }
    if command -v sha256sum >/dev/null; then
      [[ "$(sha256sum "$kit/$name" | cut -d' ' -f1)" == "$sum" ]] || kit_problems+=("$kit/$name: sha256 differs from the manifest")
    fi
  done < <(grep '^archive=' "$manifest")
  [[ $n -eq 3 ]] || kit_problems+=("$manifest lists $n archives, 3 expected")
  # The whole folder travels when carried: anything else in it counts against the limit make-kit checked.
  local extra
  extra="$(find "$kit" -mindepth 1 -maxdepth 1 ! -name manifest.txt ! -name runtime.tar.xz ! -name app.tar.xz ! -name torchsharp-native.tar.xz -printf '%f ' 2>/dev/null)"
  [[ -z "$extra" ]] || kit_problems+=("$kit holds other files ($extra): carried with the kit they would travel too; remove them or make the kit again")
}
# Lists an archive's members (tar with xz, else Python's tarfile); empty output when neither can read it.
list_archive() {
  if command -v xz >/dev/null; then tar -tJf "$1"
  else "$python" -c 'import sys, tarfile; print("\n".join(tarfile.open(sys.argv[1], "r:xz").getnames()))' "$1"
  fi
}
extract_archive() { # archive, destination
  if command -v xz >/dev/null; then tar -xJf "$1" -C "$2"
  else "$python" -c 'import sys, tarfile; tarfile.open(sys.argv[1], "r:xz").extractall(sys.argv[2])' "$1" "$2"
  fi
}
check_contents() {
  local need
  declare -A required=(
    [runtime.tar.xz]="dotnet/dotnet dotnet/host/fxr/ dotnet/shared/Microsoft.NETCore.App/"
    [app.tar.xz]="app/HeadRecon.Cli.dll app/HeadRecon.Cli.runtimeconfig.json app/HeadRecon.Parity.dll app/TorchSharp.dll"
    [torchsharp-native.tar.xz]="torchsharp/src/Native/CMakeLists.txt torchsharp/src/Native/LibTorchSharp/CMakeLists.txt torchsharp/src/Native/LibTorchSharp/THSTensor.cpp"
  )
  local a names
  for a in runtime.tar.xz app.tar.xz torchsharp-native.tar.xz; do
    [[ -f "$kit/$a" ]] || continue
    names="$(list_archive "$kit/$a" 2>/dev/null)" || { kit_problems+=("$kit/$a cannot be read"); continue; }
    for need in ${required[$a]}; do
      grep -q "^\(\./\)\?$need" <<<"$names" || kit_problems+=("$kit/$a lacks $need")
    done
    if [[ "$a" == app.tar.xz ]] && grep -qE '(^|/)lib[^/]*\.so' <<<"$names"; then
      kit_problems+=("$kit/app.tar.xz carries native libraries ($(grep -E '(^|/)lib[^/]*\.so' <<<"$names" | head -n3 | tr '\n' ' ')): the CPU libtorch must not travel")
    fi
  done
}
kv() { grep -m1 "^$1=" "$manifest" 2>/dev/null | cut -d= -f2-; }

check_kit
[[ ${#kit_problems[@]} -eq 0 ]] && check_contents

if [[ $dry -eq 1 ]]; then
  echo "run-on-gpu --dry-run: nothing is built or run"
  echo "kit:   $kit ($(kv torchsharp_version) TorchSharp at $(kv torchsharp_commit), .NET $(kv dotnet_runtime), made $(kv made_at) from $(kv repo_commit))"
  echo "work:  $work    out: $out    budget: $budget s    compile jobs: $jobs    python: $python"
  echo "plan:"
  for s in "${plan[@]}"; do
    case "$s" in
      unpack) what="extract runtime, apps and TorchSharp sources into $work (reused when the kit is the same)" ;;
      probe) what="nvidia-smi; $python: torch version, CUDA, cmake prefix, C++ ABI; cmake, ninja, nvcc, c++ versions" ;;
      shim) what="patch TorchSharp's CMakeLists (no -Werror, this torch's C++ ABI, no install step); cmake -G Ninja against torch.utils.cmake_prefix_path; ninja -k 0 -j $jobs LibTorchSharp; optional sources (${OPTIONAL_SOURCES[*]}) dropped only if they alone fail" ;;
      doctor) what="headrecon doctor --device cuda" ;;
      parity) what="HeadRecon.Parity --device cuda --json $out/parity-cuda.json" ;;
      parity-cpu) what="HeadRecon.Parity --device cpu --json $out/parity-cpu.json (informational)" ;;
      bench) what="headrecon bench --device cuda --json --cases C, one process per case: ${BENCH_CASES[*]}; nvidia-smi memory sampled" ;;
      train) what="headrecon quickstart --device cuda, stage 1 $iterations + stage 2 $(( iterations * 2 / 3 )) iterations, occupancy_grid.resolution = 64" ;;
    esac
    printf '  %-11s timeout %3d s  %s\n' "$s" "${STEP_TIMEOUT[$s]}" "$what"
  done
  if [[ ${#kit_problems[@]} -gt 0 ]]; then
    printf 'kit problem: %s\n' "${kit_problems[@]}" >&2
    echo "run-on-gpu --dry-run: the kit is not usable" >&2
    exit 1
  fi
  echo "run-on-gpu --dry-run: the kit is complete (3 archives, sha256 and contents checked)"
  exit 0
fi

# ---- the run ---------------------------------------------------------------------------------------------------
mkdir -p "$out" "$work" || { echo "run-on-gpu: cannot create $out or $work" >&2; exit 1; }
out="$(cd "$out" && pwd)"; work="$(cd "$work" && pwd)"; kit="$(cd "$kit" && pwd)"; manifest="$kit/manifest.txt"
log="$out/gpu-run.log"
: > "$log"
exec > >(tee -a "$log") 2>&1
tee_pid=$!
run_start=$(date +%s)
json_escape() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\r'/}"; s="${s//$'\t'/\\t}"; printf '%s' "$s"; }
step_json=()
declare -A machine=()
failed_step="" stop_reason=""
app="$work/app"
dotnet_root="$work/dotnet"

write_json() {
  local f="$out/gpu-run.json" k first=1 result
  if [[ -n "$failed_step" ]]; then result="failed at $failed_step"; elif [[ -n "$stop_reason" ]]; then result="stopped: $stop_reason"; else result="passed"; fi
  {
    echo "{"
    echo "  \"result\": \"$(json_escape "$result")\","
    echo "  \"seconds\": $(( $(date +%s) - run_start )),"
    echo "  \"kit\": {"
    first=1
    while IFS='=' read -r k v; do
      [[ -z "$k" || "$k" == archive ]] && continue
      [[ $first -eq 1 ]] || echo ","; first=0
      printf '    "%s": "%s"' "$k" "$(json_escape "$v")"
    done < "$manifest"
    echo; echo "  },"
    echo "  \"machine\": {"
    first=1
    for k in "${!machine[@]}"; do
      [[ $first -eq 1 ]] || echo ","; first=0
      printf '    "%s": "%s"' "$k" "$(json_escape "${machine[$k]}")"
    done
    echo; echo "  },"
    echo "  \"steps\": ["
    local i
    for i in "${!step_json[@]}"; do
      [[ $i -eq 0 ]] || echo ","
      printf '    %s' "${step_json[$i]}"
    done
    echo; echo "  ],"
    echo "  \"bench\": ["
    if [[ -s "$out/bench.jsonl" ]]; then
      first=1
      while IFS= read -r line; do
        [[ "$line" == \{* ]] || continue
        [[ $first -eq 1 ]] || echo ","; first=0
        printf '    %s' "$line"
      done < "$out/bench.jsonl"
      echo
    fi
    echo "  ],"
    echo "  \"files\": [\"gpu-run.log\", \"shim-build.log\", \"parity-cuda.json\", \"parity-cpu.json\", \"bench.jsonl\", \"train.log\", \"quickstart-metrics.json\"]"
    echo "}"
  } > "$f"
}

record() { # name status seconds detail
  step_json+=("{\"name\": \"$1\", \"status\": \"$2\", \"seconds\": $3, \"detail\": \"$(json_escape "$4")\"}")
  write_json
}

# Runs one step function with a timeout; returns its status.
run_step() {
  local s="$1" t0 rc detail
  local elapsed=$(( $(date +%s) - run_start ))
  if (( elapsed + STEP_MIN[$s] > budget )); then
    stop_reason="out of time before '$s' ($elapsed s of the $budget s budget used)"
    echo "== stopping: $stop_reason; continue with: tools/gpu/run-on-gpu.sh --steps $(remaining_from "$s")"
    record "$s" "not-started" 0 "$stop_reason"
    return 3
  fi
  echo "== [$s] started at +$elapsed s"
  t0=$(date +%s.%N)
  step_detail=""
  "step_${s//-/_}"
  rc=$?
  local secs; secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  detail="$step_detail"
  if [[ $rc -eq 0 ]]; then
    echo "== [$s] ok in $secs s${detail:+: $detail}"
    record "$s" ok "$secs" "$detail"
  elif [[ "$INFORMATIONAL_STEPS" == *" $s "* ]]; then
    echo "== [$s] differs (informational, the run goes on) in $secs s${detail:+: $detail}"
    record "$s" "info-failed" "$secs" "$detail"
    rc=0
  else
    [[ $rc -eq 124 ]] && detail="timed out after ${STEP_TIMEOUT[$s]} s${detail:+; $detail}"
    echo "== [$s] FAILED in $secs s${detail:+: $detail}"
    record "$s" failed "$secs" "$detail"
    failed_step="$s"
  fi
  return $rc
}
remaining_from() { local s seen=0 r=(); for s in "${plan[@]}"; do [[ "$s" == "$1" ]] && seen=1; [[ $seen -eq 1 ]] && r+=("$s"); done; (IFS=,; echo "${r[*]}"); }
with_timeout() { timeout --kill-after=10 "${STEP_TIMEOUT[$current]}" "$@"; }

# The managed side: the kit's runtime, the rebuilt shim next to the apps, this PyTorch's libraries on the loader path.
setup_dotnet_env() {
  export DOTNET_ROOT="$dotnet_root" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
  # No ICU is needed (nothing here is culture-specific) and the GPU machine may not have it.
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
  export OMP_WAIT_POLICY=PASSIVE MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 HEADRECON_NO_RELAUNCH=1
  local torch_lib="${machine[torch_lib]:-}"
  if [[ -z "$torch_lib" ]]; then torch_lib="$("$python" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)"; fi
  export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
}
headrecon() { "$dotnet_root/dotnet" "$app/HeadRecon.Cli.dll" "$@"; }
parity() { "$dotnet_root/dotnet" "$app/HeadRecon.Parity.dll" "$@"; }
need_shim() { [[ -f "$app/libLibTorchSharp.so" ]] || { step_detail="no shim in $app: run the shim step first"; return 1; }; }

step_unpack() {
  if [[ ${#kit_problems[@]} -gt 0 ]]; then step_detail="${kit_problems[*]}"; return 1; fi
  local stamp="$work/.unpacked" want; want="$(sha256sum "$manifest" | cut -d' ' -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$dotnet_root/dotnet" ]]; then step_detail="reused (same kit)"; return 0; fi
  rm -rf "$work/dotnet" "$work/app" "$work/torchsharp" "$work/shim-build" "$stamp"
  local a
  for a in runtime.tar.xz app.tar.xz torchsharp-native.tar.xz; do
    extract_archive "$kit/$a" "$work" || { step_detail="cannot extract $a"; return 1; }
  done
  echo "$want" > "$stamp"
  step_detail="$(du -sm "$work/dotnet" "$work/app" "$work/torchsharp" | awk '{printf "%s %s MiB; ", $2, $1}')"
}

step_probe() {
  local v
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi || true
    machine[gpu]="$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -n1)"
  else
    machine[gpu]="nvidia-smi not found"
  fi
  machine[cores]="$(nproc)"
  machine[os]="$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown}") / $(uname -r)"
  v="$("$python" - <<'PY' 2>&1
import os, torch
print("torch_version=" + torch.__version__)
print("torch_cuda=" + str(torch.version.cuda))
print("torch_cuda_available=" + str(torch.cuda.is_available()))
print("torch_dir=" + os.path.dirname(torch.__file__))
print("torch_lib=" + os.path.join(os.path.dirname(torch.__file__), "lib"))
print("torch_cmake_prefix=" + torch.utils.cmake_prefix_path)
print("torch_cxx11_abi=" + str(int(torch._C._GLIBCXX_USE_CXX11_ABI)))
if torch.cuda.is_available():
    print("torch_device=" + torch.cuda.get_device_name(0))
PY
)" || { step_detail="$python cannot import torch: ${v##*$'\n'}"; return 1; }
  echo "$v"
  while IFS='=' read -r k val; do [[ -n "$k" ]] && machine[$k]="$val"; done <<<"$v"
  machine[cmake]="$(cmake --version 2>/dev/null | head -n1)"
  machine[ninja]="$(ninja --version 2>/dev/null)"
  machine[nvcc]="$(nvcc --version 2>/dev/null | tail -n1)"
  machine[cxx]="$(c++ --version 2>/dev/null | head -n1)"
  local missing=()
  [[ -n "${machine[cmake]}" ]] || missing+=(cmake)
  [[ -n "${machine[ninja]}" ]] || missing+=(ninja)
  [[ -n "${machine[cxx]}" ]] || missing+=("c++")
  [[ ${machine[torch_cuda_available]:-False} == True ]] || missing+=("a GPU that PyTorch sees")
  step_detail="torch ${machine[torch_version]:-?} (CUDA ${machine[torch_cuda]:-?}) on ${machine[torch_device]:-no GPU}; ${machine[cmake]:-no cmake}; ninja ${machine[ninja]:-none}"
  if [[ ${#missing[@]} -gt 0 ]]; then step_detail="missing: ${missing[*]}; $step_detail"; return 1; fi
}

step_shim() {
  if [[ -z "${machine[torch_cmake_prefix]:-}" ]]; then step_probe > /dev/null || return 1; fi
  local srcroot="$work/torchsharp/src/Native" build="$work/shim-build" blog="$out/shim-build.log"
  local stamp="$build/.built-from" want
  want="$(sha256sum "$manifest" | cut -d' ' -f1) ${machine[torch_version]}"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$build/LibTorchSharp/libLibTorchSharp.so" ]]; then
    cp -f "$build/LibTorchSharp/libLibTorchSharp.so" "$app/"
    step_detail="reused (built before from the same kit and torch ${machine[torch_version]})"; return 0
  fi
  # Patches to TorchSharp's build for a PyTorch wheel: warnings stay warnings (a newer libtorch deprecates APIs the
  # sources use), the C++ ABI is the wheel's, and there is no install step (the library is taken from the build tree).
  sed -i -e 's/^\s*add_definitions(-Werror).*$/# -Werror removed by run-on-gpu.sh/' \
         -e "s/-D_GLIBCXX_USE_CXX11_ABI=[01]/-D_GLIBCXX_USE_CXX11_ABI=${machine[torch_cxx11_abi]}/" "$srcroot/CMakeLists.txt"
  sed -i -e 's/^\s*install_library_and_symbols\s*(LibTorchSharp).*$/# install step removed by run-on-gpu.sh/' "$srcroot/LibTorchSharp/CMakeLists.txt"
  # A build of the same kit and torch that was interrupted (e.g. by the step's timeout) goes on where it stopped.
  if [[ "$(cat "$build/.kit" 2>/dev/null)" != "$want" ]]; then rm -rf "$build"; mkdir -p "$build"; echo "$want" > "$build/.kit"; fi
  {
    echo "== cmake (torch ${machine[torch_version]}, prefix ${machine[torch_cmake_prefix]}, ABI ${machine[torch_cxx11_abi]})"
    with_timeout cmake -S "$srcroot" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="${machine[torch_cmake_prefix]}" -DLIBTORCH_PATH="${machine[torch_dir]}/share/cmake/Torch" \
      -DCMAKE_POLICY_VERSION_MINIMUM=3.5
  } > "$blog" 2>&1
  local rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "---- cmake output (last 40 lines; all of it in shim-build.log)"; tail -n 40 "$blog"
    step_detail="cmake failed (exit $rc): $(grep -m1 -E 'CMake Error|Could not|not found' "$blog" | head -c 300)"; return 1
  fi
  echo "== ninja -k 0 -j $jobs" >> "$blog"
  with_timeout ninja -C "$build" -k 0 -j "$jobs" LibTorchSharp >> "$blog" 2>&1
  rc=$?
  if [[ $rc -ne 0 ]]; then
    local failed_files; failed_files="$(grep -E '^FAILED: ' "$blog" | grep -oE '[A-Za-z0-9_]+\.(cpp|c)\.o' | sed 's/\.o$//' | sort -u | tr '\n' ' ')"
    echo "---- compiler errors (first 40; all of it in shim-build.log)"; grep -E 'error:|FAILED:' "$blog" | head -n 40
    local f only_optional=1
    for f in $failed_files; do [[ " ${OPTIONAL_SOURCES[*]} " == *" $f "* ]] || only_optional=0; done
    if [[ -n "$failed_files" && $only_optional -eq 1 ]]; then
      echo "== only optional sources failed ($failed_files): building without them" | tee -a "$blog"
      for f in $failed_files; do sed -i -E "/^\s*$f\s*$/d" "$srcroot/LibTorchSharp/CMakeLists.txt"; done
      with_timeout cmake -S "$srcroot" -B "$build" >> "$blog" 2>&1 && with_timeout ninja -C "$build" -j "$jobs" LibTorchSharp >> "$blog" 2>&1
      rc=$?
      step_detail="built without $failed_files (not used by HeadRecon; their exports are missing)"
    fi
    if [[ $rc -ne 0 ]]; then
      step_detail="compilation failed in: ${failed_files:-linking} — $(grep -m1 'error:' "$blog" | head -c 400)"; return 1
    fi
  fi
  local so="$build/LibTorchSharp/libLibTorchSharp.so"
  [[ -f "$so" ]] || { step_detail="ninja succeeded but $so is missing"; return 1; }
  local unresolved; unresolved="$(LD_LIBRARY_PATH="${machine[torch_lib]}" ldd "$so" 2>&1 | grep 'not found')"
  [[ -z "$unresolved" ]] || { step_detail="the shim's libraries do not resolve: $unresolved"; return 1; }
  cp -f "$so" "$app/"
  echo "$want" > "$stamp"
  step_detail="${step_detail:+$step_detail; }$(stat -c %s "$so") bytes; warnings: $(grep -c 'warning:' "$blog")"
}

step_doctor() {
  need_shim || return 1
  setup_dotnet_env
  with_timeout "$dotnet_root/dotnet" "$app/HeadRecon.Cli.dll" doctor --device cuda
  local rc=$?
  [[ $rc -eq 0 ]] || step_detail="headrecon doctor --device cuda exited $rc (see FAIL lines above)"
  return $rc
}

parity_on() { # device json
  need_shim || return 1
  setup_dotnet_env
  with_timeout "$dotnet_root/dotnet" "$app/HeadRecon.Parity.dll" --device "$1" --reference tests/HeadRecon.Tests/TestData/reference --json "$2"
  local rc=$?
  step_detail="$(grep -oE '"passed": [0-9]+|"failed": [0-9]+' "$2" 2>/dev/null | head -n2 | tr '\n' ' ')"
  [[ $rc -eq 0 ]] || step_detail="HeadRecon.Parity --device $1 exited $rc; $step_detail"
  return $rc
}
step_parity() { parity_on cuda "$out/parity-cuda.json"; }
step_parity_cpu() { parity_on cpu "$out/parity-cpu.json"; }

step_bench() {
  need_shim || return 1
  setup_dotnet_env
  : > "$out/bench.jsonl"
  local c rc smi_pid peak summary=()
  for c in "${BENCH_CASES[@]}"; do
    smi_pid=""
    if command -v nvidia-smi >/dev/null; then
      nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 250 > "$work/smi-$c.txt" 2>/dev/null &
      smi_pid=$!
    fi
    with_timeout "$dotnet_root/dotnet" "$app/HeadRecon.Cli.dll" bench --device cuda --json --cases "$c" --conf-dir confs | tee -a "$out/bench.jsonl"
    rc=${PIPESTATUS[0]}
    if [[ -n "$smi_pid" ]]; then kill "$smi_pid" 2>/dev/null; wait "$smi_pid" 2>/dev/null; fi
    peak="$(sort -n "$work/smi-$c.txt" 2>/dev/null | tail -n1)"
    echo "{\"case\": \"nvidia-smi\", \"of\": \"$c\", \"peak_memory_used_mb\": ${peak:-null}}" >> "$out/bench.jsonl"
    summary+=("$c: $(grep "\"case\":\"$c\"" "$out/bench.jsonl" | grep -oE '"median_s":[0-9.eE+-]+' | head -n1 | cut -d: -f2) s, nvidia-smi peak ${peak:-?} MiB")
    if [[ $rc -ne 0 ]]; then step_detail="bench --cases $c exited $rc; ${summary[*]}"; return $rc; fi
  done
  step_detail="$(IFS=';'; echo "${summary[*]}")"
}

step_train() {
  need_shim || return 1
  setup_dotnet_env
  local qs="$work/quickstart" st2=$(( iterations * 2 / 3 ))
  rm -rf "$qs"
  with_timeout "$dotnet_root/dotnet" "$app/HeadRecon.Cli.dll" quickstart --device cuda --out "$qs" \
    --set1 "train.max_iterations=$iterations" --set1 "model.ray_sampler.occupancy_grid.resolution=64" \
    --set2 "train.max_iterations=$st2" --set2 "model.ray_sampler.occupancy_grid.resolution=64" 2>&1 | tee "$out/train.log"
  local rc=${PIPESTATUS[0]}
  [[ -f "$qs/metrics.json" ]] && cp -f "$qs/metrics.json" "$out/quickstart-metrics.json"
  step_detail="$(grep -E '^quickstart finished' "$out/train.log" | tail -n1)"
  [[ $rc -eq 0 ]] || step_detail="headrecon quickstart exited $rc: $(tail -n1 "$out/train.log")"
  return $rc
}

echo "run-on-gpu: steps ${plan[*]}; kit $kit; work $work; out $out; budget $budget s"
write_json
status=0
for current in "${plan[@]}"; do
  run_step "$current"
  rc=$?
  if [[ $rc -eq 3 ]]; then status=3; break; fi
  if [[ -n "$failed_step" ]]; then status=1; break; fi
done
write_json
if [[ -n "$failed_step" ]]; then
  echo "run-on-gpu: FAILED at step '$failed_step' after $(( $(date +%s) - run_start )) s (details: $out/gpu-run.json, $out/gpu-run.log)"
elif [[ -n "$stop_reason" ]]; then
  echo "run-on-gpu: stopped early, $stop_reason"
else
  echo "run-on-gpu: all steps passed in $(( $(date +%s) - run_start )) s: ${plan[*]}"
fi
# Let tee write the last lines before the process ends.
exec 1>&- 2>&-
wait "$tee_pid" 2>/dev/null
# What comes back from the device machine is limited per file (16 MiB): keep the head and the tail of anything larger.
for f in "$out"/*; do
  if [[ -f "$f" && $(stat -c %s "$f") -gt 15728640 ]]; then
    { head -c 7340032 "$f"; printf '\n[… %s bytes cut by run-on-gpu.sh …]\n' "$(stat -c %s "$f")"; tail -c 7340032 "$f"; } > "$f.cut" && mv -f "$f.cut" "$f"
  fi
done
exit $status
