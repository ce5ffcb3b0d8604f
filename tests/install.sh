#!/bin/bash
# install.sh - make install and make uninstall into a DESTDIR.
#
# Installs the build tree into a temporary DESTDIR and checks the exact
# list of files under the prefix: the programs, the man pages, the bash
# and zsh completions, the systemd unit (its ExecStart naming the
# installed binary) and every file of doc/prometheus; the installed
# tcpdeck runs, its man page formats, its bash completion registers.
# Then make uninstall leaves no file behind.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"
: "${TOP_BUILDDIR:?TOP_BUILDDIR must name the build directory}"
make=${MAKE_PROGRAM:-make}
srcdir=${TESTS_SRCDIR:-$(dirname "$0")}/..

dest=$(mktemp -d "${TMPDIR:-/tmp}/tcpdeck-install.XXXXXX") || hard_error "mktemp failed"
trap 'rm -rf "$dest"' EXIT

var() { sed -n "s|^$1 = ||p" "$TOP_BUILDDIR/Makefile" | head -n 1; }
prefix=$(var prefix)
[ -n "$prefix" ] || hard_error "no prefix in $TOP_BUILDDIR/Makefile"

# Sub-makes of this build tree; MAKEFLAGS of a parallel make check would
# hand them its job server.
env -u MAKEFLAGS -u MFLAGS timeout 300 $make -s -C "$TOP_BUILDDIR" install DESTDIR="$dest" \
  >"$dest.log" 2>&1 || hard_error "make install failed: $(tail -n 5 "$dest.log")"
rm -f "$dest.log"

want=$(
  {
    printf '%s\n' bin/tcpdeck bin/tcpdeck-stress \
      share/man/man1/tcpdeck.1 share/man/man1/tcpdeck-stress.1 share/man/man5/tcpdeck.conf.5 \
      share/bash-completion/completions/tcpdeck share/zsh/site-functions/_tcpdeck \
      lib/systemd/system/tcpdeck.service share/doc/tcpdeck/tcpdeck.service
    for f in "$srcdir"/doc/prometheus/*; do echo "share/doc/tcpdeck/prometheus/${f##*/}"; done
  } | sort
)
got=$(cd "$dest$prefix" 2>/dev/null && find . \( -type f -o -type l \) | sed 's|^\./||' | sort)
outside=$(cd "$dest" && find . \( -type f -o -type l \) | grep -v "^\.$prefix/" || true)
if [ "$got" = "$want" ]; then
  pass "make install DESTDIR: the $(wc -l <<<"$want") files expected under $prefix"
else
  fail "installed files differ:"$'\n'"$(diff <(echo "$want") <(echo "$got"))"
fi
[ -z "$outside" ] && pass "nothing outside the prefix" || fail "outside $prefix: $outside"

root=$dest$prefix
"$root/bin/tcpdeck" --version | grep -q '^tcpdeck [0-9]' && pass "installed tcpdeck runs" ||
  fail "installed tcpdeck --version: $("$root/bin/tcpdeck" --version 2>&1)"
if command -v man >/dev/null 2>&1; then
  MANWIDTH=80 man -l "$root/share/man/man1/tcpdeck.1" 2>/dev/null | grep -q -- '--columns' &&
    pass "installed man page formats" || fail "man -l tcpdeck.1 shows no --columns"
fi
grep -q "^ExecStart=$prefix/bin/tcpdeck " "$root/lib/systemd/system/tcpdeck.service" &&
  pass "the unit's ExecStart names $prefix/bin/tcpdeck" ||
  fail "unit: $(grep ExecStart= "$root/lib/systemd/system/tcpdeck.service")"
(
  # shellcheck source=/dev/null
  . "$root/share/bash-completion/completions/tcpdeck"
  complete -p tcpdeck
) | grep -q _tcpdeck && pass "installed bash completion registers" ||
  fail "installed bash completion does not register"
head -n 1 "$root/share/zsh/site-functions/_tcpdeck" | grep -q '^#compdef tcpdeck' &&
  pass "installed zsh completion is a #compdef file" || fail "zsh completion's first line"

env -u MAKEFLAGS -u MFLAGS timeout 300 $make -s -C "$TOP_BUILDDIR" uninstall DESTDIR="$dest" \
  >"$dest.log" 2>&1 || hard_error "make uninstall failed: $(tail -n 5 "$dest.log")"
rm -f "$dest.log"
left=$(cd "$dest" && find . \( -type f -o -type l \))
[ -z "$left" ] && pass "make uninstall removes every file" || fail "left after uninstall: $left"

finish
