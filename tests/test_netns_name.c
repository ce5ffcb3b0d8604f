/*
 * test_netns_name.c - naming network namespaces: the cgroup-file parser
 * on every runtime's and driver's paths, the config.v2.json scanner and
 * the pods directory names on hand-made and hostile bytes, and
 * netns_name_of() on the fixture trees of tests/data/netns (README
 * there).
 */
#include "config.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns_info.h"
#include "netns_name.h"

#define ID1 "3f2a9c0e1b7d4a5f8e6c2b1a0d9f8e7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f10"
#define ID3 "c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
#define UID1 "7c1e2f3a-4b5c-6d7e-8f90-a1b2c3d4e5f6"
#define UID1_ "7c1e2f3a_4b5c_6d7e_8f90_a1b2c3d4e5f6"
#define HOST_NS 4026531840u

/* ------------------------------------------------------------- cgroups */

static bool
cg(const char *text, struct netns_info *out, char *full_id)
{
	memset(out, 0x41, sizeof(*out)); /* garbage that must be overwritten */
	out->kind = NETNS_KIND_UNKNOWN;
	return netns_name_parse_cgroup(text, strlen(text), out, full_id, 72);
}

static void
assert_container(const char *text, const char *runtime, const char *full)
{
	struct netns_info ns;
	char full_id[72];

	assert_true(cg(text, &ns, full_id));
	assert_int_equal(ns.kind, NETNS_KIND_CONTAINER);
	assert_string_equal(ns.runtime, runtime);
	assert_int_equal(strlen(ns.id), 12);
	assert_memory_equal(ns.id, full, 12);
	assert_string_equal(ns.name, "");
	assert_string_equal(full_id, full);
}

static void
assert_pod(const char *text, const char *uid, const char *full)
{
	struct netns_info ns;
	char full_id[72];

	assert_true(cg(text, &ns, full_id));
	assert_int_equal(ns.kind, NETNS_KIND_POD);
	assert_string_equal(ns.id, uid);
	assert_string_equal(ns.name, "");
	assert_string_equal(full_id, full);
}

static void
assert_none(const char *text)
{
	struct netns_info ns;
	char full_id[72] = "junk";

	assert_false(cg(text, &ns, full_id));
	assert_string_equal(full_id, "");
}

static void
test_cgroup_containers(void **state)
{
	(void)state;
	/* Docker: systemd driver (v2, v1), cgroupfs driver (v1, v2) */
	assert_container("0::/system.slice/docker-" ID1 ".scope\n", "docker", ID1);
	assert_container("12:pids:/system.slice/docker-" ID1 ".scope\n"
			 "1:name=systemd:/system.slice/docker-" ID1 ".scope\n",
			 "docker", ID1);
	assert_container("11:memory:/docker/" ID1 "\n1:name=systemd:/docker/" ID1 "\n", "docker",
			 ID1);
	assert_container("0::/docker/" ID1, "docker", ID1); /* no newline at the end */
	/* containerd and CRI-O, outside Kubernetes */
	assert_container("0::/system.slice/cri-containerd-" ID1 ".scope\n", "containerd", ID1);
	assert_container("0::/machine.slice/crio-" ID1 ".scope\n", "cri-o", ID1);
	assert_container("0::/machine.slice/libpod-" ID1 ".scope/container\n", "podman", ID1);
	/* a process in a sub-cgroup of the container */
	assert_container("0::/system.slice/docker-" ID1 ".scope/init\n", "docker", ID1);
	/* the outermost container: docker in docker */
	assert_container("0::/docker/" ID1 "/docker/" ID3 "\n", "docker", ID1);
}

static void
test_cgroup_pods(void **state)
{
	(void)state;
	/* systemd driver: '_' for '-' in the uid, restored */
	assert_pod("0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_
		   ".slice/cri-containerd-" ID3 ".scope\n",
		   UID1, ID3);
	assert_pod("0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID1_
		   ".slice/crio-" ID3 ".scope\n",
		   UID1, ID3);
	/* guaranteed QoS: no class slice; the pod's own cgroup (pause) */
	assert_pod("0::/kubepods.slice/kubepods-pod" UID1_ ".slice\n", UID1, "");
	/* cgroupfs driver: the container a bare id */
	assert_pod("11:memory:/kubepods/besteffort/pod" UID1 "/" ID3 "\n"
		   "1:name=systemd:/kubepods/besteffort/pod" UID1 "/" ID3 "\n",
		   UID1, ID3);
	assert_pod("0::/kubepods/pod" UID1 "/" ID3 "\n", UID1, ID3);
	assert_pod("0::/kubepods/burstable/pod" UID1 "\n", UID1, "");
	/* a static pod: the uid is a hash */
	assert_pod("0::/kubepods/burstable/pod0123456789abcdef0123456789abcdef/" ID3 "\n",
		   "0123456789abcdef0123456789abcdef", ID3);
	/* kind (kubelet in docker): nested under a container */
	assert_pod("0::/system.slice/docker-" ID1 ".scope/kubelet.slice/kubelet-kubepods.slice/"
		   "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID1_
		   ".slice/cri-containerd-" ID3 ".scope\n",
		   UID1, ID1);
}

