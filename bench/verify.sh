#!/usr/bin/env bash
# Compares a first `modscope verify --rehash` of a project's build list with
# `go mod verify` of the same list (issue 12, goal 3: at most 0.8x): runs
# them alternately, several times, then prints each one's median wall time,
# median CPU time (user+sys: steadier than the wall clock on a busy
# machine), peak RSS, and the ratios.
#
#   bench/verify.sh                          a synthetic project on the cache
#                                            of bench/scan.sh (made on first use)
#   bench/verify.sh --project P --modcache M a real project whose build list is
#                                            in the module cache M already
#                                            (go mod download, in P)
#   bench/verify.sh --runs 9 --jobs 2
#   MODSCOPE_BIN=/tmp/old bench/verify.sh    measure that build instead
#
# Both run offline (GOPROXY=off, GOFLAGS=-mod=mod, GOTOOLCHAIN=local) with
# the page cache warm. --rehash inflates every zip: the zip hashes modscope
# keeps between runs go to a scratch directory and are not used.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
jobs=$(nproc)
dir=${MODSCOPE_BENCH_DIR:-/tmp/modscope-bench}
proj=
modcache=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --project) proj=$2; shift 2 ;;
    --modcache) modcache=$2; shift 2 ;;
    *) echo "usage: bench/verify.sh [--runs N] [--jobs N] [--dir D | --project P --modcache M]" >&2; exit 2 ;;
  esac
done
if { [ -n "$proj" ] && [ -z "$modcache" ]; } || { [ -z "$proj" ] && [ -n "$modcache" ]; }; then
  echo "bench/verify.sh: --project and --modcache go together" >&2
  exit 2
fi
if [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null || { echo "bench/verify.sh: GNU time is needed: apt-get install time" >&2; exit 2; }
fi

tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
# MODSCOPE_BIN measures another build (an older one, for a before/after).
if [ -n "${MODSCOPE_BIN:-}" ]; then cp "$MODSCOPE_BIN" "$tmp/modscope"; else go build -o "$tmp/modscope" .; fi

if [ -z "$proj" ]; then
  if [ ! -d "$dir/mod" ]; then
    echo "bench/verify.sh: writing a synthetic cache to $dir (about a minute)" >&2
    go run ./bench/gencache -dir "$dir"
  fi
  proj=$tmp/project
  modcache=$dir/mod
  go run ./bench/gencache -dir "$dir" -project "$proj" -modules 300 >/dev/null
fi
proj=$(cd "$proj" && pwd)
modcache=$(cd "$modcache" && pwd)

export GOMODCACHE=$modcache GOPROXY=off GOSUMDB=off GOFLAGS=-mod=mod GOWORK=off GOTOOLCHAIN=local
export XDG_CACHE_HOME=$tmp/usercache HOME=$tmp/home
mkdir -p "$HOME"
cd "$proj"
list=$(go list -m -f '{{if not .Main}}{{.Path}}@{{.Version}}{{end}}' all)
nlist=$(echo "$list" | wc -w)
nzips=0
for mv in $list; do
  p=${mv%@*} v=${mv#*@}
  ep=$(printf '%s' "$p" | sed 's/[A-Z]/!\L&/g')
  [ -f "$modcache/cache/download/$ep/@v/$v.zip" ] && nzips=$((nzips + 1))
done
go mod verify >/dev/null || { echo "bench/verify.sh: go mod verify fails on $proj: fix the cache first" >&2; exit 1; }

gomod=(go mod verify)
# shellcheck disable=SC2206
ms=("$tmp/modscope" verify --rehash --json --jobs "$jobs" --modcache "$modcache" --gocache off $list)
"${ms[@]}" >/dev/null || { echo "bench/verify.sh: modscope verify finds problems on $proj" >&2; exit 1; }

# Alternate the two, so that a burst of load elsewhere hits both alike.
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %U %S %M" -a -o "$tmp/gomod" "${gomod[@]}" >/dev/null
  /usr/bin/time -f "%e %U %S %M" -a -o "$tmp/ms" "${ms[@]}" >/dev/null
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
wall() { awk '{print $1}' "$1" | median; }
cpu() { awk '{print $2 + $3}' "$1" | median; }
rss() { awk '{print $4}' "$1" | sort -n | tail -1; }

echo "build list of $proj: $nlist module versions, $nzips with a zip; $jobs jobs; medians of $runs alternated runs"
echo "  modscope: ${ms[*]:0:8} PATTERN... (the $nlist versions)"
printf '  %-28s wall %6.2f s  cpu %6.2f s  peak RSS %4d MB\n' "go mod verify" "$(wall "$tmp/gomod")" "$(cpu "$tmp/gomod")" $(($(rss "$tmp/gomod") / 1024))
printf '  %-28s wall %6.2f s  cpu %6.2f s  peak RSS %4d MB\n' "modscope verify --rehash" "$(wall "$tmp/ms")" "$(cpu "$tmp/ms")" $(($(rss "$tmp/ms") / 1024))
awk -v gw="$(wall "$tmp/gomod")" -v mw="$(wall "$tmp/ms")" -v gc="$(cpu "$tmp/gomod")" -v mc="$(cpu "$tmp/ms")" \
  'BEGIN { printf "  modscope / go mod verify: %.2fx wall, %.2fx cpu (target <= 0.8x)\n", mw / gw, mc / gc }'
