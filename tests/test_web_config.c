/*
 * test_web_config.c - the --web-config parser on good files and on one
 * bad file per refusal (message and line number checked), loading the
 * certificate files, and the basic-auth check against bcrypt hashes made
 * here with crypt(3), with its cache.
 */
#include "config.h"

#include <crypt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "web_config.h"

/* A bcrypt hash of password, cost 5 (fast enough for a test). */
static char *
make_hash(const char *password)
{
	struct crypt_data cd;
	const char *h;

	memset(&cd, 0, sizeof(cd));
	h = crypt_r(password, "$2b$05$abcdefghijklmnopqrstuu", &cd);
	assert_non_null(h);
	assert_int_equal(strlen(h), 60);
	return strdup(h);
}

static struct web_config *
parse(const char *text, char *cause, size_t cause_len)
{
	return web_config_parse(text, strlen(text), "t.yml", "/etc/tcpdeck", cause, cause_len);
}

static struct web_config *
good(const char *text)
{
	char cause[300] = "";
	struct web_config *c = parse(text, cause, sizeof(cause));

	if (c == NULL)
		fail_msg("refused: %s\n---\n%s", cause, text);
	return c;
}

/* text is refused with a message that starts "t.yml:LINE: " and holds
 * want. */
static void
bad(const char *text, unsigned int line, const char *want)
{
	char cause[300] = "", prefix[32];
	struct web_config *c = parse(text, cause, sizeof(cause));

	if (c != NULL) {
		web_config_free(c);
		fail_msg("accepted:\n%s", text);
	}
	snprintf(prefix, sizeof(prefix), "t.yml:%u: ", line);
	if (strncmp(cause, prefix, strlen(prefix)) != 0 || strstr(cause, want) == NULL)
		fail_msg("cause '%s', wanted '%s...%s'", cause, prefix, want);
	assert_null(strchr(cause, '\n'));
}

static const char hash_a[] = "$2b$10$abcdefghijklmnopqrstuuSOMEBCRYPTHASHBODYxxxxxxxxxxxxx";

static void
test_good_files(void **state)
{
	struct web_config *c;
	char text[1024];

	(void)state;
	/* Empty and comment-only files: no TLS, no users. */
	c = good("");
	assert_false(web_config_tls(c));
	assert_int_equal(web_config_users(c), 0);
	assert_true(web_config_check(c, NULL, NULL));
	web_config_free(c);
	c = good("# nothing\n\n   # still nothing\n---\n");
	web_config_free(c);

	c = good("tls_server_config:\n"
		 "  cert_file: server.crt   # relative: next to the config\n"
		 "  key_file: /abs/server.key\n"
		 "  client_auth_type: NoClientCert\n");
	assert_true(web_config_tls(c));
	assert_string_equal(web_config_cert_file(c), "/etc/tcpdeck/server.crt");
	assert_string_equal(web_config_key_file(c), "/abs/server.key");
	assert_null(web_config_cert_pem(c));
	web_config_free(c);

	/* Quoting, CRLF, a document marker, a byte order mark, comments
	 * after keys, other indentation widths. */
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf---\r\n"
		 "# users\r\n"
		 "basic_auth_users:   # comment\r\n"
		 "    alice: %s\r\n"
		 "    'bob''s': \"%s\"\r\n"
		 "    \"carol x\": '%s'  # c\r\n"
		 "tls_server_config:\r\n"
		 " \"cert_file\": \"a\\\\b\\\"c#d\"\r\n"
		 " key_file: 'k: #1'\r\n",
		 hash_a, hash_a, hash_a);
	c = good(text);
	assert_int_equal(web_config_users(c), 3);
	assert_string_equal(web_config_cert_file(c), "/etc/tcpdeck/a\\b\"c#d");
	assert_string_equal(web_config_key_file(c), "/etc/tcpdeck/k: #1");
	web_config_free(c);

	/* Empty sections and null values for them. */
	c = good("basic_auth_users:\ntls_server_config: ~\n  cert_file: c\n  key_file: k\n");
	assert_int_equal(web_config_users(c), 0);
	web_config_free(c);
	c = good("basic_auth_users: null\n");
	web_config_free(c);
}