static void
test_cgroup_preference(void **state)
{
	(void)state;
	/* v1: the systemd hierarchy wins over a stale controller line */
	assert_container("4:memory:/docker/" ID1
	                 "\n1:name=systemd:/system.slice/cri-containerd-" ID3 ".scope\n",
	                 "containerd", ID3);
	/* name=systemd among other names */
	assert_container("4:memory:/docker/" ID1 "\n1:foo,name=systemd:/system.slice/crio-" ID3
			 ".scope\n",
			 "cri-o", ID3);
	/* the v2 line wins too */
	assert_container("4:memory:/docker/" ID1 "\n0::/machine.slice/crio-" ID3 ".scope\n",
	                 "cri-o", ID3);
	/* nothing on the preferred lines: any other line */
	assert_container("4:memory:/docker/" ID1 "\n1:name=systemd:/\n0::/\n", "docker", ID1);
	/* "name=systemdx" is not the systemd hierarchy */
	assert_container("1:name=systemdx:/docker/" ID1 "\n0::/machine.slice/crio-" ID3 ".scope\n",
			 "cri-o", ID3);
}

static void
test_cgroup_none(void **state)
{
	(void)state;
	assert_none("");
	assert_none("0::/\n");
	assert_none("0::/init.scope\n");
	assert_none("0::/user.slice/user-1000.slice/session-3.scope\n");
	assert_none(
	    "12:pids:/system.slice/ssh.service\n1:name=systemd:/system.slice/ssh.service\n");
	/* almost: wrong length, upper case, odd suffixes, conmon */
	assert_none("0::/system.slice/docker-" ID1 "0.scope\n");
	assert_none(
	    "0::/system.slice/"
	    "docker-3F2A9C0E1B7D4A5F8E6C2B1A0D9F8E7C6B5A4F3E2D1C0B9A8F7E6D5C4B3A2F10.scope\n");
	assert_none("0::/system.slice/docker-" ID1 ".scopex\n");
	assert_none("0::/system.slice/docker-" ID1 ".service\n");
	assert_none("0::/machine.slice/crio-conmon-" ID1 ".scope\n");
	assert_none("0::/system.slice/docker-.scope\n");
	/* a bare id outside Docker's and the kubelet's trees */
	assert_none("0::/somewhere/" ID1 "\n");
	/* pod-looking names that are not */
	assert_none("0::/kubepods.slice/kubepods-pod.slice\n");
	assert_none("0::/kubepods.slice/kubepods-podxyz_not_hex.slice\n");
	assert_none("0::/system.slice/pod" UID1 "\n");
	assert_none("0::/kubepods/pod\n");
	/* broken lines */
	assert_none("/docker/" ID1 "\n");
	assert_none("0:/docker/" ID1 "\n");
	assert_none(":::\n::\n\n\n0:\n");
}

