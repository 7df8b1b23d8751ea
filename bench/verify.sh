#!/usr/bin/env bash
# Measures modscope verify against the tools it is compared with:
#
#  1. the zips of a large cache: modscope verify (every zip inflated and
#     hashed: --rehash; then again with the zip hashes it keeps between runs)
#     against sha256sum over the same files at the same parallelism;
#  2. a project's build list: modscope verify PATTERN... against go mod verify.
#
#   bench/verify.sh [--runs N] [--jobs N]
#
# It uses the synthetic cache of bench/scan.sh ($MODSCOPE_BENCH_DIR, made on
# first use), a zips-only copy of it made with hard links, and a project
# that requires 300 of its module versions.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
jobs=$(nproc)
dir=${MODSCOPE_BENCH_DIR:-/tmp/modscope-bench}
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: bench/verify.sh [--runs N] [--jobs N] [--dir D]" >&2; exit 2 ;;
  esac
done
if [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null || { echo "bench/verify.sh: GNU time is needed: apt-get install time" >&2; exit 2; }
fi
if [ ! -d "$dir/mod" ]; then
  echo "bench/verify.sh: writing a synthetic cache to $dir (about a minute)" >&2
  go run ./bench/gencache -dir "$dir"
fi

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
go build -o "$tmp/modscope" .
# The zip hashes modscope keeps between runs go to a scratch directory.
export XDG_CACHE_HOME=$tmp/usercache

# A module cache holding only the download files: the zips are the work.
mkdir -p "$tmp/zips/mod/cache"
cp -al "$dir/mod/cache/download" "$tmp/zips/mod/cache/"
zipbytes=$(find "$tmp/zips" -name '*.zip' -printf '%s\n' | awk '{s+=$1} END {print s}')
nzips=$(find "$tmp/zips" -name '*.zip' | wc -l)

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timeit() { # label, command...
  local label=$1; shift
  for i in $(seq "$runs"); do
    /usr/bin/time -f "%e" -o "$tmp/t" "$@" >/dev/null 2>&1 || true
    cat "$tmp/t"
  done | median > "$tmp/$label"
}

cd /tmp # no project here: verify checks the cache only
# Warm the page cache, and the zip-hash cache for the second measurement.
"$tmp/modscope" verify --json --jobs "$jobs" --modcache "$tmp/zips/mod" --gocache off >/dev/null || true
find "$tmp/zips" -name '*.zip' -print0 | xargs -0 -P"$jobs" -n 200 sha256sum >/dev/null

timeit full "$tmp/modscope" verify --json --rehash --jobs "$jobs" --modcache "$tmp/zips/mod" --gocache off
timeit cached "$tmp/modscope" verify --json --jobs "$jobs" --modcache "$tmp/zips/mod" --gocache off
timeit sha sh -c "find '$tmp/zips' -name '*.zip' -print0 | xargs -0 -P$jobs -n 200 sha256sum"
cd - >/dev/null

mbs() { awk -v b="$zipbytes" -v t="$1" 'BEGIN { printf "%.0f MB/s", b / 1e6 / t }'; }
echo "zips: $nzips files, $((zipbytes / 1000000)) MB; $jobs jobs; medians of $runs runs (each modscope run includes its scan)"
printf '  modscope verify --rehash   %6.2f s  %s (every zip inflated)\n' "$(cat "$tmp/full")" "$(mbs "$(cat "$tmp/full")")"
printf '  modscope verify            %6.2f s  %s (zips known from an earlier run: raw SHA-256)\n' "$(cat "$tmp/cached")" "$(mbs "$(cat "$tmp/cached")")"
printf '  sha256sum                  %6.2f s  %s\n' "$(cat "$tmp/sha")" "$(mbs "$(cat "$tmp/sha")")"
awk -v s="$(cat "$tmp/sha")" -v f="$(cat "$tmp/full")" -v c="$(cat "$tmp/cached")" \
  'BEGIN { printf "  throughput vs sha256sum: %.2fx with --rehash, %.2fx with the zip hashes (target >= 0.8x)\n", s / f, s / c }'

# A project's build list: go mod verify against modscope verify PATTERN...
proj=$tmp/project
go run ./bench/gencache -dir "$dir" -project "$proj" -modules 300 >/dev/null
export GOMODCACHE=$dir/mod GOPROXY=off GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
patterns=$(cd "$proj" && go list -m -f '{{if not .Main}}{{.Path}}@{{.Version}}{{end}}' all)
(cd "$proj" && go mod verify >/dev/null)
timeit gomod sh -c "cd '$proj' && go mod verify"
# shellcheck disable=SC2086
timeit msproj "$tmp/modscope" verify --json --rehash --jobs "$jobs" --modcache "$dir/mod" --gocache off --project "$proj" $patterns
# shellcheck disable=SC2086
timeit msprojc "$tmp/modscope" verify --json --jobs "$jobs" --modcache "$dir/mod" --gocache off --project "$proj" $patterns
echo "build list of a project requiring $(echo "$patterns" | wc -w) module versions:"
printf '  go mod verify                       %6.2f s\n' "$(cat "$tmp/gomod")"
printf '  modscope verify PATTERN... --rehash %6.2f s\n' "$(cat "$tmp/msproj")"
printf '  modscope verify PATTERN...          %6.2f s\n' "$(cat "$tmp/msprojc")"
