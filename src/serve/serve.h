/*
 * serve.h - the HTTP front end of the Prometheus exporter (--serve):
 * /metrics and an index page, served by libmicrohttpd's own thread.
 *
 * The sampling thread publishes each sample's expositions with
 * serve_publish() (a pointer swap under a mutex); every scrape takes a
 * reference to the latest and sends it, so a scrape never waits for a
 * dump and a slow client never holds up sampling.  GET and HEAD of
 * /metrics (OpenMetrics when the Accept header asks for
 * application/openmetrics-text, else the classic text format) and of /;
 * other paths 404, other methods 405.  Connections, per-address
 * connections, idle time and request header size are bounded.  With a
 * web configuration (web_config.h): TLS, and basic auth on every path.
 *
 * serve_start() and serve_stop() on the main thread; serve_publish() and
 * serve_scrapes() from the thread that feeds the exporter.  Only the
 * front end's own code includes this: the core library never links
 * libmicrohttpd.  Nothing here prints or exits.
 */
#ifndef TCPDECK_SERVE_H
#define TCPDECK_SERVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "prometheus.h"

/* The default port of --serve (doc/tcpdeck.1 says why this one). */
#define SERVE_DEFAULT_PORT 9791

/*
 * Limits of the server.  Idle or slow clients are bounded by count and
 * time, not by starving the scraper: one address may hold a quarter of
 * the connections, so 500 idle ones from 127.0.0.1 still leave room for
 * a scrape from there (an address over its share is refused at once),
 * and the connection limit sits below the limit of open files (raised
 * at start when the hard limit allows).  A connection idle for
 * SERVE_TIMEOUT_S is closed; request headers past SERVE_MEMORY_LIMIT
 * get 414/431 and a close.
 */
enum {
	SERVE_MAX_CONNECTIONS = 4096,
	SERVE_PER_ADDRESS_PERCENT = 25,
	SERVE_FD_RESERVE = 64,            /* open files kept for everything else */
	SERVE_TIMEOUT_S = 10,             /* an idle connection is closed */
	SERVE_MEMORY_LIMIT = 32 * 1024,   /* per connection: request headers */
};

/*
 * Parses "[ADDR:]PORT" ("9791", "127.0.0.1:9791", "0.0.0.0:9791",
 * "[::1]:9791", "[::]:9791") or an address alone ("0.0.0.0", "[::]",
 * "0.0.0.0:") into *addr; an address left out is 127.0.0.1, a port left
 * out SERVE_DEFAULT_PORT.  Returns 0, or -1 with a one-line cause.
 */
int serve_parse_address(const char *spec, struct sockaddr_storage *addr, socklen_t *len,
			char *cause, size_t cause_len);

struct serve;
struct web_config;

/* Starts listening on spec, with TLS and basic auth as web says (NULL:
 * plain HTTP, open); takes over web, also on failure.  NULL with a
 * one-line cause (bad address, port in use, TLS refused). */
struct serve *serve_start(const char *spec, struct web_config *web, char *cause,
			  size_t cause_len);

/* Stops the server (waits for its thread) and frees it.  NULL accepted. */
void serve_stop(struct serve *s);

/* Replaces the expositions scrapes get; takes over one reference to
 * each.  (void *: the prom_export_config.publish callback.) */
void serve_publish(void *serve, struct prom_blob *text, struct prom_blob *openmetrics);

/* Scrapes of /metrics answered so far (prom_export_config.scrapes). */
uint64_t serve_scrapes(void *serve);

#endif
