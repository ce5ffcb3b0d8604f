#!/bin/bash
# netns-dump-cost.sh - what sampling many network namespaces costs.
#
#   bench/netns-dump-cost.sh [BUILDDIR]      (root; BUILDDIR: a build with
#                                             tcpdeck and bench/tcpdeck-sockgen)
#
# Makes N namespaces (N=50), first empty, then with SOCKS sockets each
# (SOCKS=2000, ESTABLISHED pairs made by tcpdeck-sockgen), and measures in
# the same run:
#   - tcpdeck's sample time (its -v log: "sample: ... in X ms") with every
#     namespace named by -N, on 1 thread and on 2 (TCPDECK_NETNS_THREADS),
#     and with the first namespace only;
#   - `ss -tan -N NAME` run once per namespace, wall time of the loop, and
#     once for the first namespace alone;
#   - the CPU time of both (bench/cputime): tcpdeck's per sample from a run
#     of SAMPLES samples less a run of one, ss's for the whole loop.
# Prints medians (of SAMPLES samples or RUNS runs) and ratios.  On a busy
# machine wall times are stretched by waiting for a CPU; the CPU times
# are the steadier figure, the wall times show what two threads gain.  Every dump
# walks the kernel's whole TCP hash, shared by all namespaces unless
# net.ipv4.tcp_child_ehash_entries gives them their own, so the sockets of
# the rest of the host count too: the script prints how many there are.
# Leaves nothing behind (namespaces and generators are removed on exit).
set -u
ME=netns-dump-cost
. "$(dirname "$0")/lib.sh"

BUILD=${1:-.}
TCPDECK=$BUILD/tcpdeck
SOCKGEN=$BUILD/bench/tcpdeck-sockgen
CPUTIME=$BUILD/bench/cputime
N=${N:-50}
SOCKS=${SOCKS:-2000}
SAMPLES=${SAMPLES:-11}
RUNS=${RUNS:-5}
[ "$(id -u)" = 0 ] || die "needs root (it makes network namespaces)"
[ -x "$TCPDECK" ] && [ -x "$SOCKGEN" ] && [ -x "$CPUTIME" ] ||
  die "no tcpdeck, bench/tcpdeck-sockgen or bench/cputime in $BUILD"

