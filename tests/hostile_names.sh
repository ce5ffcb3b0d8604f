#!/bin/bash
# hostile_names.sh - a process whose name and command line hold terminal
# escape sequences and bytes that are not UTF-8 must not get them to the
# terminal.
#
# In a network namespace of its own: a copy of the test listener, its file
# named "evil<ESC>[31mname" (the kernel takes the process name from it),
# started with argv[0] "evil<ESC>]0;pwned<BEL><0x9b>2J argv" by exec -a,
# listens on a port and holds connections.  `tcpdeck --who PORT` and the
# listen and conns views in text and CSV must hold no ESC, BEL or C1 byte
# and show the name as "evil\x1b[31mname"; JSON escapes it ("\u001b").
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
enter_private_netns "$@"

PORT=9400
dir=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

evil_file=$'evil\e[31mname'
evil_argv0=$'evil\e]0;pwned\a\x9b2J argv'
cp "$LISTENER" "$dir/$evil_file" || hard_error "cannot copy the listener"
(cd "$dir" && exec -a "$evil_argv0" "./$evil_file" "$PORT" 2 >"$dir/ready") &
pid=$!
for _ in $(seq 1 50); do
  grep -q ready "$dir/ready" 2>/dev/null && break
  sleep 0.1
done
grep -q ready "$dir/ready" || hard_error "the listener did not start"
comm=$(cat "/proc/$pid/comm" 2>/dev/null)
[ "$comm" = "$evil_file" ] || hard_error "the process is named '$comm', not the hostile name"

# has_raw FILE: true when FILE holds ESC, BEL or a C1 byte (0x80-0x9f not
# after a UTF-8 lead byte: there is no UTF-8 in what we print).
has_raw() {
  LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f\x80-\x9f]' "$1"
}

# check NAME FILE VISIBLE...: FILE holds no raw control byte and every
# VISIBLE string (fixed).
check() {
  local name=$1 file=$2
  shift 2
  if [ ! -s "$file" ]; then
    fail "$name: no output"
    return
  fi
  if has_raw "$file"; then
    fail "$name: a raw control byte reached the output: $(od -c "$file" | head -n 5)"
  else
    pass "$name: no raw control byte"
  fi
  for visible in "$@"; do
    if grep -qF -- "$visible" "$file"; then
      pass "$name: shows $visible"
    else
      fail "$name: '$visible' not found in: $(head -c 600 "$file")"
    fi
  done
}

"$TCPDECK" --who "$PORT" >"$dir/who" 2>"$dir/who.err"
rc=$?
[ $rc -eq 0 ] || fail "--who $PORT: exit $rc: $(cat "$dir/who.err")"
check "--who" "$dir/who" 'evil\x1b]0;pwned\x07\x9b2J argv'

for view in listen conns; do
  for format in text csv; do
    "$TCPDECK" -b -n 1 --view "$view" -o "$format" >"$dir/$view.$format" 2>"$dir/err" ||
      fail "--view $view -o $format failed: $(cat "$dir/err")"
    check "--view $view -o $format" "$dir/$view.$format" 'evil\x1b[31mname'
  done
  "$TCPDECK" -b -n 1 --view "$view" -o json >"$dir/$view.json" 2>"$dir/err" ||
    fail "--view $view -o json failed: $(cat "$dir/err")"
  check "--view $view -o json" "$dir/$view.json" '"process": "evil\u001b[31mname"'
done

# The text columns stay aligned: the listener's row has as many fields as
# the header when split on blanks (the shown name has none).
hdr=$(sed -n 2p "$dir/listen.text" | awk '{ print NF }')
row=$(grep -F 'evil\x1b' "$dir/listen.text" | head -n 1 | awk '{ print NF }')
if [ "$hdr" = "$row" ]; then
  pass "listen text: the row has the header's $hdr columns"
else
  fail "listen text: header has $hdr columns, the hostile row $row"
fi

finish
