/*
 * serve.c - /metrics over HTTP with libmicrohttpd.
 *
 * Threads: libmicrohttpd's polling thread runs on_request(); the thread
 * feeding the exporter calls serve_publish(); the main thread starts and
 * stops.  They meet at one mutex held for a pointer swap or a reference
 * taken, never while rendering or sending.  Must not print (the
 * dashboard may own the terminal): no MHD_USE_ERROR_LOG.
 *
 * With --web-config, TLS is libmicrohttpd's own (GnuTLS) and basic auth
 * is checked on every request before anything else is answered.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "serve.h"
#include "web_config.h"

struct serve {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	struct prom_blob *latest[PROM_FORMAT_COUNT]; /* under lock */
	uint64_t scrapes;                            /* atomic */
	struct web_config *web;                      /* owned; NULL: plain, open */
};

static const char index_page[] =
	"<!DOCTYPE html>\n<html><head><title>tcpdeck exporter</title></head>\n"
	"<body><h1>tcpdeck exporter</h1>\n"
	"<p>TCP socket states, listeners, kernel counters and findings: "
	"<a href=\"/metrics\">/metrics</a></p>\n</body></html>\n";

int
serve_parse_address(const char *spec, struct sockaddr_storage *addr, socklen_t *len, char *cause,
		    size_t cause_len)
{
	char host[64] = "127.0.0.1";
	const char *port_text = spec;
	char *end = NULL;
	unsigned long port = SERVE_DEFAULT_PORT;
	struct in_addr probe;

	memset(addr, 0, sizeof(*addr));
	if (spec[0] == '\0') {
		snprintf(cause, cause_len, "--serve needs [ADDR:]PORT, such as %d", SERVE_DEFAULT_PORT);
		return -1;
	}
	if (spec[0] == '[' && spec[strlen(spec) - 1] == ']') {
		/* "[ADDR]": the default port. */
		if (strlen(spec) - 2 >= sizeof(host)) {
			snprintf(cause, cause_len, "invalid --serve '%s': address too long", spec);
			return -1;
		}
		memcpy(host, spec + 1, strlen(spec) - 2);
		host[strlen(spec) - 2] = '\0';
		port_text = "";
	} else if (strchr(spec, ':') == NULL && inet_pton(AF_INET, spec, &probe) == 1) {
		/* "ADDR": the default port. */
		snprintf(host, sizeof(host), "%s", spec);
		port_text = "";
	} else if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (close == NULL || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof(host)) {
			snprintf(cause, cause_len, "invalid --serve '%s': expected [ADDR]:PORT", spec);
			return -1;
		}
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		port_text = close + 2;
	} else if (strchr(spec, ':') != NULL) {
		const char *colon = strrchr(spec, ':');

		if ((size_t)(colon - spec) >= sizeof(host)) {
			snprintf(cause, cause_len, "invalid --serve '%s': address too long", spec);
			return -1;
		}
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port_text = colon + 1;
	}
	errno = 0;
	/* "ADDR:" keeps the default port too. */
	if (port_text[0] != '\0')
		port = strtoul(port_text, &end, 10);
	if (port_text[0] != '\0' &&
	    (port_text[0] < '0' || port_text[0] > '9' || *end != '\0' || errno != 0 || port == 0 ||
	     port > 65535)) {
		snprintf(cause, cause_len, "invalid --serve '%s': expected a port from 1 to 65535",
			 spec);
		return -1;
	}
	if (strchr(host, ':') != NULL && spec[0] != '[') {
		snprintf(cause, cause_len, "invalid --serve '%s': an IPv6 address goes in brackets, "
			 "[ADDR]:PORT", spec);
		return -1;
	}
	if (spec[0] == '[') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1) {
			snprintf(cause, cause_len, "invalid --serve '%s': '%s' is not an IPv6 address",
				 spec, host);
			return -1;
		}
		*len = sizeof(*a6);
	} else {
		struct sockaddr_in *a4 = (struct sockaddr_in *)addr;

		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)port);
		if (host[0] == '\0')
			strcpy(host, "127.0.0.1");
		if (inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
			snprintf(cause, cause_len, "invalid --serve '%s': '%s' is not an IPv4 address",
				 spec, host);
			return -1;
		}
		*len = sizeof(*a4);
	}
	return 0;
}