static void
test_bad_files(void **state)
{
	char text[1024];

	(void)state;
	bad("tls_server_config:\n\tcert_file: x\n", 2, "tab in indentation");
	bad("basic_auth_users:\n  a\x01: b\n", 2, "control character (byte 0x01)");
	{
		static const char nul[] = "# ok\nbasic_auth_users:\n  a\0: b\n";
		char cause[200];

		assert_null(
		    web_config_parse(nul, sizeof(nul) - 1, "t.yml", NULL, cause, sizeof(cause)));
		assert_string_equal(cause, "t.yml:3: NUL byte");
	}
	bad("- item\n", 1, "sequences, flow collections, anchors, tags and block scalars are not "
		"supported");
	bad("{a: b}\n", 1, "'{'");
	bad("&anchor a: b\n", 1, "'&'");
	bad("? a\n", 1, "'?'");
	bad("tls_server_config:\n  cert_file: [a, b]\n", 2, "value of 'cert_file': '['");
	bad("tls_server_config:\n  cert_file: |\n", 2, "'|'");
	bad("tls_server_config:\n  cert_file: *alias\n", 2, "'*'");
	bad("tls_server_config:\n  cert_file: 'abc\n", 2, "unterminated single-quoted string");
	bad("tls_server_config:\n  cert_file: \"abc\n", 2, "unterminated double-quoted string");
	bad("tls_server_config:\n  cert_file: \"a\\qb\"\n", 2, "unsupported escape '\\q'");
	bad("tls_server_config:\n  cert_file: \"ab\\", 2, "bad escape at the end");
	bad("tls_server_config:\n  cert_file: 'a' b\n", 2, "unexpected text after a quoted string");
	bad("tls_server_config\n", 1, "expected 'key: value' or 'key:'");
	bad("# c\n\ntls_server_config # x: y\n", 3, "expected 'key: value' or 'key:'");
	bad("'tls_server_config' x:\n", 1, "expected 'key: value' or 'key:'");
	bad("tls_server_config:x\n", 1, "expected 'key: value' or 'key:'");
	bad("\"tls_server_config\":x\n", 1, "expected a blank after ':'");
	bad("tls_server_config:\n  cert_file: a: b\n", 2, "value of 'cert_file' holds ': '");
	bad("foo: bar\n", 1, "unknown key 'foo' (expected tls_server_config or basic_auth_users)");
	bad("http_server_config:\n  http2: false\n", 1,
	    "'http_server_config' is not supported by tcpdeck");
	bad("tls_server_config: yes\n", 1, "'tls_server_config' must be a mapping");
	bad("tls_server_config:\n  cert_file: c\n  key_file: k\ntls_server_config:\n", 4,
	    "'tls_server_config' given twice (first on line 1)");
	bad("basic_auth_users:\nbasic_auth_users:\n", 2, "'basic_auth_users' given twice");
	bad("  cert_file: c\n", 1, "unexpected indentation");
	bad("tls_server_config:\n  cert_file: c\n    key_file: k\n", 3,
	    "bad indentation: 4 spaces where the entries above have 2");
	bad("tls_server_config:\n  cert_file:\n    x: y\n", 2, "'cert_file' needs a value");
	bad("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: "
	    "RequireAndVerifyClientCert\n", 4,
	    "client_auth_type 'RequireAndVerifyClientCert' is not supported by tcpdeck");
	bad("tls_server_config:\n  min_version: TLS13\n", 2,
	    "'min_version' in tls_server_config is not supported by tcpdeck");
	bad("tls_server_config:\n  cipher_suites:\n", 2,
	    "'cipher_suites' in tls_server_config is not supported");
	bad("tls_server_config:\n  cert_flie: c\n", 2,
	    "unknown key 'cert_flie' in tls_server_config");
	bad("tls_server_config:\n  cert_file: c\n  cert_file: d\n", 3, "'cert_file' given twice");
	bad("tls_server_config:\n  cert_file: ''\n", 2, "'cert_file' is empty");
	bad("tls_server_config:\n  cert_file: c\n", 1,
	    "tls_server_config needs both cert_file and key_file");
	bad("# a comment\ntls_server_config:\n  key_file: k\n", 2,
	    "needs both cert_file and key_file");
	bad("basic_auth_users:\n  alice:\n", 2, "user 'alice' needs a password hash");
	bad("basic_auth_users:\n  alice: plaintext\n", 2,
	    "user 'alice': the password hash is not a bcrypt hash");
	bad("basic_auth_users:\n  alice: $1$abc$defghijklmnopqrstuvwxyz\n", 2, "not a bcrypt hash");
	snprintf(text, sizeof(text), "basic_auth_users:\n  alice: %.59s!\n", hash_a);
	bad(text, 2, "not a bcrypt hash");
	snprintf(text, sizeof(text), "basic_auth_users:\n  '': %s\n", hash_a);
	bad(text, 2, "empty user name");
	snprintf(text, sizeof(text), "basic_auth_users:\n  'a:b': %s\n", hash_a);
	bad(text, 2, "user 'a:b': a user name cannot hold ':'");
	snprintf(text, sizeof(text), "basic_auth_users:\n  alice: %s\n  alice: %s\n", hash_a,
	         hash_a);
	bad(text, 3, "user 'alice' given twice");
	/* Other people's bytes in a message are made safe. */
	bad("\xff\xfe: x\n", 1, "unknown key '");
}

