#!/bin/bash
# netns_names.sh - namespaces named by the container or pod whose cgroup
# holds the process inside, as `--netns all` shows them.
#
# Each case is a process alone in a network namespace of its own
# (`unshare -n sleep`, bounded by timeout), moved into a cgroup shaped
# like the one a container runtime would make, on the cgroup v2 hierarchy
# (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host):
#   docker   system.slice/docker-<64 hex>.scope (systemd driver)
#            -> the 12-character id
#   crio     machine.slice/crio-<64 hex>.scope -> the 12-character id
#   k8s      kubepods.slice/kubepods-besteffort.slice/
#            kubepods-besteffort-pod<uid, '-' as '_'>.slice/
#            cri-containerd-<64 hex>.scope (systemd driver)
#            -> "pod <uid>" (with '-' again)
#   k8sfs    kubepods/burstable/pod<uid>/<64 hex> (cgroupfs driver)
#            -> "pod <uid>"
# No Docker config.v2.json or /var/log/pods entry is written (the test
# does not write into the real /var), so the names are the id forms.
# Checks each name in the "namespaces" array (matched by inode), and that
# `--netns pid:PID` names the namespace the same way.  The cgroups are
# made only where they do not exist; the processes are moved back to the
# root cgroup and killed, and the directories removed, at exit.
set -u
. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_test "needs root (creates network namespaces and cgroups)"
command -v unshare >/dev/null || skip_test "unshare (util-linux) is not installed"
cg=$(awk '$9 == "cgroup2" { print $5 }' /proc/self/mountinfo | grep -E '^/sys/fs/cgroup(/unified)?$' |
  sort | head -n 1)
[ -n "$cg" ] || skip_test "no cgroup v2 hierarchy at /sys/fs/cgroup or /sys/fs/cgroup/unified"
probe="$cg/nstest-probe-$$"
mkdir "$probe" 2>/dev/null || skip_test "cannot create a cgroup under $cg (read-only or delegated elsewhere)"
rmdir "$probe"
echo "cgroup v2 hierarchy: $cg"

hex64() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
uuid() { cat /proc/sys/kernel/random/uuid; }

made=()   # directories this test created, parents first
pids=()   # the timeout processes
cleanup() {
  local p i
  for p in $(cat "${made[@]/%//cgroup.procs}" 2>/dev/null); do
    echo "$p" >"$cg/cgroup.procs" 2>/dev/null
  done
  kill_ours "${pids[@]}"
  wait 2>/dev/null
  for ((i = ${#made[@]} - 1; i >= 0; i--)); do rmdir "${made[$i]}" 2>/dev/null; done
}
trap cleanup EXIT

# mkcg RELPATH: creates the cgroup $cg/RELPATH and the parents it needs,
# remembering those it made.
mkcg() {
  local d=$cg part
  local IFS=/
  for part in $1; do
    d="$d/$part"
    if [ ! -d "$d" ]; then
      mkdir "$d" || hard_error "mkdir $d failed"
      made+=("$d")
    fi
  done
}

# contained KEY RELPATH: a `sleep` alone in a new network namespace, moved
# into cgroup RELPATH; sets pid_KEY and ino_KEY.
declare -A pid ino want
contained() {
  local key=$1 rel=$2 t child=""
  mkcg "$rel"
  timeout -k 5 60 unshare -n sleep 55 &
  t=$!
  pids+=("$t")
  for _ in $(seq 1 50); do
    child=$(cat /proc/"$t"/task/*/children 2>/dev/null | awk '{ print $1 }')
    [ -n "$child" ] && [ "$(readlink /proc/"$child"/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break
    child=""
    sleep 0.1
  done
  [ -n "$child" ] || hard_error "$key: the process did not start in a namespace of its own"
  echo "$child" >"$cg/$rel/cgroup.procs" || hard_error "$key: cannot move pid $child into $cg/$rel"
  grep -q -- "$rel\$" /proc/"$child"/cgroup || hard_error "$key: pid $child is not in $rel"
  pid[$key]=$child
  ino[$key]=$(stat -L -c %i /proc/"$child"/ns/net)
}

id_docker=$(hex64)
id_crio=$(hex64)
id_k8s=$(hex64)
id_k8sfs=$(hex64)
uid_k8s=$(uuid)
uid_k8sfs=$(uuid)

contained docker "system.slice/docker-$id_docker.scope"
want[docker]=${id_docker:0:12}
contained crio "machine.slice/crio-$id_crio.scope"
want[crio]=${id_crio:0:12}
contained k8s "kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${uid_k8s//-/_}.slice/cri-containerd-$id_k8s.scope"
want[k8s]="pod $uid_k8s"
contained k8sfs "kubepods/burstable/pod$uid_k8sfs/$id_k8sfs"
want[k8sfs]="pod $uid_k8sfs"

# ns_obj JSON INODE: the element of the "namespaces" array with that inode.
ns_obj() {
  printf '%s\n' "$1" | sed 's/{"netns": /\n&/g' | grep -E "\"inode\": $2([,} ]|\$)" | head -n 1
}
ns_name() {
  printf '%s\n' "$1" | sed -n 's/^{"netns": "\(\([^"\\]\|\\.\)*\)".*/\1/p'
}

errf=$(mktemp)
json=$(timeout 60 "$TCPDECK" -b -n 1 -o json --netns all 2>"$errf")
rc=$?
[ $rc -eq 0 ] && pass "--netns all: exit 0" || fail "--netns all: exit $rc: $(cat err.$$)"
rm -f "$errf"
for k in docker crio k8s k8sfs; do
  name=$(ns_name "$(ns_obj "$json" "${ino[$k]}")")
  [ "$name" = "${want[$k]}" ] && pass "$k (pid ${pid[$k]}) is named '$name'" ||
    fail "$k (pid ${pid[$k]}, inode ${ino[$k]}) is named '$name', expected '${want[$k]}'"
  one=$(timeout 60 "$TCPDECK" -b -n 1 -o json --netns "pid:${pid[$k]}" 2>&1)
  name=$(ns_name "$(ns_obj "$one" "${ino[$k]}")")
  [ "$name" = "${want[$k]}" ] && pass "--netns pid:${pid[$k]} names it '$name' too" ||
    fail "--netns pid:${pid[$k]}: '$name', expected '${want[$k]}': $one"
done

finish