static void
test_cgroup_hostile(void **state)
{
	struct netns_info ns;
	char full_id[72], small[8];
	static const char with_nul[] =
	    "0::/docker/\0" ID1 "\n0::/system.slice/crio-" ID1 ".scope\n";
	static const char nul_in_id[] = "0::/docker/3f2a\0" ID1;
	size_t big_len = 200000;
	char *big = malloc(big_len);
	uint64_t rng = 2463534242ull;

	(void)state;
	/* a NUL cuts nothing: the bytes after it are still read */
	assert_true(netns_name_parse_cgroup(with_nul, sizeof(with_nul) - 1, &ns, full_id,
					    sizeof(full_id)));
	assert_string_equal(ns.runtime, "cri-o");
	/* a NUL inside an id spoils it */
	assert_false(netns_name_parse_cgroup(nul_in_id, sizeof(nul_in_id) - 1, &ns, full_id,
					     sizeof(full_id)));
	/* control bytes and escapes in a path */
	assert_none("0::/\033]0;owned\a/docker/\033[2J\n");
	/* no full_id wanted, or a small one: cut and terminated */
	assert_true(netns_name_parse_cgroup("0::/docker/" ID1, 11 + 64, &ns, NULL, 0));
	assert_string_equal(ns.id, "3f2a9c0e1b7d");
	assert_true(netns_name_parse_cgroup("0::/docker/" ID1, 11 + 64, &ns, small, sizeof(small)));
	assert_string_equal(small, "3f2a9c0");
	/* an overlong file: a container at its very end is still found */
	assert_non_null(big);
	memset(big, '/', big_len);
	memcpy(big, "0::", 3);
	memcpy(big + big_len - 64, ID1, 64);
	memcpy(big + big_len - 64 - 8, "/docker/", 8);
	assert_true(netns_name_parse_cgroup(big, big_len, &ns, full_id, sizeof(full_id)));
	assert_string_equal(full_id, ID1);
	/* random bytes and mutated lines: terminated fields, sane kinds */
	for (int round = 0; round < 20000; round++) {
		static const char *seeds[] = {
		    "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID1_
		    ".slice/cri-containerd-" ID3 ".scope\n",
		    "11:memory:/kubepods/besteffort/pod" UID1 "/" ID3
		    "\n1:name=systemd:/docker/" ID1,
		};
		const char *seed = seeds[round % 2];
		size_t len = strlen(seed);
		char *buf = malloc(len);

		assert_non_null(buf);
		memcpy(buf, seed, len);
		for (int k = 0; k < 1 + round % 5; k++) {
			rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
			buf[rng % len] =
			    round % 3 ? "/:-_\n\0.ap"[(rng >> 32) % 10] : (char)(rng >> 24);
		}
		if (round % 7 == 0)
			len = (size_t)(rng >> 33) % len;
		memset(&ns, 0x7f, sizeof(ns));
		if (netns_name_parse_cgroup(buf, len, &ns, full_id, sizeof(full_id))) {
			assert_true(ns.kind == NETNS_KIND_POD || ns.kind == NETNS_KIND_CONTAINER);
			assert_non_null(memchr(ns.id, '\0', sizeof(ns.id)));
			assert_non_null(memchr(ns.runtime, '\0', sizeof(ns.runtime)));
			assert_string_equal(ns.name, "");
			assert_true(strlen(full_id) == 0 || strlen(full_id) == 64);
			if (ns.kind == NETNS_KIND_CONTAINER)
				assert_int_equal(strlen(ns.id), 12);
		}
		free(buf);
	}
	free(big);
}

/* ------------------------------------------------------- config.v2.json */

static bool
dj(const char *json, char *name, size_t name_len)
{
	/* an exact-size copy: ASan sees any read past the end */
	size_t len = strlen(json);
	char *copy = malloc(len ? len : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, json, len);
	ok = netns_name_parse_docker_config(copy, len, name, name_len);
	free(copy);
	return ok;
}

