#!/usr/bin/env bash
# Compares `modscope scan --json` with `gdu -n` on the same large cache: runs
# them alternately, then prints the median wall times, their ratio and each
# one's peak RSS.
#
#   bench/scan.sh                       a synthetic cache (made on first use)
#   bench/scan.sh --modcache D --gocache D   your own caches
#   bench/scan.sh --runs 9 --cold       drop the page cache before each run
#                                       (needs root: /proc/sys/vm/drop_caches)
#
# The synthetic cache (bench/gencache) is 2,000 module versions of 150 files
# with zips, ziphashes, metadata-only versions and 40,000 build-cache entries:
# about 470,000 files and 4 GB, like a CI machine's caches.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
cold=0
dir=${MODSCOPE_BENCH_DIR:-/tmp/modscope-bench}
modcache=
gocache=
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --cold) cold=1; shift ;;
    --modcache) modcache=$2; shift 2 ;;
    --gocache) gocache=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: bench/scan.sh [--runs N] [--cold] [--dir D | --modcache D --gocache D]" >&2; exit 2 ;;
  esac
done

if ! command -v gdu >/dev/null; then
  echo "bench/scan.sh: installing gdu from Debian's packages" >&2
  apt-get install -y gdu >/dev/null || { echo "bench/scan.sh: gdu is needed: apt-get install gdu" >&2; exit 2; }
fi
if [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null || { echo "bench/scan.sh: GNU time is needed: apt-get install time" >&2; exit 2; }
fi

if [ -z "$modcache" ]; then
  if [ ! -d "$dir/mod" ]; then
    echo "bench/scan.sh: writing a synthetic cache to $dir (about a minute)" >&2
    go run ./bench/gencache -dir "$dir"
  fi
  modcache=$dir/mod
  gocache=$dir/gocache
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/modscope" .

# gdu measures one tree; when both caches share a parent, that parent is the
# same tree modscope walks (the synthetic cache), otherwise gdu runs on each.
gdu_targets=("$modcache" "$gocache")
if [ "$(dirname "$modcache")" = "$(dirname "$gocache")" ]; then
  gdu_targets=("$(dirname "$modcache")")
fi

drop() {
  if [ "$cold" = 1 ]; then
    sync
    echo 3 > /proc/sys/vm/drop_caches
  fi
}

files=$(find "$modcache" "$gocache" | wc -l)
echo "tree: $modcache + $gocache ($files paths), $runs runs each, $( [ $cold = 1 ] && echo cold || echo warm ) page cache, $(nproc) cores"

# One warm-up run of each so that "warm" means warm for both.
"$tmp/modscope" scan --json --modcache "$modcache" --gocache "$gocache" >/dev/null || true
for t in "${gdu_targets[@]}"; do gdu -n -p "$t" >/dev/null; done

for i in $(seq "$runs"); do
  drop
  /usr/bin/time -f "%e %M" -o "$tmp/m.$i" \
    "$tmp/modscope" scan --json --modcache "$modcache" --gocache "$gocache" >/dev/null || true
  drop
  /usr/bin/time -f "%e %M" -o "$tmp/g.$i" \
    sh -c 'for t do gdu -n -p "$t" >/dev/null; done' sh "${gdu_targets[@]}"
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms=$(cat "$tmp"/m.* | awk '{print $1}' | median)
gd=$(cat "$tmp"/g.* | awk '{print $1}' | median)
ms_rss=$(cat "$tmp"/m.* | awk '{print $2}' | sort -n | tail -1)
gd_rss=$(cat "$tmp"/g.* | awk '{print $2}' | sort -n | tail -1)
printf 'modscope scan --json  median %6.2f s   peak RSS %4d MiB\n' "$ms" $((ms_rss / 1024))
printf 'gdu -n                median %6.2f s   peak RSS %4d MiB\n' "$gd" $((gd_rss / 1024))
awk -v m="$ms" -v g="$gd" 'BEGIN { printf "gdu / modscope = %.2fx (above 1: modscope is faster)\n", g / m }'
