/*
 * netns_name.c - the name people know a network namespace by.
 *
 * Responsible for: turning a found namespace (netns_find.h) into a
 * struct netns_info: host, `ip netns` name, Kubernetes pod, container,
 * else the process inside.  The sources are files other people write:
 * /proc/PID/cgroup (any path a process may create under a delegated
 * cgroup), Docker's config.v2.json, the pods log directory's names,
 * /proc/PID/comm.  Every read is bounded, every parser works on a byte
 * range with an end, and names are copied raw (sanitizing is the views'
 * job) but always NUL-terminated, cut at a character boundary.
 * No state: any thread (the sampler's in practice).  Never prints, never
 * fails: what cannot be read leaves a plainer name.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns_name.h"

/* Bounds on what is read: a cgroup file is a few lines; a container's
 * config holds its environment and labels, and Name comes late in it. */
#define CGROUP_MAX 65536
#define DOCKER_CONFIG_MAX (1u << 20)

/* Up to max bytes of a file (a longer file is cut); -1 when unreadable. */
static ssize_t
read_head(const char *path, char *buf, size_t max)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while (len < max) {
		ssize_t n = read(fd, buf + len, max - len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return (ssize_t)len;
}

/* n raw bytes into dst: stops at a NUL, cut to fit without splitting a
 * UTF-8 character, always NUL-terminated. */
static void
copy_bytes(char *dst, size_t dst_len, const char *s, size_t n)
{
	const char *z;

	if (dst_len == 0)
		return;
	z = memchr(s, '\0', n);
	if (z != NULL)
		n = (size_t)(z - s);
	if (n >= dst_len) {
		size_t k = n = dst_len - 1;

		/* s[n] is the first byte dropped: when it continues a
		 * character, drop that character's first bytes too */
		for (int steps = 0; k > 0 && steps < 3 && ((unsigned char)s[k] & 0xc0) == 0x80;
		     steps++)
			k--;
		if (k < n && (unsigned char)s[k] >= 0xc0)
			n = k;
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static bool
starts(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);

	return n >= pl && memcmp(s, prefix, pl) == 0;
}

static bool
ends(const char *s, size_t n, const char *suffix)
{
	size_t sl = strlen(suffix);

	return n >= sl && memcmp(s + n - sl, suffix, sl) == 0;
}

static bool
contains(const char *s, size_t n, const char *what)
{
	size_t wl = strlen(what);

	for (size_t i = 0; i + wl <= n; i++)
		if (memcmp(s + i, what, wl) == 0)
			return true;
	return false;
}

static bool
is_hex64(const char *s, size_t n)
{
	if (n != 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* A pod UID as the kubelet writes it: a UUID, or for a static pod a hash
 * (32 hex digits); '_' in place of '-' under the systemd driver. */
static bool
is_uid(const char *s, size_t n)
{
	if (n < 8 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F') || s[i] == '-' || s[i] == '_'))
			return false;
	return true;
}

struct cg_found {
	const char *runtime; /* NULL: no container seen */
	const char *id;      /* 64 hex digits, inside the parsed bytes */
	const char *uid;     /* the pod's, inside the parsed bytes; NULL: none */
	size_t uid_len;
};

/* The container runtimes' systemd scope names: PREFIX<64 hex>.scope. */
static const struct {
	const char *prefix, *runtime;
} scopes[] = {
	{"docker-", "docker"},
	{"cri-containerd-", "containerd"},
	{"crio-", "cri-o"},
	{"libpod-", "podman"},
};

/* One cgroup path: the outermost container and pod it names. */
static void
classify_path(const char *p, size_t len, struct cg_found *f)
{
	const char *end = p + len, *prev = NULL;
	size_t prev_len = 0;
	bool kubepods = false;

	memset(f, 0, sizeof(*f));
	while (p < end) {
		const char *c, *slash;
		size_t n;

		while (p < end && *p == '/')
			p++;
		if (p >= end)
			break;
		slash = memchr(p, '/', (size_t)(end - p));
		c = p;
		n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		p = c + n;

		if (contains(c, n, "kubepods")) {
			/* systemd driver: kubepods-burstable-pod<uid>.slice
			 * (kind nests kubelet-kubepods-...) */
			kubepods = true;
			if (f->uid == NULL && ends(c, n, ".slice")) {
				const char *at = NULL;

				for (size_t i = 0; i + 4 <= n; i++)
					if (memcmp(c + i, "-pod", 4) == 0)
						at = c + i + 4;
				if (at != NULL && at <= c + n - 6 &&
				    is_uid(at, (size_t)(c + n - 6 - at))) {
					f->uid = at;
					f->uid_len = (size_t)(c + n - 6 - at);
				}
			}
		} else if (kubepods && f->uid == NULL && starts(c, n, "pod") &&
		           is_uid(c + 3, n - 3)) {
			/* cgroupfs driver: /kubepods/besteffort/pod<uid>/ */
			f->uid = c + 3;
			f->uid_len = n - 3;
		} else if (f->runtime == NULL && ends(c, n, ".scope")) {
			for (size_t i = 0; i < sizeof(scopes) / sizeof(scopes[0]); i++) {
				size_t pl = strlen(scopes[i].prefix);

				if (starts(c, n, scopes[i].prefix) && n >= pl + 6 &&
				    is_hex64(c + pl, n - pl - 6)) {
					f->runtime = scopes[i].runtime;
					f->id = c + pl;
					break;
				}
			}
		} else if (f->runtime == NULL && is_hex64(c, n)) {
			/* cgroupfs driver: /docker/<id>, or a bare id in a pod
			 * (the runtime does not show) */
			if (prev != NULL && prev_len == 6 && memcmp(prev, "docker", 6) == 0) {
				f->runtime = "docker";
				f->id = c;
			} else if (kubepods) {
				f->runtime = "";
				f->id = c;
			}
		}
		prev = c;
		prev_len = n;
	}
}

/* The systemd hierarchy (v1 "name=systemd") or the unified one (v2 "0::")
 * tells the service a process belongs to most plainly. */
static bool
preferred_line(const char *hier, size_t hl, const char *ctrl, size_t cl)
{
	if (hl == 1 && hier[0] == '0' && cl == 0)
		return true;
	for (const char *p = ctrl, *end = ctrl + cl; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (n == 12 && memcmp(p, "name=systemd", 12) == 0)
			return true;
		p += n + 1;
	}
	return false;
}

bool
netns_name_parse_cgroup(const char *bytes, size_t len, struct netns_info *out, char *full_id,
			size_t full_id_len)
{
	struct cg_found best = {0};
	bool found = false;

	/* pass 0: preferred lines; pass 1: any other */
	for (int pass = 0; pass < 2 && !found; pass++) {
		for (const char *p = bytes, *end = bytes + len; p < end && !found;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *c1 = memchr(p, ':', ll), *c2;
			struct cg_found f;

			c2 = c1 ? memchr(c1 + 1, ':', (size_t)(p + ll - c1 - 1)) : NULL;
			if (c2 != NULL &&
			    preferred_line(p, (size_t)(c1 - p), c1 + 1, (size_t)(c2 - c1 - 1)) ==
				    (pass == 0)) {
				classify_path(c2 + 1, (size_t)(p + ll - c2 - 1), &f);
				if (f.uid != NULL || f.runtime != NULL) {
					best = f;
					found = true;
				}
			}
			p += ll + 1;
		}
	}
	if (full_id != NULL && full_id_len > 0)
		full_id[0] = '\0';
	if (!found)
		return false;
	out->runtime[0] = '\0';
	out->name[0] = '\0';
	out->id[0] = '\0';
	if (best.id != NULL && full_id != NULL && full_id_len > 0)
		copy_bytes(full_id, full_id_len, best.id, 64);
	if (best.uid != NULL) {
		/* the pod wins: it is what people know */
		out->kind = NETNS_KIND_POD;
		copy_bytes(out->id, sizeof(out->id), best.uid, best.uid_len);
		for (char *q = out->id; *q != '\0'; q++)
			if (*q == '_')
				*q = '-';
		return true;
	}
	out->kind = NETNS_KIND_CONTAINER;
	copy_bytes(out->runtime, sizeof(out->runtime), best.runtime, strlen(best.runtime));
	copy_bytes(out->id, sizeof(out->id), best.id, 12);
	return true;
}

/* ----------------------------------------------------- config.v2.json */

static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A JSON string whose opening quote is at p[-1]: returns what follows its
 * closing quote, or NULL when it does not close before end.  When dst is
 * given, the decoded bytes go there (cut to fit, NUL-terminated, perhaps
 * inside a character: the caller's copy_bytes() cuts again); a NUL or a
 * surrogate becomes '?'.
 */
static const char *
json_string(const char *p, const char *end, char *dst, size_t dst_len)
{
	size_t o = 0;

	while (p < end) {
		char c = *p++;
		char enc[4];
		size_t el = 1;

		if (c == '"') {
			if (dst != NULL && dst_len > 0)
				dst[o] = '\0';
			return p;
		}
		enc[0] = c;
		if (c == '\\') {
			if (p >= end)
				return NULL;
			c = *p++;
			switch (c) {
			case 'b': enc[0] = '\b'; break;
			case 'f': enc[0] = '\f'; break;
			case 'n': enc[0] = '\n'; break;
			case 'r': enc[0] = '\r'; break;
			case 't': enc[0] = '\t'; break;
			case 'u': {
				unsigned int cp = 0;

				if (end - p < 4)
					return NULL;
				for (int i = 0; i < 4; i++) {
					int v = hexval(p[i]);

					if (v < 0)
						return NULL;
					cp = cp << 4 | (unsigned int)v;
				}
				p += 4;
				if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
					enc[0] = '?';
				} else if (cp < 0x80) {
					enc[0] = (char)cp;
				} else if (cp < 0x800) {
					enc[0] = (char)(0xc0 | cp >> 6);
					enc[1] = (char)(0x80 | (cp & 0x3f));
					el = 2;
				} else {
					enc[0] = (char)(0xe0 | cp >> 12);
					enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
					enc[2] = (char)(0x80 | (cp & 0x3f));
					el = 3;
				}
				break;
			}
			default: enc[0] = c; break; /* \" \\ \/ and anything else */
			}
		} else if (c == '\0') {
			enc[0] = '?';
		}
		if (dst != NULL && dst_len > 0) {
			for (size_t i = 0; i < el && o + 1 < dst_len; i++)
				dst[o++] = enc[i];
		}
	}
	return NULL;
}

bool
netns_name_parse_docker_config(const char *bytes, size_t len, char *name, size_t name_len)
{
	const char *p = bytes, *end = bytes + len;
	int depth = 0;

	if (name_len == 0)
		return false;
	name[0] = '\0';
	p = skip_ws(p, end);
	if (p >= end || *p != '{')
		return false;
	while (p < end) {
		char c = *p++;

		if (c == '{' || c == '[') {
			/* deep nesting is only counted, never recursed into */
			if (depth < 1000000)
				depth++;
		} else if (c == '}' || c == ']') {
			if (--depth <= 0)
				return false; /* the top-level object ended */
		} else if (c == '"') {
			const char *key = p, *after = json_string(p, end, NULL, 0);

			if (after == NULL)
				return false;
			p = after;
			if (depth != 1 || after - key != 5 || memcmp(key, "Name\"", 5) != 0)
				continue;
			p = skip_ws(p, end);
			if (p >= end || *p != ':')
				continue; /* a value "Name", not the key */
			p = skip_ws(p + 1, end);
			if (p >= end || *p != '"')
				continue; /* not a string: keep looking */
			{
				char buf[256];
				const char *s;

				if (json_string(p + 1, end, buf, sizeof(buf)) == NULL)
					return false;
				s = buf[0] == '/' ? buf + 1 : buf;
				if (*s == '\0')
					return false;
				copy_bytes(name, name_len, s, strlen(s));
				return true;
			}
		}
	}
	return false;
}

/* ----------------------------------------------------------- pods dir */

bool
netns_name_parse_pod_dir(const char *dirname, const char *uid, char *name, size_t name_len)
{
	size_t dl = strlen(dirname), ul = strlen(uid), pl;
	const char *us;
	char buf[512];

	if (name_len == 0 || ul == 0 || dl < ul + 4)
		return false;
	pl = dl - ul - 1; /* "<namespace>_<name>" */
	if (dirname[pl] != '_' || memcmp(dirname + pl + 1, uid, ul) != 0)
		return false;
	/* Kubernetes namespaces and pod names hold no '_' (DNS labels and
	 * subdomains), so the first '_' splits them. */
	us = memchr(dirname, '_', pl);
	if (us == NULL || us == dirname || us + 1 == dirname + pl)
		return false;
	if (pl + 1 > sizeof(buf))
		pl = sizeof(buf) - 1;
	/* A split past what fits is no Kubernetes namespace (at most 63
	 * bytes): no name rather than one cut before its '/'. */
	if ((size_t)(us - dirname) >= pl)
		return false;
	memcpy(buf, dirname, pl);
	buf[us - dirname] = '/';
	copy_bytes(name, name_len, buf, pl);
	return true;
}

static bool
pod_name(const char *pods, const char *uid, char *name, size_t name_len)
{
	DIR *d;
	struct dirent *de;
	bool found = false;

	if (pods == NULL || (d = opendir(pods)) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL)
		found = netns_name_parse_pod_dir(de->d_name, uid, name, name_len);
	closedir(d);
	return found;
}

/* ---------------------------------------------------------- the name */

void
netns_name_of(const struct netns_ref *ref, const struct netns_roots *roots, uint32_t host_inode,
	      struct netns_info *out)
{
	char path[4096], buf[256];
	char full_id[72];
	char *cg;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->inode = ref->inode;
	out->pid = ref->pid;
	out->kind = NETNS_KIND_UNKNOWN;
	if (host_inode != 0 && ref->inode == host_inode) {
		out->kind = NETNS_KIND_HOST;
		return;
	}
	if (ref->netns_name[0] != '\0') {
		out->kind = NETNS_KIND_NAMED;
		copy_bytes(out->name, sizeof(out->name), ref->netns_name,
			   strnlen(ref->netns_name, sizeof(ref->netns_name)));
		return;
	}
	if (ref->pid <= 0 || roots->proc == NULL)
		return;

	snprintf(path, sizeof(path), "%s/%ld/cgroup", roots->proc, (long)ref->pid);
	cg = malloc(CGROUP_MAX);
	if (cg != NULL) {
		struct netns_info got = *out;
		bool named = false;

		n = read_head(path, cg, CGROUP_MAX);
		if (n > 0 &&
		    netns_name_parse_cgroup(cg, (size_t)n, &got, full_id, sizeof(full_id))) {
			*out = got;
			named = true;
		}
		free(cg);
		if (named) {
			if (out->kind == NETNS_KIND_POD) {
				pod_name(roots->pods, out->id, out->name, sizeof(out->name));
			} else if (strcmp(out->runtime, "docker") == 0 && roots->docker != NULL &&
				   full_id[0] != '\0') {
				char *js = malloc(DOCKER_CONFIG_MAX);

				snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json",
					 roots->docker, full_id);
				if (js != NULL && (n = read_head(path, js, DOCKER_CONFIG_MAX)) > 0)
					netns_name_parse_docker_config(js, (size_t)n, out->name,
								       sizeof(out->name));
				free(js);
			}
			return;
		}
	}

	/* a process that is gone by now says nothing: UNKNOWN */
	snprintf(path, sizeof(path), "%s/%ld/comm", roots->proc, (long)ref->pid);
	n = read_head(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return;
	out->kind = NETNS_KIND_PROCESS;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0)
		copy_bytes(out->name, sizeof(out->name), buf, (size_t)n);
	else
		copy_bytes(out->name, sizeof(out->name), "?", 1);
}