static void
test_docker_config(void **state)
{
	char name[96], small[6], big[400], json[600];
	char *deep;

	(void)state;
	assert_true(dj("{\"Name\":\"/web-1\"}", name, sizeof(name)));
	assert_string_equal(name, "web-1");
	assert_true(dj(" \n{ \"ID\" : \"x\" , \"Name\" \t: \"/db\" }", name, sizeof(name)));
	assert_string_equal(name, "db");
	/* nested "Name" keys, strings holding braces and "Name", are not it */
	assert_true(
	    dj("{\"Config\":{\"Labels\":{\"Name\":\"/no\"},\"Env\":[\"\\\"Name\\\":\\\"/no\\\"\","
	       "\"{[\"]},\"Name \":\"/no\",\"name\":\"/no\",\"X\":\"Name\",\"Name\":\"/yes\"}",
	       name, sizeof(name)));
	assert_string_equal(name, "yes");
	/* a "Name" that is not a string: keep looking */
	assert_true(dj("{\"Name\":5,\"Name\":\"/later\"}", name, sizeof(name)));
	assert_string_equal(name, "later");
	/* escapes: \/ \" \\ \u00e9 (UTF-8), \u0000 and surrogates as '?' */
	assert_true(dj("{\"Name\":\"\\/a\\\"b\\\\c\\u00e9\\u20ac\\u0000\\ud83d\\ude00\\t\"}", name,
		       sizeof(name)));
	assert_string_equal(name, "a\"b\\c\xc3\xa9\xe2\x82\xac???\t");
	/* raw control bytes stay (the views sanitize) */
	assert_true(dj("{\"Name\":\"/\x1b[31mred\"}", name, sizeof(name)));
	assert_string_equal(name, "\x1b[31mred");
	/* cut to fit, never inside a character */
	assert_true(dj("{\"Name\":\"/abcd\xc3\xa9\"}", small, sizeof(small)));
	assert_string_equal(small, "abcd");
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	snprintf(json, sizeof(json), "{\"Name\":\"/%s\"}", big);
	assert_true(dj(json, name, sizeof(name)));
	assert_int_equal(strlen(name), 95);

	/* none */
	assert_false(dj("", name, sizeof(name)));
	assert_string_equal(name, "");
	assert_false(dj("{}", name, sizeof(name)));
	assert_false(dj("[{\"Name\":\"/x\"}]", name, sizeof(name)));
	assert_false(dj("\"Name\":\"/x\"", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"/\"}", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"\"}", name, sizeof(name)));
	assert_false(dj("{\"A\":{\"Name\":\"/x\"}}", name, sizeof(name)));
	assert_false(dj("{\"A\":1}, \"Name\":\"/x\"}", name, sizeof(name)));
	/* cut short anywhere */
	assert_false(dj("{\"Config\":{\"Labels\":{\"Name\":\"/decoy\"", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"/web", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"/web\\", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"/web\\u00", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"/web\\u00zz\"}", name, sizeof(name)));
	assert_false(dj("{\"Name\":", name, sizeof(name)));
	assert_false(dj("{\"Name\"", name, sizeof(name)));
	assert_false(dj("{\"Na", name, sizeof(name)));
	assert_false(dj("{\"Name\":\"/x\"}", name, 0));
	/* deep nesting is counted, not recursed */
	deep = malloc(400003);
	assert_non_null(deep);
	deep[0] = '{';
	memcpy(deep + 1, "\"A\":", 4);
	memset(deep + 5, '[', 400000 - 5);
	strcpy(deep + 400000, "]}");
	assert_false(dj(deep, name, sizeof(name)));
	free(deep);
}

