#!/bin/bash
# ssdumps.sh - tools/make-ssdumps still makes what tests/data/ssdump holds:
# it is run into a scratch directory (its own network namespace; root),
# and the dumps it makes must hold the same number of sockets in each
# state as the checked-in ones, in both families, each with its text, and
# tcpdeck must count each new dump as ss's text does.  make-ssdumps itself
# fails when a helper outlives it in its namespace.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" -eq 0 ] ||
  skip_test "tools/make-ssdumps creates a network namespace, which needs root; run the tests as root"
command -v ip >/dev/null || skip_test "ip (iproute2) is not installed"
command -v ss >/dev/null || skip_test "ss (iproute2) is not installed"

build=$(cd "$(dirname "$TCPDECK")" && pwd)
data=$TESTS_SRCDIR/data/ssdump
tmpd=$(mktemp -d)
trap 'rm -rf "$tmpd"' EXIT

if ! timeout 120 "$TESTS_SRCDIR/../tools/make-ssdumps" --no-build -o "$tmpd" "$build" \
  >"$tmpd/log" 2>&1; then
  cat "$tmpd/log" >&2
  hard_error "tools/make-ssdumps failed"
fi
cat "$tmpd/log"

# "STATE=N" for every state of an ss text, one a line.
text_counts() {
  awk 'NR > 1 && /^[A-Z]/ { print $1 }' "$1" | while read -r s; do ss_state_name "$s"; done |
    sort | uniq -c | awk '{ print $2 "=" $1 }'
}
for name in tcp tcp-info; do
  [ -s "$tmpd/$name.dump" ] && [ -s "$tmpd/$name.txt" ] || {
    fail "$name: no dump or no text made"
    continue
  }
  new=$(text_counts "$tmpd/$name.txt")
  old=$(text_counts "$data/$name.txt")
  [ "$new" = "$old" ] && pass "$name: the same sockets per state as the checked-in dump" ||
    fail "$name: made $(echo $new), the checked-in dump has $(echo $old)"
  grep -q '^[A-Z].* 127\.0\.0\.1:' "$tmpd/$name.txt" && grep -q '^[A-Z].* \[::1\]:' "$tmpd/$name.txt" &&
    pass "$name: IPv4 and IPv6" || fail "$name: not both families"
  out=$(timeout 30 "$TCPDECK" -b -r "$tmpd/$name.dump" -o json)
  bad=""
  for state in $STATES; do
    [ "$(json_count "$state" "$out")" = "$(count_of "$state" "$new")" ] || bad+=" $state"
  done
  [ -z "$bad" ] && pass "$name: tcpdeck counts the new dump as ss does" ||
    fail "$name: tcpdeck differs from ss in$bad: $out"
done
info_lines=$(grep -c $'^\t' "$tmpd/tcp-info.txt" || true)
plain_lines=$(grep -c $'^\t' "$tmpd/tcp.txt" || true)
[ "$info_lines" -gt 0 ] && [ "$plain_lines" -eq 0 ] &&
  pass "tcp_info in tcp-info ($info_lines sockets), none in tcp" ||
  fail "tcp_info lines: $info_lines in tcp-info, $plain_lines in tcp"
ns=$(sed -n 's/.*sockets in network namespace \(tcpdeck-data-[0-9]*\)$/\1/p' "$tmpd/log")
[ -n "$ns" ] || fail "make-ssdumps did not name its namespace"
[ -n "$ns" ] && ip netns list | grep -q "^$ns\b" && fail "namespace $ns was left behind" ||
  pass "namespace $ns removed"

finish
