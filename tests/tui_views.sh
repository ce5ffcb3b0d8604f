#!/bin/bash
# tui_views.sh - the dashboard's views as the user meets them, all made
# from one registry, replaying a checked-in recording without root: the
# footer's tabs and the help's view lines name the same keys in the same
# order; each number key shows its view (the help then names that view's
# own keys under its footer title); the banner's "press N" leads to the
# view where the banner is not needed.  Nothing here names a view: what
# one screen says is checked against the others.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
command -v tmux >/dev/null || skip_test "tmux is not installed (apt-get install tmux)"
rec="${TESTS_SRCDIR:-$(dirname "$0")}/data/recordings/basic.tdr"
[ -r "$rec" ] || hard_error "no recording $rec"

tmux_dashboard_setup tcpdeck-views
tm new-session -d -s tui -x 160 -y 50 \
  "env LANG=C.UTF-8 TERM=screen TZ=UTC timeout --foreground 120 $TCPDECK -r $rec; sleep 30"
# The replay plays to its end and holds there, where a finding fires.
wait_screen '^ ! .*press [^ )]' || hard_error "no banner at the end of the replay: $(screen | head -4)"

# The footer's tabs, " KEY TITLE " each, in order, before the main keys.
tabs=$(screen | tail -n 1 | sed 's/ Tab view .*//' | grep -oE ' [^ ] [a-z]+ ' | sed 's/^ //; s/ $//')
tab_keys=$(cut -d' ' -f1 <<<"$tabs" | tr -d '\n')
n=$(grep -c . <<<"$tabs")
[ "$n" -ge 7 ] && pass "the footer names $n views: $(tr '\n' ',' <<<"$tabs")" ||
  fail "footer tabs: '$tabs' in $(screen | tail -n 1)"
[ "$(cut -d' ' -f2 <<<"$tabs" | sort -u | wc -l)" -eq "$n" ] && pass "every title differs" ||
  fail "titles repeat: $tabs"

# The help's view lines: "  KEY  view KEY: what it shows".
tm send-keys -t tui '?'
wait_screen 'help: any key returns' || hard_error "no help: $(screen | head -3)"
help_keys=$(screen | sed -nE 's/^  (.) +view \1: .+/\1/p' | tr -d '\n')
[ "$help_keys" = "$tab_keys" ] && pass "help lists the views of the footer, in its order ($help_keys)" ||
  fail "help lists '$help_keys', the footer '$tab_keys'"
tm send-keys -t tui x

# Each key shows its view: the help then lists the keys of that view under
# the footer's title for it (views without keys of their own have none).
with_keys=0
while read -r key title; do
  tm send-keys -t tui -l "$key"
  tm send-keys -t tui '?'
  wait_screen 'help: any key returns' || fail "no help after $key"
  headings=$(screen | grep -oE 'In the [a-z]+ view:' | sort -u)
  if [ -z "$headings" ]; then
    :
  elif [ "$headings" = "In the $title view:" ]; then
    with_keys=$((with_keys + 1))
  else
    fail "after $key the help says '$headings', the footer names '$title'"
  fi
  tm send-keys -t tui x
  wait_screen " $key $title .*q quit" || fail "help did not close after $key"
done <<<"$tabs"
[ "$with_keys" -ge 5 ] && pass "$with_keys views list their own keys under their title" ||
  fail "only $with_keys views list their own keys"

# The banner's key shows the findings: the one view without the banner.
key=$(screen | sed -nE '3s/.*press (.)\).*/\1/p')
[ -n "$key" ] && [[ "$tab_keys" == *"$key"* ]] && pass "the banner says press $key, a view's key" ||
  fail "the banner's key '$key' is no view's: $(screen | sed -n 3p)"
tm send-keys -t tui -l "$key"
sleep 0.5
screen | grep -q '^ ! ' && fail "the banner stays on the view of key $key" ||
  pass "key $key shows the view the banner leads to, without it"
for other in $(grep -o . <<<"$tab_keys"); do
  [ "$other" = "$key" ] && continue
  tm send-keys -t tui -l "$other"
  wait_screen '^ ! ' || fail "no banner on the view of key $other"
done
pass "every other view shows the banner"
tm send-keys -t tui q
finish
