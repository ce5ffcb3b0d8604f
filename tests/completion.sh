#!/bin/bash
# completion.sh - the bash and zsh completions of tcpdeck (completion/).
#
# In a network namespace of its own, with a listener on a known port and
# an `ip netns` namespace of a known name: bash's _tcpdeck, called as
# bash calls it (COMP_WORDS, COMP_CWORD), completes options, views,
# formats, the columns of the view given (a comma list, names not given
# yet), states after `state`, filter keywords, ports in use after
# `sport =` and --who, namespace names after --netns and -N; and every
# option of `tcpdeck --help` is offered.  Then zsh (when installed), in
# tmux, lists the views, the listen view's columns and the ports.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${LISTENER:?LISTENER must name the test listener program}"
src=${TESTS_SRCDIR:-$(dirname "$0")}/../completion
[ -f "$src/tcpdeck.bash" ] || hard_error "no $src/tcpdeck.bash"
enter_private_netns "$@"

nsname="tcpdeck-compl-$$"
work=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-compl.XXXXXX") || hard_error "mktemp failed"
lpid=""
sock="tcpdeck-compl-$$"
tmux_pid=""
cleanup() {
  TMUX_TMPDIR=$work tmux -L "$sock" kill-server 2>/dev/null
  # (by pid only while that pid is still a tmux server: pids are reused)
  [ -n "$tmux_pid" ] && [ "$(cat "/proc/$tmux_pid/comm" 2>/dev/null)" = "tmux: server" ] &&
    kill "$tmux_pid" 2>/dev/null
  [ -n "$lpid" ] && kill_ours "$lpid"
  wait 2>/dev/null
  ip netns del "$nsname" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

: >"$work/ready"
"$LISTENER" 7301 1 >>"$work/ready" &
lpid=$!
for _ in $(seq 1 50); do grep -q ready "$work/ready" && break; sleep 0.1; done
grep -q ready "$work/ready" || hard_error "listener did not start"
ip netns add "$nsname" || hard_error "cannot add namespace $nsname"

# shellcheck source=/dev/null
. "$src/tcpdeck.bash"
complete -p tcpdeck | grep -q '_tcpdeck' && pass "complete -F _tcpdeck tcpdeck" ||
  fail "no completion registered: $(complete -p tcpdeck 2>&1)"

# comp WORDS...: the candidates for the last word (may be ""), sorted,
# space-separated, as bash would get them.
comp() {
  COMP_WORDS=("$TCPDECK" "$@")
  COMP_CWORD=$#
  COMP_LINE="${COMP_WORDS[*]}"
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _tcpdeck 2>/dev/null
  printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

# expect WHAT GOT WANT: exact candidates.
expect() {
  [ "$2" = "$3" ] && pass "$1: $2" || fail "$1: got '$2', want '$3'"
}
# expect_has WHAT GOT WORD...: these among the candidates.
expect_has() {
  local what=$1 got=$2 w missing=""
  shift 2
  for w in "$@"; do [[ " $got " == *" $w "* ]] || missing="$missing $w"; done
  [ -z "$missing" ] && pass "$what: has $*" || fail "$what: missing$missing in '$got'"
}

expect "--vi" "$(comp --vi)" "--view"
expect "--view c" "$(comp --view c)" "closed conns counters"
expect "--view=c (one word)" "$(comp --view=c)" "closed conns counters"
expect "--view = c (split at =)" "$(comp --view = c)" "closed conns counters"
expect "-o" "$(comp -b -o '')" "csv json prometheus text"
expect "--columns (conns)" "$(comp -b --view conns --columns rec)" "received recv-q recv-rate"
expect "--columns (listen)" "$(comp -b --view listen --columns s)" "syn_recv"
expect "--columns list, given names left out" "$(comp -b --view listen --columns local,pid,p)" \
  "local,pid,process"
expect "--columns, no view: conns" "$(comp -b --columns pro)" "process proto"
expect "-s" "$(comp -s rt)" "rtt rtt:desc"
expect "--sort, peers view" "$(comp --view peers -s tot)" "total"
expect "state WORD" "$(comp state est)" "established"
expect "exclude WORD" "$(comp exclude time)" "time-wait"
expect "filter keyword" "$(comp state established dp)" "dport"
expect "sport =" "$(comp sport = '')" ":7301"
expect "sport = : (split at :)" "$(comp sport = : '')" "7301"
expect "--who" "$(comp --who '')" "7301"
expect "--netns" "$(comp --netns tcpdeck-compl)" "$nsname"
expect_has "-N" "$(comp -N '')" "$nsname" all pid:
# Every option --help names is offered.
all=$(comp -)
missing=""
for o in $("$TCPDECK" --help | awk '/^ {2,6}-/ {
    for (i = 1; i <= NF; i++) { if ($i !~ /^--?[A-Za-z]/) break; sub(/,$/, "", $i); print $i } }'); do
  [[ " $all " == *" $o "* ]] || missing="$missing $o"
done
[ -z "$missing" ] && pass "every option of --help is offered ($(wc -w <<<"$all"))" ||
  fail "options of --help not offered:$missing"
expect_has "options" "$all" --columns --no-header -H --netns --view -b --no-mouse
[[ " $all " != *" --list "* ]] && pass "--list stays hidden" || fail "--list offered"
# A file after -r.
: >"$work/rec.tdr"
expect "-r FILE" "$(comp -r "$work/rec")" "$work/rec.tdr"

# --- zsh, in tmux --------------------------------------------------------------
if ! command -v zsh >/dev/null 2>&1; then
  note="zsh is not installed (tools/install-deps installs it): zsh completion not checked"
  echo "SKIP part: $note" >&2
  [ "${TCPDECK_REQUIRE_ZSH:-0}" = 1 ] && fail "$note"
  finish
fi
command -v tmux >/dev/null 2>&1 || hard_error "tmux is not installed (apt-get install tmux)"
mkdir -p "$work/zdot" "$work/bin"
ln -s "$TCPDECK" "$work/bin/tcpdeck"
cat >"$work/zdot/.zshrc" <<EOF
fpath=($src \$fpath)
PATH=$work/bin:\$PATH
autoload -U compinit && compinit -u -d $work/zcompdump
zstyle ':completion:*' list-rows-first true
PS1='zsh> '
EOF
TMUX_TMPDIR=$work tmux -L "$sock" -f /dev/null new-session -d -s z -x 200 -y 40 \
  "env ZDOTDIR=$work/zdot TERM=screen zsh -i"
tmux_pid=$(TMUX_TMPDIR=$work tmux -L "$sock" display-message -p '#{pid}')
zscreen() { TMUX_TMPDIR=$work tmux -L "$sock" capture-pane -p -t z; }
zkeys() { TMUX_TMPDIR=$work tmux -L "$sock" send-keys -t z "$@"; }
zwait() {
  for _ in $(seq 1 100); do zscreen | grep -Eq -- "$1" && return 0; sleep 0.1; done
  return 1
}
zwait '^zsh>' || hard_error "zsh did not start: $(zscreen)"
# ztry KEYS REGEX WHAT: types KEYS, Tab, expects REGEX on the screen, then
# clears the line.
ztry() {
  zkeys -l "$1"
  zkeys Tab
  if zwait "$2"; then pass "zsh: $3"; else fail "zsh: $3: $(zscreen | tail -n 8)"; fi
  zkeys C-u C-l
  sleep 0.2
}
ztry 'tcpdeck --view ' 'conns +counters|counters +conns' "--view lists the views"
ztry 'tcpdeck --vi' 'tcpdeck --view' "--vi completes to --view"
ztry 'tcpdeck -b --view listen --columns syn' 'columns syn_recv' "listen columns"
ztry 'tcpdeck --who ' '7301' "--who offers the port in use"
ztry 'tcpdeck state est' 'state established' "state words"

finish
