/*
 * netns_name.h - names a network namespace the way people know it.
 *
 * Best first (doc: netns-design "Names, best first"): the host's own
 * namespace; an `ip netns` name; the Kubernetes pod or the container
 * (Docker, containerd, CRI-O) whose cgroup a process inside belongs to,
 * with the container's name from Docker's config.v2.json and the pod's
 * "NAMESPACE/NAME" from the pods log directory; else "pid N (comm)".
 * Everything read is untrusted bytes (cgroup paths, JSON, directory names,
 * comm): bounded parsers, names kept raw but NUL-terminated and truncated.
 * Sampler thread (any thread: no global state).  Never prints, never
 * fails.
 */
#ifndef TCPDECK_NETNS_NAME_H
#define TCPDECK_NETNS_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netns_find.h"
#include "netns_info.h"

/* Names one namespace, filling *out (out->inode = ref->inode).
 * host_inode: the host's namespace -> NETNS_KIND_HOST.  Reads the
 * run_netns name from ref, /proc/PID/cgroup (v1 and v2, systemd and
 * cgroupfs drivers) of ref->pid, docker's config.v2.json, the pods log
 * dir, /proc/PID/comm.  Never fails: falls back to PROCESS, or UNKNOWN
 * when no process is known or it has gone (its comm unreadable); out->pid
 * is ref->pid whatever the kind.  Reads up to 1 MiB of config.v2.json:
 * callers keep names between samples. */
void netns_name_of(const struct netns_ref *ref, const struct netns_roots *roots,
		   uint32_t host_inode, struct netns_info *out);

/* Parses the contents of a /proc/PID/cgroup file; fills kind CONTAINER
 * (runtime + 12-char id, full 64-char id into full_id) or POD (uid into
 * id, with '-' restored from the systemd driver's '_'); returns false if
 * none.  A container inside a pod gives the POD (and its id in full_id).
 * runtime: "docker", "containerd", "cri-o", "podman", or "" for a bare id
 * under kubepods.  Found, it sets kind, runtime, id and empties name; the
 * rest of *out is left alone.  full_id is "" when none was found.
 * Pure on bytes (any bytes, NULs included). */
bool netns_name_parse_cgroup(const char *bytes, size_t len, struct netns_info *out,
			     char *full_id, size_t full_id_len);

/* The container's name from the bytes of Docker's config.v2.json: the
 * top-level "Name" string without its leading '/' ("/web-1" -> "web-1"),
 * JSON escapes decoded (a NUL or a surrogate becomes '?'), cut to fit
 * name_len.  False when there is none (any garbage, a cut file, nesting
 * of any depth).  Pure on bytes. */
bool netns_name_parse_docker_config(const char *bytes, size_t len, char *name, size_t name_len);

/* "NAMESPACE/NAME" when dirname (an entry of the pods log directory) is
 * "<namespace>_<name>_<uid>" for this uid.  Pure. */
bool netns_name_parse_pod_dir(const char *dirname, const char *uid, char *name, size_t name_len);

#endif