static void
test_pod_dir(void **state)
{
	char name[96], small[8];

	(void)state;
	assert_true(netns_name_parse_pod_dir("default_web-0_" UID1, UID1, name, sizeof(name)));
	assert_string_equal(name, "default/web-0");
	assert_true(netns_name_parse_pod_dir("kube-system_coredns-5d78c9869d-abcde_" UID1, UID1,
	                                     name, sizeof(name)));
	assert_string_equal(name, "kube-system/coredns-5d78c9869d-abcde");
	assert_true(netns_name_parse_pod_dir("default_web-0_" UID1, UID1, small, sizeof(small)));
	assert_string_equal(small, "default");
	assert_false(netns_name_parse_pod_dir("default_web-0_" UID1, UID1_, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir("default_web-0_" UID1 "x", UID1, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir("web-0_" UID1, UID1, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir("_web-0_" UID1, UID1, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir("default__" UID1, UID1, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir(UID1, UID1, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir("default-web-0-" UID1, UID1, name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir("a_b_c", "", name, sizeof(name)));
	assert_false(netns_name_parse_pod_dir(".", UID1, name, sizeof(name)));
	/* A namespace part longer than the name buffer: refused, never
	 * written past it (found by fuzzing). */
	{
		char dir[1024], big[600];

		memset(dir, 'n', 700);
		snprintf(dir + 700, sizeof(dir) - 700, "_web-0_%s", UID1);
		assert_false(netns_name_parse_pod_dir(dir, UID1, name, sizeof(name)));
		memset(dir, 'n', 500);
		snprintf(dir + 500, sizeof(dir) - 500, "_%0200d_%s", 7, UID1);
		assert_true(netns_name_parse_pod_dir(dir, UID1, big, sizeof(big)));
		assert_int_equal(big[500], '/');
		assert_int_equal(strlen(big), 511);
	}
}

/* ------------------------------------------------------- netns_name_of */

/*
 * The fixture: /proc read in place from tests/data/netns/proc; Docker's
 * and the pods directories built in a fresh directory (below the current
 * directory, the build directory under `make check`; /tmp when that is
 * not writable), because their real names (64-digit ids, pod uids) are
 * too long for the tar format of `make dist`:
 *   docker/containers/ID1/config.v2.json  <- docker/web-1.config.v2.json
 *   docker/containers/ID2/config.v2.json  <- docker/cut-short.config.v2.json
 *   pods/LINE/ for each line of pods.list
 */
#define ID2 "9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b"

struct fixture {
	char data[PATH_MAX], proc[PATH_MAX], root[PATH_MAX], docker[PATH_MAX], pods[PATH_MAX];
	struct netns_roots roots;
};

static void
pathf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
pathf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < size);
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out;
	size_t n;

	assert_non_null(in);
	out = fopen(to, "wb");
	assert_non_null(out);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

static void
add_container(const struct fixture *fx, const char *id, const char *config)
{
	char from[PATH_MAX], to[PATH_MAX];

	pathf(to, sizeof(to), "%s/containers/%s", fx->docker, id);
	assert_int_equal(mkdir(to, 0755), 0);
	pathf(from, sizeof(from), "%s/docker/%s", fx->data, config);
	pathf(to, sizeof(to), "%s/containers/%s/config.v2.json", fx->docker, id);
	copy_file(from, to);
}

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *dir = getenv("TESTS_SRCDIR");
	char path[PATH_MAX], line[512];
	FILE *list;

	assert_non_null(fx);
	pathf(fx->data, sizeof(fx->data), "%s/data/netns", dir != NULL ? dir : "tests");
	pathf(fx->proc, sizeof(fx->proc), "%s/proc", fx->data);
	pathf(fx->root, sizeof(fx->root), "./nsfind-name.XXXXXX");
	if (mkdtemp(fx->root) == NULL) {
		pathf(fx->root, sizeof(fx->root), "/tmp/nsfind-name.XXXXXX");
		assert_non_null(mkdtemp(fx->root));
	}
	pathf(fx->docker, sizeof(fx->docker), "%s/docker", fx->root);
	pathf(fx->pods, sizeof(fx->pods), "%s/pods", fx->root);
	assert_int_equal(mkdir(fx->docker, 0755), 0);
	pathf(path, sizeof(path), "%s/containers", fx->docker);
	assert_int_equal(mkdir(path, 0755), 0);
	add_container(fx, ID1, "web-1.config.v2.json");
	add_container(fx, ID2, "cut-short.config.v2.json");
	assert_int_equal(mkdir(fx->pods, 0755), 0);
	pathf(path, sizeof(path), "%s/pods.list", fx->data);
	list = fopen(path, "r");
	assert_non_null(list);
	while (fgets(line, sizeof(line), list) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		pathf(path, sizeof(path), "%s/%s", fx->pods, line);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	fclose(list);

	fx->roots.proc = fx->proc;
	fx->roots.mountinfo = NULL;
	fx->roots.run_netns = "/run/netns";
	fx->roots.docker = fx->docker;
	fx->roots.pods = fx->pods;
	*state = fx;
	return 0;
}

static void
rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char sub[PATH_MAX + 300];
	struct stat st;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			if (lstat(sub, &st) == 0 && S_ISDIR(st.st_mode))
				rm_tree(sub);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	rm_tree(fx->root);
	free(fx);
	return 0;
}

static void
name_of(const struct fixture *fx, uint32_t inode, int32_t pid, const char *netns_name,
	uint32_t host, struct netns_info *out)
{
	struct netns_ref ref;

	memset(&ref, 0, sizeof(ref));
	ref.inode = inode;
	ref.pid = pid;
	snprintf(ref.netns_name, sizeof(ref.netns_name), "%s", netns_name);
	memset(out, 0x33, sizeof(*out));
	netns_name_of(&ref, &fx->roots, host, out);
	assert_int_equal(out->inode, inode);
	assert_int_equal(out->pid, pid);
	assert_non_null(memchr(out->name, '\0', sizeof(out->name)));
	assert_non_null(memchr(out->id, '\0', sizeof(out->id)));
	assert_non_null(memchr(out->runtime, '\0', sizeof(out->runtime)));
}

static void
assert_short(const struct netns_info *ns, const char *want_short, const char *want_label)
{
	char buf[256];

	netns_info_short(ns, buf, sizeof(buf));
	assert_string_equal(buf, want_short);
	netns_info_label(ns, buf, sizeof(buf));
	assert_string_equal(buf, want_label);
}

static void
test_name_of_fixture(void **state)
{
	struct fixture *fx = *state;
	struct netns_info ns;

	/* pid 1's namespace */
	name_of(fx, HOST_NS, 1, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_HOST);
	assert_short(&ns, "host", "host");
	/* host unknown (0): pid 1 is a process like any other */
	name_of(fx, HOST_NS, 1, "", 0, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_PROCESS);
	assert_short(&ns, "pid 1 (systemd)", "pid 1 (systemd)");
	/* ip netns names come before whatever runs inside */
	name_of(fx, 4026532301u, 800, "blue", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_NAMED);
	assert_short(&ns, "blue", "netns blue");
	name_of(fx, 4026532302u, 0, "red", HOST_NS, &ns);
	assert_short(&ns, "red", "netns red");
	/* even the host's own namespace, if mounted: host wins */
	name_of(fx, HOST_NS, 1, "hostns", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_HOST);

	/* Docker with a name from config.v2.json (past the decoys) */
	name_of(fx, 4026532410u, 200, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_CONTAINER);
	assert_string_equal(ns.runtime, "docker");
	assert_short(&ns, "web-1", "container web-1 (3f2a9c0e1b7d)");
	/* Docker whose config.v2.json is cut short: the id */
	name_of(fx, 4026532420u, 300, "", HOST_NS, &ns);
	assert_string_equal(ns.runtime, "docker");
	assert_short(&ns, "9b8a7c6d5e4f", "container 9b8a7c6d5e4f");
	/* a pod named from the pods directory */
	name_of(fx, 4026532430u, 400, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_POD);
	assert_string_equal(ns.id, UID1);
	assert_short(&ns, "default/web-0", "pod default/web-0");
	/* a pod not there: its uid */
	name_of(fx, 4026532440u, 500, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_POD);
	assert_short(&ns, "pod 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
		     "pod 0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d");
	/* CRI-O and containerd: no names to read, the id */
	name_of(fx, 4026532450u, 600, "", HOST_NS, &ns);
	assert_string_equal(ns.runtime, "cri-o");
	assert_short(&ns, "e1e2e3e4e5e6", "container e1e2e3e4e5e6");
	name_of(fx, 4026532470u, 1100, "", HOST_NS, &ns);
	assert_string_equal(ns.runtime, "containerd");
	assert_short(&ns, "c0ffee012345", "container c0ffee012345");
	/* a plain process, its name raw */
	name_of(fx, 4026532460u, 700, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_PROCESS);
	assert_string_equal(ns.name, "evil\033[31m\a");
	/* hostile cgroup bytes, an empty comm */
	name_of(fx, 4026532480u, 1000, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_PROCESS);
	assert_string_equal(ns.name, "?");
	/* nobody inside, or the process gone: unknown */
	name_of(fx, 4026532999u, 0, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_UNKNOWN);
	assert_short(&ns, "netns:[4026532999]", "netns:[4026532999]");
	name_of(fx, 4026532999u, 4242, "", HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_UNKNOWN);
}

static void
test_name_of_roots_missing(void **state)
{
	struct fixture *fx = *state;
	struct netns_roots roots = fx->roots;
	struct netns_ref ref;
	struct netns_info ns;

	/* no docker or pods dirs: ids only */
	roots.docker = NULL;
	roots.pods = "/nonexistent-nsfind/pods";
	memset(&ref, 0, sizeof(ref));
	ref.inode = 4026532410u;
	ref.pid = 200;
	netns_name_of(&ref, &roots, HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_CONTAINER);
	assert_string_equal(ns.name, "");
	ref.inode = 4026532430u;
	ref.pid = 400;
	netns_name_of(&ref, &roots, HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_POD);
	assert_string_equal(ns.name, "");
	/* an ip netns name filling its field, unterminated: cut safely */
	memset(ref.netns_name, 'n', sizeof(ref.netns_name));
	netns_name_of(&ref, &roots, HOST_NS, &ns);
	assert_int_equal(ns.kind, NETNS_KIND_NAMED);
	assert_int_equal(strlen(ns.name), sizeof(ref.netns_name));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_containers),
		cmocka_unit_test(test_cgroup_pods),
		cmocka_unit_test(test_cgroup_preference),
		cmocka_unit_test(test_cgroup_none),
		cmocka_unit_test(test_cgroup_hostile),
		cmocka_unit_test(test_docker_config),
		cmocka_unit_test(test_pod_dir),
		cmocka_unit_test_setup_teardown(test_name_of_fixture, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_of_roots_missing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
