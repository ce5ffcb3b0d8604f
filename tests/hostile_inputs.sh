#!/bin/bash
# hostile_inputs.sh - strings other people control, from every source
# besides live process names (hostile_names.sh), never reach the terminal
# raw: ESC, BEL, C1 controls and invalid UTF-8 are shown as \x1b, \x07,
# \u009b, \xff the same way in every view and format, JSON escapes them,
# and columns stay aligned.
#
#   1. a crafted recording (tests/data/recordings/hostile.tdr: a process
#      name, a command line, uid 0's user name and an ip netns name, each
#      hostile), replayed in every view and format;
#   2. a cut `ss -D` file with a hostile file name, and a config file with
#      hostile lines: the messages quote them in the safe form;
#   3. live, as root, in a network namespace of its own: a named network
#      namespace (`ip netns add`) whose name is hostile, with a listener
#      in it; an interface with a hostile name that a listener is bound
#      to (the endpoint names it); `--who` and the batch views;
#   4. the dashboard in tmux: the replayed recording (listen, connections,
#      a connection's details, namespaces) and live reverse-DNS names
#      answered from a hostile /etc/hosts (bound over the real one in a
#      mount namespace of the dashboard's own): nothing a raw sequence
#      would do, and the pane's title unchanged.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
srcdir=${TESTS_SRCDIR:-$(dirname "$0")}
rec="$srcdir/data/recordings/hostile.tdr"
dump="$srcdir/data/ssdump/tcp.dump"
[ -r "$rec" ] && [ -r "$dump" ] || hard_error "missing $rec or $dump"
DEVBIND=${DEVBIND:-$(dirname "$LISTENER")/tcpdeck-test-devbind}
[ -x "$DEVBIND" ] || hard_error "no $DEVBIND"
enter_private_netns "$@"

dir=$(mktemp -d)
evil_ns=$'tcpdeck-hostile-'$$$'-\e]2;pwned\a\xc2\x9b\xff'
pids=()
cleanup() {
  local p
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  ip netns del "$evil_ns" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# has_raw FILE: FILE holds a control byte other than a line feed, or a C1
# control as a byte (0x80-0x9f) or as UTF-8 (0xc2 0x80-0x9f).
has_raw() {
  LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$1" ||
    LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$1" ||
    LC_ALL=C grep -Eq $'(^|[\x01-\x7f])[\x80-\x9f]' "$1"
}

# check NAME FILE VISIBLE...: FILE is not empty, holds no raw control
# byte, and holds every VISIBLE string.
check() {
  local name=$1 file=$2 visible
  shift 2
  [ -s "$file" ] || { fail "$name: no output"; return; }
  if has_raw "$file"; then
    fail "$name: a raw control byte reached the output: $(od -c "$file" | head -n 8)"
  else
    pass "$name: no raw control byte"
  fi
  for visible in "$@"; do
    grep -qF -- "$visible" "$file" && pass "$name: shows $visible" ||
      fail "$name: '$visible' not found in: $(head -c 800 "$file")"
  done
}

# ----------------------------------------------------- 1. the recording
proc='evil\x1b[31mname'
user='evil\x1b[5muser\u009b'
ns_shown='ns\x1b]2;pwned-ns\x07\u009b\xff'
for view in listen conns namespaces states peers diagnoses counters; do
  for format in text csv json; do
    out="$dir/rec.$view.$format"
    timeout 60 "$TCPDECK" -r "$rec" -b --view "$view" -o "$format" >"$out" 2>"$out.err"
    rc=$?
    if [ "$rc" = 2 ] && grep -q "format" "$out.err"; then
      continue # a view without this format
    fi
    [ "$rc" = 0 ] || { fail "replay --view $view -o $format: exit $rc: $(cat "$out.err")"; continue; }
    cat "$out.err" >>"$out"
    case $view.$format in
    listen.json | conns.json)
      check "replay $view $format" "$out" '"process": "evil\u001b[31mname"' \
        '"user": "evil\u001b[5muser\u009b"' '"netns": "ns\u001b]2;pwned-ns\u0007\u009b\\xff"' ;;
    listen.* | conns.*) check "replay $view $format" "$out" "$proc" "$user" "$ns_shown" ;;
    namespaces.json) check "replay $view $format" "$out" '"netns": "ns\u001b]2;pwned-ns\u0007\u009b\\xff"' ;;
    namespaces.*) check "replay $view $format" "$out" "$ns_shown" ;;
    *) check "replay $view $format" "$out" ;;
    esac
  done