prefix=nssample-bench-$$
tmp=$(mktemp -d /tmp/nssample-bench.XXXXXX)
gens=()
cleanup() {
  local p i
  for p in "${gens[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  for i in $(seq 1 "$N"); do ip netns del "$prefix-$i" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

names=()
for i in $(seq 1 "$N"); do
  ip netns add "$prefix-$i" || die "ip netns add failed"
  ip -n "$prefix-$i" link set lo up
  names+=("$prefix-$i")
done

# tcpdeck_ms THREADS NAME...: the sample times in ms, one a line (the
# first sample, which opens the sockets, left out).
tcpdeck_ms() {
  local threads=$1 args=() n
  shift
  for n in "$@"; do args+=(-N "$n"); done
  rm -f "$tmp/log"
  TCPDECK_NETNS_THREADS=$threads timeout 300 "$TCPDECK" -b -n "$SAMPLES" -d 0.2 -v "$tmp/log" \
    "${args[@]}" >/dev/null || die "tcpdeck failed"
  sed -n 's/.*sample: [0-9]* sockets in \([0-9.]*\) ms.*/\1/p' "$tmp/log" | tail -n +2
}

# tcpdeck_wall NAME...: the median sample times on 1 and 2 threads
# ("T1 T2"), the two measured in turn RUNS times so that a load coming
# and going on the machine weighs on both alike.
tcpdeck_wall() {
  local r
  : >"$tmp/w1"
  : >"$tmp/w2"
  for r in $(seq 1 "$RUNS"); do
    tcpdeck_ms 1 "$@" >>"$tmp/w1"
    tcpdeck_ms 2 "$@" >>"$tmp/w2"
  done
  echo "$(median "$tmp/w1") $(median "$tmp/w2")"
}

# cpu_of CMD...: the CPU seconds CMD used (its output dropped).
cpu_of() {
  "$CPUTIME" "$@" 2>&1 >/dev/null | sed -n 's/^cputime: .* cpu=\([0-9.]*\) .*/\1/p'
}

# tcpdeck_cpu_ms THREADS NAME...: CPU ms per sample, both threads counted.
tcpdeck_cpu_ms() {
  local threads=$1 args=() n one many
  shift
  for n in "$@"; do args+=(-N "$n"); done
  one=$(TCPDECK_NETNS_THREADS=$threads cpu_of "$TCPDECK" -b -n 1 "${args[@]}")
  many=$(TCPDECK_NETNS_THREADS=$threads cpu_of "$TCPDECK" -b -n "$SAMPLES" -d 0.1 "${args[@]}")
  awk -v a="$one" -v b="$many" -v n="$SAMPLES" 'BEGIN { printf "%.2f", (b - a) * 1000 / (n - 1) }'
}

# ss_cpu_ms NAME...: CPU ms of `ss -tan -N NAME` for each, median of RUNS.
ss_cpu_ms() {
  local r
  for r in $(seq 1 "$RUNS"); do
    cpu_of sh -c 'for n; do ss -tan -N "$n"; done' sh "$@" |
      awk '{ printf "%.3f\n", $1 * 1000 }'
  done | median
}

# ss_ms NAME...: the median wall time in ms of `ss -tan -N NAME` for each.
ss_ms() {
  local r n t0 t1
  for r in $(seq 1 "$RUNS"); do
    t0=$(date +%s.%N)
    for n in "$@"; do ss -tan -N "$n" >/dev/null || die "ss -N $n failed"; done
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'
  done | median
}

host_sockets() {
  "$TCPDECK" -b -n 1 -o json --netns all 2>/dev/null | sed -n 's/^{[^{]*"total": \([0-9]*\).*/\1/p'
}

measure() {
  local label=$1 one t1 t2 ss_all ss_one c_one c1 c2 css_one css_all before
  # Other people's sockets weigh on every walk: counted before and after.
  before=$(host_sockets)
  one=$(tcpdeck_ms 1 "${names[0]}" | median)
  read -r t1 t2 < <(tcpdeck_wall "${names[@]}")
  ss_one=$(ss_ms "${names[0]}")
  ss_all=$(ss_ms "${names[@]}")
  c_one=$(tcpdeck_cpu_ms 1 "${names[0]}")
  c1=$(tcpdeck_cpu_ms 1 "${names[@]}")
  c2=$(tcpdeck_cpu_ms 2 "${names[@]}")
  css_one=$(ss_cpu_ms "${names[0]}")
  css_all=$(ss_cpu_ms "${names[@]}")
  echo "== $label: $N namespaces, $before then $(host_sockets) TCP sockets on the whole host," \
    "ehash $(cat /proc/sys/net/ipv4/tcp_ehash_entries 2>/dev/null || echo ?) buckets," \
    "load $(cut -d' ' -f1 /proc/loadavg) on $(nproc) CPUs"
  printf '%-40s %12s %12s\n' "" "wall" "cpu"
  printf '%-40s %9s ms %9s ms\n' "tcpdeck, 1 namespace, per sample" "$one" "$c_one"
  printf '%-40s %9s ms %9s ms  (cpu per namespace %s ms)\n' \
    "tcpdeck, $N namespaces, 1 thread" "$t1" "$c1" \
    "$(awk -v t="$c1" -v n="$N" 'BEGIN { printf "%.2f", t / n }')"
  printf '%-40s %9s ms %9s ms  (wall 1 thread / 2 threads: %s)\n' \
    "tcpdeck, $N namespaces, 2 threads" "$t2" "$c2" "$(ratio "$t1" "$t2")"
  printf '%-40s %9s ms %9s ms\n' "ss -tan -N NAME, 1 namespace" "$ss_one" "$css_one"
  printf '%-40s %9s ms %9s ms  (ss / tcpdeck 2 threads: wall %s, cpu %s)\n' \
    "ss -tan -N NAME, once per namespace" "$ss_all" "$css_all" "$(ratio "$ss_all" "$t2")" \
    "$(ratio "$css_all" "$c2")"
}

measure "empty namespaces"

for n in "${names[@]}"; do
  ip netns exec "$n" "$SOCKGEN" --hold 600 established=$((SOCKS / 2)) >"$tmp/gen-$n" &
  gens+=($!)
done
for n in "${names[@]}"; do
  for _ in $(seq 1 600); do
    grep -q '^ready' "$tmp/gen-$n" && break
    sleep 0.1
  done
  grep -q '^ready' "$tmp/gen-$n" || die "sockgen in $n did not get ready"
done
measure "$SOCKS sockets in each namespace"