/* The response's free callback: drops the scrape's reference. */
static void
blob_release(void *cls)
{
	prom_blob_unref(cls);
}

static enum MHD_Result
send_text(struct MHD_Connection *conn, unsigned int status, const char *body, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* Whether the Accept header asks for OpenMetrics. */
static bool
wants_openmetrics(struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);

	return accept != NULL && strstr(accept, "application/openmetrics-text") != NULL;
}

static enum MHD_Result
send_metrics(struct serve *s, struct MHD_Connection *conn)
{
	enum prom_format f = wants_openmetrics(conn) ? PROM_OPENMETRICS : PROM_TEXT;
	struct prom_blob *blob;
	struct MHD_Response *r;
	enum MHD_Result rc;

	pthread_mutex_lock(&s->lock);
	blob = s->latest[f] != NULL ? prom_blob_ref(s->latest[f]) : NULL;
	pthread_mutex_unlock(&s->lock);
	if (blob == NULL)
		return send_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no sample taken yet\n",
				 "text/plain; charset=utf-8");
	r = MHD_create_response_from_buffer_with_free_callback_cls(blob->len, blob->data,
								   blob_release, blob);
	if (r == NULL) {
		prom_blob_unref(blob);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, prom_content_type(f));
	__atomic_add_fetch(&s->scrapes, 1, __ATOMIC_RELAXED);
	rc = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

/* Whether the request's basic-auth credentials are a configured user's.
 * (The header is parsed here rather than by libmicrohttpd, whose
 * basic-auth calls changed between 0.9.75 and 1.0.) */
static bool
authorized(struct serve *s, struct MHD_Connection *conn)
{
	char *user, *password;
	bool ok;

	if (web_config_parse_basic(MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							       MHD_HTTP_HEADER_AUTHORIZATION),
				   &user, &password) < 0)
		return web_config_check(s->web, NULL, NULL);
	ok = web_config_check(s->web, user, password);
	explicit_bzero(password, strlen(password));
	free(password);
	free(user);
	return ok;
}

static enum MHD_Result
send_unauthorized(struct MHD_Connection *conn)
{
	static const char body[] = "401 unauthorized\n";
	struct MHD_Response *r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
								MHD_RESPMEM_PERSISTENT);
	enum MHD_Result rc;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
				"Basic realm=\"tcpdeck\", charset=\"UTF-8\"");
	rc = MHD_queue_response(conn, MHD_HTTP_UNAUTHORIZED, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	static int headers_seen;
	struct serve *s = cls;
	bool is_metrics = strcmp(url, "/metrics") == 0, is_index = strcmp(url, "/") == 0;

	(void)version;
	(void)upload_data;
	/* The first call brings the headers only.  A response queued then
	 * would make libmicrohttpd close the connection after it (the
	 * request might still have a body coming): answer on the next
	 * call, so scrapers keep their connection alive. */
	if (*con_cls == NULL) {
		*con_cls = &headers_seen;
		return MHD_YES;
	}
	/* A body (not wanted here) is read and dropped. */
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (s->web != NULL && web_config_users(s->web) > 0 && !authorized(s, conn))
		return send_unauthorized(conn);
	if (!is_metrics && !is_index)
		return send_text(conn, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n",
				 "text/plain; charset=utf-8");
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n",
				 "text/plain; charset=utf-8");
	if (is_index)
		return send_text(conn, MHD_HTTP_OK, index_page, "text/html; charset=utf-8");
	return send_metrics(s, conn);
}

