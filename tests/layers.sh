#!/bin/bash
# layers.sh - the source folders are layers, and a layer may include only
# headers of its own layer or of the layers below it:
#
#   base < filter, record < collect < model < output < src (main, options), ui, serve
#
# ui, serve (the exporter's HTTP front end) and the top folder are the
# front ends' level; only ui/ may
# include curses.  Every quoted include must name a header of the tree, so
# a file moved to the wrong folder is caught too.  The checker first runs
# on a small tree with a known violation, to show it can fail.
set -u
. "${TESTS_SRCDIR:?}/lib.sh"

layer_rank() {
  case "$1" in
    base) echo 0 ;;
    filter | record) echo 1 ;;
    collect) echo 2 ;;
    model) echo 3 ;;
    output) echo 4 ;;
    top | ui | serve) echo 5 ;;
    *) echo -1 ;;
  esac
}

# Prints one line per violation found under source root $1.
check_tree() {
  local root=$1 file layer rank inc target tlayer trank
  declare -A header_layer=()
  while IFS= read -r file; do
    layer=$(dirname "${file#"$root"/}")
    [ "$layer" = . ] && layer=top
    header_layer[$(basename "$file")]=$layer
  done < <(find "$root" -name '*.h')
  while IFS= read -r file; do
    layer=$(dirname "${file#"$root"/}")
    [ "$layer" = . ] && layer=top
    rank=$(layer_rank "$layer")
    if [ "$rank" -lt 0 ]; then
      echo "$file: folder '$layer' is not a known layer"
      continue
    fi
    if [ "$layer" != ui ] && grep -qE '#include *<n?curses' "$file"; then
      echo "$file: only ui/ may include curses"
    fi
    while IFS= read -r inc; do
      target=$(basename "$inc")
      [ "$target" = config.h ] && continue
      tlayer=${header_layer[$target]:-}
      if [ -z "$tlayer" ]; then
        echo "$file: includes \"$inc\", which is not a header of the tree"
        continue
      fi
      trank=$(layer_rank "$tlayer")
      if [ "$trank" -gt "$rank" ]; then
        echo "$file ($layer) includes $target ($tlayer), a higher layer"
      fi
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$file")
  done < <(find "$root" -name '*.[ch]' | sort)
}

# The checker itself: a tree where base includes model, and model curses.
fake=$(mktemp -d)
trap 'rm -rf "$fake"' EXIT
mkdir -p "$fake/base" "$fake/model"
printf '#include "flows.h"\n' >"$fake/base/entry.h"
printf '#include <curses.h>\n#include "entry.h"\n' >"$fake/model/flows.h"
printf '#include "nowhere.h"\n' >"$fake/model/flows.c"
found=$(check_tree "$fake")
case "$found" in
  *"entry.h (base) includes flows.h (model)"*) pass "the checker sees a lower layer including a higher one" ;;
  *) fail "the checker missed base including model: $found" ;;
esac
case "$found" in
  *"only ui/ may include curses"*) pass "the checker sees curses outside ui/" ;;
  *) fail "the checker missed curses in model/: $found" ;;
esac
case "$found" in
  *"nowhere.h\", which is not a header"*) pass "the checker sees an include of no header in the tree" ;;
  *) fail "the checker missed an unknown header: $found" ;;
esac

src=$(cd "$TESTS_SRCDIR/../src" && pwd)
violations=$(check_tree "$src")
if [ -n "$violations" ]; then
  fail "layer order broken:"$'\n'"$violations"
else
  pass "$(find "$src" -name '*.[ch]' | wc -l) source files keep the layer order"
fi
finish