static void
test_check(void **state)
{
	char *h_alice = make_hash("s3cret"), *h_bob = make_hash("hunter2");
	char text[512];
	struct web_config *c;

	(void)state;
	snprintf(text, sizeof(text), "basic_auth_users:\n  alice: %s\n  bob: '%s'\n", h_alice,
	         h_bob);
	c = good(text);
	assert_int_equal(web_config_users(c), 2);
	assert_false(web_config_check(c, NULL, NULL));
	assert_false(web_config_check(c, "alice", NULL));
	assert_false(web_config_check(c, "alice", "wrong"));
	assert_false(web_config_check(c, "alice", ""));
	assert_false(web_config_check(c, "alice", "hunter2"));
	assert_false(web_config_check(c, "mallory", "s3cret"));
	assert_false(web_config_check(c, "Alice", "s3cret"));
	assert_int_equal(web_config_cache_hits(c), 0);
	assert_true(web_config_check(c, "alice", "s3cret"));
	assert_int_equal(web_config_cache_hits(c), 0);
	/* The second time from the cache; a wrong password still fails. */
	assert_true(web_config_check(c, "alice", "s3cret"));
	assert_int_equal(web_config_cache_hits(c), 1);
	assert_false(web_config_check(c, "alice", "s3cret2"));
	assert_false(web_config_check(c, "bob", "s3cret"));
	assert_true(web_config_check(c, "bob", "hunter2"));
	assert_true(web_config_check(c, "bob", "hunter2"));
	assert_true(web_config_check(c, "alice", "s3cret"));
	assert_int_equal(web_config_cache_hits(c), 3);
	/* More verified pairs than slots: still right, never wrong. */
	for (int i = 0; i < WEB_CONFIG_CACHE_SLOTS + 2; i++)
		assert_true(
		    web_config_check(c, i % 2 ? "alice" : "bob", i % 2 ? "s3cret" : "hunter2"));
	assert_int_equal(web_config_throttled(c), 0);
	/* A flood of wrong passwords: bcrypt runs back to back and the
	 * budget refills at a quarter of that, so it runs out, whatever the
	 * machine's speed; a cached pair still passes then. */
	{
		int i;

		for (i = 0; i < 100000 && web_config_throttled(c) == 0; i++)
			assert_false(web_config_check(c, "alice", "guess"));
		assert_true(web_config_throttled(c) > 0);
		assert_true(web_config_check(c, "alice", "s3cret"));
	}
	web_config_free(c);
	free(h_alice);
	free(h_bob);
}