/*
 * How many connections fit: SERVE_MAX_CONNECTIONS, or fewer when the
 * limit of open files is lower (raised to its hard limit first), with
 * SERVE_FD_RESERVE left for the sampler and the dashboard.  Accepting
 * past it would fail on EMFILE instead of refusing cleanly.
 */
static unsigned int
connection_limit(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)SERVE_MAX_CONNECTIONS + SERVE_FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return SERVE_MAX_CONNECTIONS;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		struct rlimit up = rl;

		up.rlim_cur =
		    rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return SERVE_MAX_CONNECTIONS;
	if (rl.rlim_cur <= 2 * SERVE_FD_RESERVE)
		return (unsigned int)(rl.rlim_cur / 2);
	return (unsigned int)(rl.rlim_cur - SERVE_FD_RESERVE);
}

struct serve *
serve_start(const char *spec, struct web_config *web, char *cause, size_t cause_len)
{
	struct sockaddr_storage addr;
	socklen_t addr_len;
	struct serve *s;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	unsigned int limit, per_address;
	struct MHD_OptionItem tls[3] = {{MHD_OPTION_END, 0, NULL}};

	if (serve_parse_address(spec, &addr, &addr_len, cause, cause_len) < 0) {
		web_config_free(web);
		return NULL;
	}
	if (web != NULL && web_config_tls(web)) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(cause, cause_len,
			         "--web-config asks for TLS, and this libmicrohttpd "
			         "is built without TLS support (GnuTLS)");
			web_config_free(web);
			return NULL;
		}
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
						 (void *)web_config_key_pem(web)};
		tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
						 (void *)web_config_cert_pem(web)};
		tls[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(cause, cause_len, "--serve: out of memory");
		web_config_free(web);
		return NULL;
	}
	s->web = web;
	pthread_mutex_init(&s->lock, NULL);
	limit = connection_limit();
	per_address = limit * SERVE_PER_ADDRESS_PERCENT / 100;
	if (per_address == 0)
		per_address = 1;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else
		flags |= MHD_USE_POLL;
	errno = 0;
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
	                             (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, limit,
	                             MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address,
	                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)SERVE_TIMEOUT_S,
	                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)SERVE_MEMORY_LIMIT,
	                             MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
	if (s->daemon == NULL) {
		int err = errno;

		if (web != NULL && web_config_tls(web))
			snprintf(
			    cause, cause_len,
			    "--serve %s: cannot start the TLS server%s%s (check "
			    "cert_file and key_file: a PEM certificate and its unencrypted key)",
			    spec, err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		else
			snprintf(cause, cause_len, "--serve %s: cannot listen%s%s", spec,
				 err != 0 ? ": " : "", err != 0 ? strerror(err) : "");
		web_config_free(web);
		pthread_mutex_destroy(&s->lock);
		free(s);
		return NULL;
	}
	return s;
}

void
serve_stop(struct serve *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->daemon);
	for (int f = 0; f < PROM_FORMAT_COUNT; f++)
		prom_blob_unref(s->latest[f]);
	pthread_mutex_destroy(&s->lock);
	web_config_free(s->web);
	free(s);
}

void
serve_publish(void *serve, struct prom_blob *text, struct prom_blob *openmetrics)
{
	struct serve *s = serve;
	struct prom_blob *old[PROM_FORMAT_COUNT];

	pthread_mutex_lock(&s->lock);
	old[PROM_TEXT] = s->latest[PROM_TEXT];
	old[PROM_OPENMETRICS] = s->latest[PROM_OPENMETRICS];
	s->latest[PROM_TEXT] = text;
	s->latest[PROM_OPENMETRICS] = openmetrics;
	pthread_mutex_unlock(&s->lock);
	/* Freed outside the lock; a scrape still sending one keeps it. */
	prom_blob_unref(old[PROM_TEXT]);
	prom_blob_unref(old[PROM_OPENMETRICS]);
}

uint64_t
serve_scrapes(void *serve)
{
	struct serve *s = serve;

	return __atomic_load_n(&s->scrapes, __ATOMIC_RELAXED);
}