done
# Columns: within a sample, every row of a text table splits into as
# many fields as the others (no shown form holds a blank), and the
# PROCESS column starts at the same cell on every row.
for view in listen conns namespaces; do
  bad=$(awk '/^# / { n = -1; next } /^[A-Z]/ { next }
    n < 0 { n = NF } NF != n { print NR": "NF" fields, not "n }' "$dir/rec.$view.text")
  [ -z "$bad" ] && pass "replay $view text: every row has as many columns" ||
    fail "replay $view text: $bad"
done
cols=$(awk 'index($0, " evil\\x1b[31mname ") { print index($0, " evil\\x1b[31mname ") }' \
  "$dir/rec.listen.text" | sort -u)
[ -n "$cols" ] && [ "$(wc -l <<<"$cols")" = 1 ] && pass "replay listen text: PROCESS aligned on every row" ||
  fail "replay listen text: PROCESS starts at cells $cols"

# ------------------------------------- 2. an ss -D file and a config file
bad_dump="$dir/dump"$'\e]2;pwned-dump\a'
size=$(stat -c %s "$dump")
head -c $((size - 30)) "$dump" >"$bad_dump"
for format in text csv; do
  timeout 30 "$TCPDECK" -r "$bad_dump" -b --view conns -o "$format" >"$dir/dump.$format" \
    2>"$dir/dump.$format.err"
  rc=$?
  [ "$rc" = 0 ] || fail "cut ss -D file -o $format: exit $rc: $(cat "$dir/dump.$format.err")"
  check "cut ss -D file -o $format" "$dir/dump.$format"
  check "cut ss -D file -o $format: the note" "$dir/dump.$format.err" 'dump\x1b]2;pwned-dump\x07'
done
printf 'close_wait.min = 5\nclose_wait.min\033]2;pwned-conf\007 = 3\n' >"$dir/evil.conf"
timeout 30 "$TCPDECK" --config "$dir/evil.conf" -r "$rec" -b >/dev/null 2>"$dir/conf.err"
rc=$?
[ "$rc" = 0 ] && pass "hostile config line: skipped, exit 0" || fail "hostile config line: exit $rc"
check "hostile config line" "$dir/conf.err" \
  "evil.conf:2: unknown key 'close_wait.min\\x1b]2;pwned-conf\\x07'"

# -------------------------------- 3. live: a namespace, an interface, --who
ip netns add "$evil_ns" || hard_error "ip netns add of a hostile name failed"
ip -n "$evil_ns" link set lo up
ip netns exec "$evil_ns" "$LISTENER" 9600 1 >"$dir/ns.ready" &
pids+=($!)
evil_if=$'if\e[1m\x9b'
{ ip link add "$evil_if" type veth peer name "peer-$$" || ip link add "$evil_if" type bridge; } &&
  ip link set "$evil_if" up || hard_error "cannot add an interface with a hostile name"
"$DEVBIND" "$evil_if" 9601 >"$dir/dev.ready" &
pids+=($!)
for _ in $(seq 1 50); do
  grep -q ready "$dir/ns.ready" 2>/dev/null && grep -q ready "$dir/dev.ready" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$dir/ns.ready" && grep -q ready "$dir/dev.ready" || hard_error "listeners did not start"

live_ns='\x1b]2;pwned\x07\u009b\xff'
for format in text csv; do
  timeout 60 "$TCPDECK" -b -n 1 -N "$evil_ns" --view conns -o "$format" >"$dir/ns.$format" 2>&1 ||
    fail "-N hostile name -o $format: $(cat "$dir/ns.$format")"
  check "-N hostile name, conns $format" "$dir/ns.$format" "$live_ns" "9600"
  timeout 60 "$TCPDECK" -b -n 1 --netns all --view namespaces -o "$format" >"$dir/nsall.$format" \
    2>&1 || fail "--netns all -o $format: $(cat "$dir/nsall.$format")"
  check "--netns all, namespaces $format" "$dir/nsall.$format" "$live_ns"
done
# The interface is named after the address in text (CSV and JSON have
# the address alone).
for view in listen conns; do
  timeout 60 "$TCPDECK" -b -n 1 --view "$view" -o text >"$dir/if.$view" 2>&1 ||
    fail "$view -o text: $(cat "$dir/if.$view")"
  check "interface name, $view text" "$dir/if.$view" '0.0.0.0%if\x1b[1m\x9b:9601'
done
timeout 60 "$TCPDECK" -b -n 1 -N "$evil_ns" --view conns -o json >"$dir/ns.json" 2>&1
check "-N hostile name, conns json" "$dir/ns.json" '\u001b]2;pwned\u0007\u009b\\xff'
timeout 60 "$TCPDECK" -N "$evil_ns" --who 9600 >"$dir/who" 2>&1
check "--who in a hostile namespace" "$dir/who" "9600"
timeout 30 "$TCPDECK" -b -n 1 -N $'nosuch\e]2;pwned\a' >/dev/null 2>"$dir/nosuch.err"
check "an unknown hostile -N name" "$dir/nosuch.err" 'nosuch\x1b]2;pwned\x07'

# ----------------------------------------------------------- 4. dashboard
if ! command -v tmux >/dev/null; then
  [ "$failures" -eq 0 ] && skip_test "tmux is not installed: the dashboard was not checked"
  finish
fi
tmux_dashboard_setup tcpdeck-hostile-inputs
trap 'tmux_dashboard_cleanup; cleanup' EXIT

# A tmux server starting beside other tests' can die at birth ("server
# exited unexpectedly"): a few tries.
for _ in 1 2 3; do
  tm new-session -d -s canary "printf '\033]2;canary-title\007'; sleep 30" && break
  sleep 1
done
for _ in $(seq 1 50); do
  [ "$(tm display -p -t canary '#{pane_title}')" = canary-title ] && break
  sleep 0.1
done
[ "$(tm display -p -t canary '#{pane_title}')" = canary-title ] ||
  hard_error "tmux does not take a window title from a program"
tm_retire canary

# clean WHAT: nothing on screen is the effect of a raw sequence, nor
# curses' notation for a control byte, and the title is the same.
clean() {
  local s title
  s=$(screen)
  if grep -qF -e '^[' -e '^G' -e '~[' <<<"$s"; then
    fail "$1: curses, not the shown form, stood in for a control byte: $s"
  elif grep -q -e 'evilname' -e 'pwned-ns[^\\]' <<<"$s"; then
    fail "$1: a name lost its escape: $s"
  elif grep -Eq '\\(x[0-9a-f]?|u[0-9a-f]{0,3})( |$)' <<<"$s"; then
    fail "$1: an escape is cut: $(grep -E '\\(x[0-9a-f]?|u[0-9a-f]{0,3})( |$)' <<<"$s")"
  else
    pass "$1: no raw sequence took effect"
  fi
  title=$(tm display -p -t tui '#{pane_title}')
  [[ "$title" != *pwned* && "$title" == "$title0" ]] && pass "$1: window title unchanged" ||
    fail "$1: window title is now '$title'"
}
shows() {
  local what=$1 text s
  shift
  s=$(screen)
  for text in "$@"; do
    grep -qF -- "$text" <<<"$s" && pass "$what shows $text" || fail "$what: '$text' not on screen: $s"
  done
}

tm new-session -d -s tui -x 200 -y 30 "env LANG=C.UTF-8 TERM=screen $TCPDECK -r $rec -d 0.2"
wait_screen 'ESTABLISHED' || hard_error "the replay did not start: $(screen)"
title0=$(tm display -p -t tui '#{pane_title}')
tm send-keys -t tui 2
wait_screen '7200' || fail "replay: no listen view: $(screen)"
shows "replayed listen view" 'evil\x1b]0;pwned\x07\x9b2J argv' "$user"
clean "replayed listen view"
tm send-keys -t tui 3
wait_screen 'PROTO +NETNS +LOCAL' || fail "replay: no connection table: $(screen)"
shows "replayed connection table" 'ns\x1b]2;pwned ' 'evil\x1b[31m ' 
clean "replayed connection table"
tm send-keys -t tui Home Enter
wait_screen 'connection details' || fail "replay: Enter opened no details: $(screen)"
clean "replayed details"
tm send-keys -t tui Escape
tm send-keys -t tui 8
wait_screen '^NAMESPACE ' || fail "replay: no namespaces view: $(screen)"
shows "replayed namespaces view" 'ns\x1b]2;pwned-ns\x07\u009b\xff'
clean "replayed namespaces view"
tm send-keys -t tui q
tm_kill_server

# Live, with reverse DNS: 127.0.0.1 is named by a hostile /etc/hosts.
"$LISTENER" 9602 1 >"$dir/dns.ready" &
pids+=($!)
for _ in $(seq 1 50); do grep -q ready "$dir/dns.ready" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$dir/dns.ready" || hard_error "the listener for reverse DNS did not start"
printf '127.0.0.1\tevil\033]2;pwned-dns\007\302\233host\n' >"$dir/hosts"
tm new-session -d -s tui -x 200 -y 30 \
  "unshare -m sh -c 'mount --bind \"\$0\" /etc/hosts && exec env LANG=C.UTF-8 TERM=screen \"\$1\" -d 0.2' \
  $dir/hosts $TCPDECK"
wait_screen 'ESTABLISHED' || hard_error "the dashboard did not start: $(screen)"
title0=$(tm display -p -t tui '#{pane_title}')
tm send-keys -t tui 3
wait_screen 'PROTO +LOCAL' || fail "no connection table: $(screen)"
tm send-keys -t tui n
wait_screen 'evil\\x1b\]2;pwned-dns' && pass "reverse DNS: the hostile name is shown escaped" ||
  fail "reverse DNS: no name: $(screen)"
shows "reverse DNS" 'evil\x1b]2;pwned-dns\x07'
clean "reverse DNS names"
tm send-keys -t tui q

finish
