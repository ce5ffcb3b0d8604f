# bench/lib.sh - helpers the benchmark scripts share.  Sourced; the
# script sets ME (its name, for messages) first.

# die MESSAGE: one line on stderr naming the script, exit 1.
die() {
  echo "$ME: $*" >&2
  exit 1
}

# note MESSAGE: one line on stderr naming the script.
note() {
  echo "$ME: $*" >&2
}

# median [FILE]: the median of the numbers in FILE (or standard input), one
# a line; fails when there are none.
median() {
  sort -g "$@" | awk '{ v[NR] = $1 }
    END { if (NR == 0) exit 1
          if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# ms SECONDS: milliseconds with one decimal.
ms() {
  awk -v s="$1" 'BEGIN { printf "%.1f", s * 1000 }'
}

# ratio A B: A / B with two decimals, or n/a.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# stop_generator: ends the socket generator $gen_pid (when set) and waits
# for it.
stop_generator() {
  if [ -n "${gen_pid:-}" ]; then
    kill "$gen_pid" 2>/dev/null
    wait "$gen_pid" 2>/dev/null
    gen_pid=""
  fi
}

# drop_namespace: deletes the network namespace $ns (when set).
drop_namespace() {
  if [ -n "${ns:-}" ]; then
    ip netns del "$ns" 2>/dev/null
    ns=""
  fi
}

# require_tools: root, the generator and meter built, tcpdeck and ss found.
require_tools() {
  [ "$(id -u)" = 0 ] || die "must run as root (it creates network namespaces)"
  for tool in "$SOCKGEN" "$CPUTIME"; do
    [ -x "$tool" ] || die "$tool is not built (run make first)"
  done
  command -v "$TCPDECK" >/dev/null 2>&1 || die "$TCPDECK not found (set TCPDECK)"
  command -v ss >/dev/null 2>&1 || die "ss (iproute2) not found"
}
