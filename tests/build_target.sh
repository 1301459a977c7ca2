# Builds one CMake target for a script (benchmarks, the fuzz test) and prints
# the binary's path. The build tree is configured only if it has no cache yet,
# with CONFIGURE_ARGS (default: a Release build); CMake's output is shown only
# when something fails, so a script's own output stays its results.
#   source tests/build_target.sh
#   bin=$(build_target SOURCE_DIR BUILD_DIR TARGET [CONFIGURE_ARGS...])
build_target() {
  local src=$1 build=$2 target=$3 log
  shift 3
  [ $# -gt 0 ] || set -- -DCMAKE_BUILD_TYPE=Release
  log=$(mktemp "${TMPDIR:-/tmp}/ubuild-build-target.XXXXXX")
  if { [ -f "$build/CMakeCache.txt" ] || cmake -S "$src" -B "$build" "$@"; } >"$log" 2>&1 &&
     cmake --build "$build" -j"$(nproc)" --target "$target" >>"$log" 2>&1; then
    rm -f "$log"
    echo "$build/$target"
  else
    cat "$log" >&2
    rm -f "$log"
    echo "build_target: building $target in $build failed" >&2
    return 1
  fi
}