static void
basic_ok(const char *header, const char *want_user, const char *want_password)
{
	char *user, *password;

	if (web_config_parse_basic(header, &user, &password) != 0)
		fail_msg("refused: '%s'", header);
	assert_string_equal(user, want_user);
	assert_string_equal(password, want_password);
	free(user);
	free(password);
}

static void
basic_bad(const char *header)
{
	char *user = (char *)1, *password = (char *)1;

	if (web_config_parse_basic(header, &user, &password) == 0)
		fail_msg("accepted: '%s'", header != NULL ? header : "(no header)");
	assert_null(user);
	assert_null(password);
}

static void
test_basic_header(void **state)
{
	char big[5000];

	(void)state;
	basic_ok("Basic YWxpY2U6czNjcmV0", "alice", "s3cret");
	basic_ok("  basic \tYWxpY2U6czNjcmV0  ", "alice", "s3cret");
	basic_ok("BASIC Og==", "", "");
	basic_ok("Basic YTpiOmM=", "a", "b:c");
	basic_ok("Basic YWI6Yw==", "ab", "c");
	basic_bad(NULL);
	basic_bad("");
	basic_bad("Basic");
	basic_bad("Basic ");
	basic_bad("BasicYWxpY2U6czNjcmV0");
	basic_bad("Bearer YWxpY2U6czNjcmV0");
	basic_bad("Basic YWxpY2U6czNjcmV0=");   /* length not a multiple of 4 */
	basic_bad("Basic YWxp");                 /* "ali": no ':' */
	basic_bad("Basic YQBiOmM=");             /* a NUL byte */
	basic_bad("Basic YWxp*2U6");             /* not base64 */
	basic_bad("Basic YW=p");                 /* '=' inside */
	basic_bad("Basic YWI6Yx==");             /* leftover bits not zero */
	basic_bad("Basic ====");
	memcpy(big, "Basic ", 6);
	memset(big + 6, 'A', sizeof(big) - 7);
	big[sizeof(big) - 1] = '\0';
	basic_bad(big);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_load(void **state)
{
	char dir[] = "/tmp/promsec-webcfg.XXXXXX", path[128], p2[400], cause[400];
	struct web_config *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/web.yml", dir);

	c = web_config_load("/nonexistent/web.yml", cause, sizeof(cause));
	assert_null(c);
	assert_string_equal(cause, "cannot read web config '/nonexistent/web.yml': No such file or "
				   "directory");
	c = web_config_load(dir, cause, sizeof(cause));
	assert_null(c);
	assert_non_null(strstr(cause, "not a regular file"));

	write_file(path, "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n");
	c = web_config_load(path, cause, sizeof(cause));
	assert_null(c);
	snprintf(p2, sizeof(p2), "%s: cannot read '%s/server.crt': No such file or directory", path,
		 dir);
	assert_string_equal(cause, p2);

	snprintf(p2, sizeof(p2), "%s/server.crt", dir);
	write_file(p2, "CERT PEM\n");
	c = web_config_load(path, cause, sizeof(cause));
	assert_null(c);
	assert_non_null(strstr(cause, "server.key': No such file"));
	snprintf(p2, sizeof(p2), "%s/server.key", dir);
	write_file(p2, "KEY PEM\n");
	c = web_config_load(path, cause, sizeof(cause));
	if (c == NULL)
		fail_msg("%s", cause);
	assert_string_equal(web_config_cert_pem(c), "CERT PEM\n");
	assert_string_equal(web_config_key_pem(c), "KEY PEM\n");
	web_config_free(c);

	/* A bad file names itself and the line. */
	write_file(path, "tls_server_config:\n  cert_file: a\n  nope: 1\n");
	c = web_config_load(path, cause, sizeof(cause));
	assert_null(c);
	snprintf(p2, sizeof(p2), "%s:3: unknown key 'nope' in tls_server_config", path);
	assert_string_equal(cause, p2);

	unlink(path);
	snprintf(p2, sizeof(p2), "%s/server.crt", dir);
	unlink(p2);
	snprintf(p2, sizeof(p2), "%s/server.key", dir);
	unlink(p2);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_basic_header),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
