#!/usr/bin/env bash
# Compares `modscope scan --json` with `du -s` and `gdu -n` on the same
# caches: a full scan (--rescan: the scan index ignored, then rewritten) and
# a scan with the index of the previous run (nothing changed in between).
# Runs them alternately, then prints the median wall times, the ratios and
# each one's peak RSS, for the module cache alone and for both caches.
#
#   bench/scan.sh                       a synthetic cache (made on first use)
#   bench/scan.sh --modcache D --gocache D   your own caches
#   bench/scan.sh --runs 9 --cold       drop the page cache before each run
#                                       (needs root: /proc/sys/vm/drop_caches)
#   GDU=/path/to/gdu bench/scan.sh      a gdu of your own
#
# The synthetic cache (bench/gencache) is 1,300 module versions of 150 files
# with zips, ziphashes and 3 metadata-only versions each, and 15,000
# build-cache entries: about 280,000 files and 2 GB.
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

# gdu: $GDU, one on PATH, or Debian's package. (The Go module proxy does not
# serve github.com/dundee/gdu/v5: it answers 403.) Without it the gdu
# columns are left out, and the script says so.
gdu=${GDU:-$(command -v gdu || true)}
if [ -z "$gdu" ]; then
  echo "bench/scan.sh: installing gdu from Debian's packages" >&2
  apt-get install -y gdu >/dev/null 2>&1 || true
  gdu=$(command -v gdu || true)
  [ -n "$gdu" ] || echo "bench/scan.sh: gdu is not available (apt-get install gdu): compared with du -s only" >&2
fi
if [ ! -x /usr/bin/time ]; then
  apt-get install -y time >/dev/null || { echo "bench/scan.sh: GNU time is needed: apt-get install time" >&2; exit 2; }
fi

if [ -z "$modcache" ]; then
  if [ ! -d "$dir/mod" ]; then
    echo "bench/scan.sh: writing a synthetic cache to $dir (about a minute)" >&2
    go run ./bench/gencache -dir "$dir" -versions 1300 -files 150 -metadata 3 -entries 15000
  fi
  modcache=$dir/mod
  gocache=$dir/gocache
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/modscope" .
ms=$tmp/modscope

files_mod=$(find "$modcache" | wc -l)
files_all=$(find "$modcache" "$gocache" | wc -l)
echo "trees: $modcache ($files_mod paths) + $gocache ($((files_all - files_mod)) paths)"
echo "$runs runs each, alternated, $( [ $cold = 1 ] && echo cold || echo warm ) page cache, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

drop() {
  if [ "$cold" = 1 ]; then
    sync
    echo 3 > /proc/sys/vm/drop_caches
  fi
}

# Each measured command: a label and a shell command line. The indexes live
# in $tmp, one per pair of roots; every full scan (--rescan) rewrites its
# own, so each "index" run follows an unchanged cache.
labels=()
cmds=()
add() { labels+=("$1"); cmds+=("$2"); }
for set in mod all; do
  if [ $set = mod ]; then
    trees=("$modcache"); msargs="--modcache '$modcache' --gocache off"
  else
    trees=("$modcache" "$gocache"); msargs="--modcache '$modcache' --gocache '$gocache'"
  fi
  q=$(printf "'%s' " "${trees[@]}")
  add "$set du -s" "du -s $q"
  if [ -n "$gdu" ]; then
    add "$set gdu -n" "for t in $q; do '$gdu' -n -p \"\$t\"; done"
  fi
  add "$set modscope full" "MODSCOPE_SCAN_INDEX='$tmp/index-$set' '$ms' scan --json --rescan $msargs"
  add "$set modscope index" "MODSCOPE_SCAN_INDEX='$tmp/index-$set' '$ms' scan --json $msargs"
done

# One warm-up run of each so that "warm" means warm for all, and the
# indexes exist.
for c in "${cmds[@]}"; do sh -c "$c" >/dev/null 2>&1 || true; done
for i in $(seq "$runs"); do
  for k in "${!cmds[@]}"; do
    drop
    /usr/bin/time -f "%e %M" -a -o "$tmp/t.$k" sh -c "${cmds[$k]}" >/dev/null 2>&1 || true
  done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A med
for k in "${!cmds[@]}"; do
  m=$(awk '{print $1}' "$tmp/t.$k" | median)
  rss=$(awk '{print $2}' "$tmp/t.$k" | sort -n | tail -1)
  med[${labels[$k]}]=$m
  printf '%-22s median %6.3f s   peak RSS %5d MiB   (%s)\n' "${labels[$k]}" "$m" $((rss / 1024)) "$(awk '{printf "%s ", $1}' "$tmp/t.$k")"
done
ratio() { awk -v a="$2" -v b="$3" -v l="$1" 'BEGIN { if (b > 0) printf "  %-40s %.2fx\n", l, a / b }'; }
for set in mod all; do
  name=$([ $set = mod ] && echo "module cache" || echo "both caches")
  echo "$name:"
  ratio "modscope full / du -s (goal <= 0.7)" "${med[$set modscope full]}" "${med[$set du -s]}"
  ratio "du -s / modscope index (goal >= 10)" "${med[$set du -s]}" "${med[$set modscope index]}"
  if [ -n "$gdu" ]; then
    ratio "modscope full / gdu -n" "${med[$set modscope full]}" "${med[$set gdu -n]}"
    ratio "gdu -n / modscope index" "${med[$set gdu -n]}" "${med[$set modscope index]}"
  fi
done
