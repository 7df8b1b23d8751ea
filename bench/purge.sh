#!/usr/bin/env bash
# Measures what modscope's safe purge costs against the brooms it replaces:
# removing every module version of a large cache with
#
#  1. modscope purge --yes '*' (per version: the go command's
#     lock, .partial first, tree, zip, ziphash, .partial last; list rewrite
#     under its lock; module-index entry dropped),
#  2. go clean -modcache (everything, no locks),
#  3. chmod -R u+w && rm -rf (what people do by hand).
#
#   bench/purge.sh [--runs N] [--dir D]
#
# Each run works on a fresh hard-linked copy of the synthetic cache of
# bench/scan.sh ($MODSCOPE_BENCH_DIR, made on first use); the copy is made
# before the clock starts.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
dir=${MODSCOPE_BENCH_DIR:-/tmp/modscope-bench}
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: bench/purge.sh [--runs N] [--dir D]" >&2; exit 2 ;;
  esac
done
if [ ! -d "$dir/mod" ]; then
  echo "bench/purge.sh: writing a synthetic cache to $dir (about a minute)" >&2
  go run ./bench/gencache -dir "$dir"
fi
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/modscope" .
versions=$(find "$dir/mod/cache/download" -name '*.ziphash' | wc -l)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
fresh() { # a hard-linked copy of the cache, writable directories like the original
  chmod -R u+w "$tmp/c" 2>/dev/null || true
  rm -rf "$tmp/c"
  mkdir -p "$tmp/c"
  cp -al "$dir/mod" "$tmp/c/mod"
  mkdir -p "$tmp/c/gocache"
  # The go command's README: without it modscope changes nothing in a
  # GOCACHE (and so would skip dropping module-index entries).
  echo 'This directory holds cached build artifacts from the Go build system.' > "$tmp/c/gocache/README"
}
timeit() { # label, command...
  local label=$1; shift
  for i in $(seq "$runs"); do
    fresh
    sync
    start=$(date +%s.%N)
    "$@" >/dev/null 2>"$tmp/err" || true
    end=$(date +%s.%N)
    echo "$end - $start" | bc
  done | median > "$tmp/$label"
  [ -s "$tmp/err" ] && sed "s/^/  $label: /" "$tmp/err" | tail -2 >&2 || true
}

cd /tmp
timeit t-modscope "$tmp/modscope" purge --yes --modcache "$tmp/c/mod" --gocache "$tmp/c/gocache" '*'
timeit t-goclean env GOMODCACHE="$tmp/c/mod" GOFLAGS= GOTOOLCHAIN=local go clean -modcache
timeit t-rmrf sh -c "chmod -R u+w '$tmp/c/mod' && rm -rf '$tmp/c/mod'"

printf 'removing %d module versions (median of %d runs):\n' "$versions" "$runs"
printf '  modscope purge          %6.2f s   (locks, .partial, list and index kept right)\n' "$(cat "$tmp/t-modscope")"
printf '  go clean -modcache      %6.2f s   (no locks; toolchains and everything else too)\n' "$(cat "$tmp/t-goclean")"
printf '  chmod -R u+w && rm -rf  %6.2f s\n' "$(cat "$tmp/t-rmrf")"
