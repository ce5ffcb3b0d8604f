/*
 * sampler.c - the thread that turns a source into published snapshots.
 *
 * It is the only thread that calls the source.  Between samples it waits
 * on a condition variable against CLOCK_MONOTONIC, so an interval change
 * or a stop request takes effect at once.  It never prints: failures go
 * into the ring for the reader to report.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "close_listener.h"
#include "log.h"
#include "record_write.h"
#include "sampler.h"

struct sampler {
	struct source source;
	struct procmap *procmap;  /* NULL: no attribution */
	struct record_writer *recorder; /* NULL: not recording */
	struct close_listener *closes;  /* NULL: closes not heard */
	struct ring *ring;
	unsigned long max_samples;
	pthread_t thread;
	bool started;
	pthread_mutex_t lock; /* guards interval and stopping */
	pthread_cond_t wake;
	double interval;
	bool stopping;
	bool woken;           /* sampler_wake() since the last look */
	uint64_t shown;       /* sampler_shown(), under lock */
};

static uint64_t
ns_between(const struct timespec *a, const struct timespec *b)
{
	return (uint64_t)(b->tv_sec - a->tv_sec) * 1000000000ull + (uint64_t)b->tv_nsec -
	       (uint64_t)a->tv_nsec;
}

static struct timespec
add_seconds(struct timespec t, double seconds)
{
	long long ns = (long long)(seconds * 1e9);

	t.tv_sec += ns / 1000000000ll;
	t.tv_nsec += ns % 1000000000ll;
	if (t.tv_nsec >= 1000000000l) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000l;
	}
	return t;
}

/* Seconds from the start of the previous sample to the next: the
 * source's pace when it has one (a replay), else the interval.  Called
 * with the lock held; the source's pace takes its own lock only. */
static double
next_delay(struct sampler *sampler)
{
	if (sampler->source.ops->pace != NULL)
		return sampler->source.ops->pace(sampler->source.state);
	return sampler->interval;
}

static bool
reached(const struct timespec *now, const struct timespec *deadline)
{
	return now->tv_sec > deadline->tv_sec ||
	       (now->tv_sec == deadline->tv_sec && now->tv_nsec >= deadline->tv_nsec);
}

/* Sleeps until `start + delay`, re-reading the delay when woken; then,
 * while the dashboard has not shown sample `published` yet, for at most
 * half a delay more (sampler_shown()).  *held_ms receives how long that
 * second wait lasted, 0 when there was none.  Returns false when asked to
 * stop. */
static bool
wait_next(struct sampler *sampler, const struct timespec *start, uint64_t published,
	  double *held_ms)
{
	bool go_on, held = false;
	struct timespec due = {0}, now;

	pthread_mutex_lock(&sampler->lock);
	while (!sampler->stopping) {
		double delay = next_delay(sampler);
		struct timespec deadline = add_seconds(*start, delay);

		if (delay == SOURCE_PACE_HOLD) {
			/* Until sampler_wake(): then the pace is asked again. */
			if (!sampler->woken)
				pthread_cond_wait(&sampler->wake, &sampler->lock);
			sampler->woken = false;
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (reached(&now, &deadline)) {
			struct timespec hold_until = add_seconds(deadline, delay / 2);

			if (sampler->shown >= published || reached(&now, &hold_until))
				break;
			if (!held) {
				held = true;
				due = deadline;
			}
			(void)pthread_cond_timedwait(&sampler->wake, &sampler->lock, &hold_until);
			sampler->woken = false;
			continue;
		}
		if (sampler->woken) {
			sampler->woken = false;
			continue;
		}
		(void)pthread_cond_timedwait(&sampler->wake, &sampler->lock, &deadline);
		sampler->woken = false;
	}
	go_on = !sampler->stopping;
	pthread_mutex_unlock(&sampler->lock);
	*held_ms = held ? (double)ns_between(&due, &now) / 1e6 : 0;
	return go_on;
}

/*
 * Whether the heap's free memory should go back to the system: when it is
 * more than twice the memory in use and more than 64 MiB, the samples of
 * a load that has shrunk (a million sockets, then thousands) no longer
 * need it.  Below that it is kept on purpose (main.c): the next samples
 * reuse it, and the resident size stays that of the working set instead
 * of falling and climbing back at each minute.
 */
static bool
heap_shrank(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	struct mallinfo2 mi = mallinfo2();

	return mi.fordblks > 2 * mi.uordblks && mi.fordblks > ((size_t)64 << 20);
#else
	return true;
#endif
}

/*
 * Whether the snapshot arrays kept for the next samples should go: when
 * what is mapped, live and kept, is more than four times what the
 * minute's largest sample needed, plus 16 MiB.  The kept arrays serve
 * any size (snapshot.c), so after a load that has shrunk they would stay
 * as large as the largest sample.
 */
static bool
arrays_shrank(size_t minute_peak)
{
	size_t in_use, kept;

	snapshot_mapped(&in_use, &kept);
	log_msg("snapshot arrays: %.1f MB in use, %.1f MB kept for the next",
		(double)in_use / 1048576.0, (double)kept / 1048576.0);
	return kept > 0 &&
	       in_use + kept > 4 * minute_peak * sizeof(struct sock_entry) + ((size_t)16 << 20);
}

static void *
sampler_main(void *arg)
{
	struct sampler *sampler = arg;
	size_t last_count = 0;
	time_t heap_trimmed = 0;
	size_t minute_peak = 0; /* most sockets in a sample this minute */
	unsigned long taken = 0;
	double held_ms;
	char cause[256];

	for (;;) {
		struct timespec start, end, cpu_start, cpu_end;
		struct snapshot *snap;
		int rc;

		if (sampler->max_samples != 0 && taken == sampler->max_samples) {
			ring_close(sampler->ring, 0, "sample limit reached");
			break;
		}
		/* Room for the last count plus some growth avoids most
		 * reallocations during the dump. */
		snap = snapshot_new(last_count + last_count / 8);
		if (snap == NULL) {
			ring_close(sampler->ring, errno, "out of memory for a snapshot");
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &start);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_start);
		clock_gettime(CLOCK_REALTIME, &snap->taken_wall);
		snap->taken_mono = start;
		cause[0] = '\0';
		rc = sampler->source.ops->sample(sampler->source.state, snap, cause, sizeof(cause));
		if (rc == 2) {
			/* Nothing new now (a paused replay): ask again later. */
			snapshot_unref(snap);
			if (!wait_next(sampler, &start, 0, &held_ms))
				break;
			continue;
		}
		if (rc != 0) {
			int err = rc < 0 ? errno : 0;

			snapshot_unref(snap);
			ring_close(sampler->ring, err,
				   rc < 0 || cause[0] != '\0' ? cause : "end of input");
			break;
		}
		/* The connections closed since the sample before belong to
		 * the interval this sample ends. */
		if (sampler->closes != NULL) {
			close_listener_follow(sampler->closes, snap);
			close_listener_take(sampler->closes, snap);
		}
		if (sampler->procmap != NULL) {
			struct procmap_stats stats;

			/* Owners are extra: a failure leaves this sample
			 * without them, it does not end sampling. */
			if (procmap_attribute(sampler->procmap, snap, &stats) < 0) {
				int err = errno;

				log_msg("attribution failed: %s", strerror(err));
				/* Said to the user too, so a missing owner is
				 * not taken for a socket nobody holds. */
				if (snap->note[0] == '\0')
					snprintf(snap->note, sizeof(snap->note),
						 "owners unknown in this sample: %s%s", strerror(err),
						 err == EMFILE || err == ENFILE
							 ? " (raise ulimit -n)"
							 : "");
			} else
				log_msg("owners: %zu processes, %zu read (%zu fds), %zu found, "
					"%zu hidden, %zu unknown%s",
					stats.procs, stats.procs_scanned, stats.fds_read, stats.found,
					stats.hidden, stats.unknown,
					stats.table_rebuilt ? ", table rebuilt" : "");
		}
		/* The interval that paced this sample, for whoever prints
		 * or records it; a source with a pace of its own (a replay)
		 * brings the one it was recorded at, or none. */
		if (sampler->source.ops->pace == NULL)
			snap->interval_ns = (uint64_t)(sampler_interval(sampler) * 1e9 + 0.5);
		snap->last = sampler->max_samples != 0 && taken + 1 == sampler->max_samples;
		snapshot_seal(snap);
		clock_gettime(CLOCK_MONOTONIC, &end);
		/* A replay brings the time the recorded sample took. */
		if (snap->sample_ns == 0)
			snap->sample_ns = ns_between(&start, &end);
		last_count = snap->n_entries;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_end);
		log_msg("sample: %zu sockets in %.1f ms (%.1f ms cpu), %u dump restart(s)",
			snap->n_entries, (double)snap->sample_ns / 1e6,
			(double)ns_between(&cpu_start, &cpu_end) / 1e6, snap->dump_restarts);
		/* Once a minute: what the heap and the snapshot arrays hold,
		 * in the debug log, and back to the system when the load
		 * has shrunk. */
		if (snap->n_entries > minute_peak)
			minute_peak = snap->n_entries;
		if (end.tv_sec - heap_trimmed >= 60) {
			heap_trimmed = end.tv_sec;
			log_heap("each minute");
			if (heap_shrank()) {
#ifdef __GLIBC__
				malloc_trim(0);
#endif
				log_heap("given back");
			}
			if (arrays_shrank(minute_peak)) {
				snapshot_drop_spare();
				log_msg("snapshot arrays: the kept ones given back");
			}
			minute_peak = 0;
		}
		if (sampler->recorder != NULL) {
			/* Recorded after publishing, so the dashboard never
			 * waits for the disk; the snapshot is immutable now. */
			snapshot_ref(snap);
			ring_publish(sampler->ring, snap);
			rc = record_writer_add(sampler->recorder, snap, cause, sizeof(cause));
			snapshot_unref(snap);
			if (rc < 0) {
				int err = errno;

				/* Recording was asked for: stopping it silently
				 * would lose what the user wanted kept. */
				log_msg("%s", cause);
				ring_close(sampler->ring, err, cause);
				break;
			}
		} else {
			ring_publish(sampler->ring, snap);
		}
		taken++;
		if (sampler->max_samples != 0 && taken == sampler->max_samples) {
			ring_close(sampler->ring, 0, "sample limit reached");
			break;
		}
		if (!wait_next(sampler, &start, ring_last_seq(sampler->ring), &held_ms))
			break;
		if (held_ms > 0)
			log_msg("held: the next sample began %.1f ms late, the dashboard taking in the last one",
				held_ms);
	}
	if (sampler->recorder != NULL) {
		/* The end mark; a failure here loses no sample. */
		if (record_writer_close(sampler->recorder, cause, sizeof(cause)) < 0)
			log_msg("%s", cause);
		sampler->recorder = NULL;
	}
	return NULL;
}

struct sampler *
sampler_new(struct source *src, struct ring *ring, double interval_s, unsigned long max_samples)
{
	struct sampler *sampler = calloc(1, sizeof(*sampler));
	pthread_condattr_t attr;

	if (sampler == NULL)
		return NULL;
	sampler->source = *src;
	memset(src, 0, sizeof(*src));
	sampler->ring = ring;
	sampler->max_samples = max_samples;
	sampler->shown = SAMPLER_SHOWN_ALL;
	pthread_mutex_init(&sampler->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&sampler->wake, &attr);
	pthread_condattr_destroy(&attr);
	sampler_set_interval(sampler, interval_s);
	return sampler;
}

int
sampler_start(struct sampler *sampler)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&sampler->thread, NULL, sampler_main, sampler);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		errno = err;
		return -1;
	}
	sampler->started = true;
	return 0;
}

double
sampler_set_interval(struct sampler *sampler, double interval_s)
{
	if (!(interval_s >= SAMPLER_MIN_INTERVAL))
		interval_s = SAMPLER_MIN_INTERVAL;
	if (interval_s > SAMPLER_MAX_INTERVAL)
		interval_s = SAMPLER_MAX_INTERVAL;
	pthread_mutex_lock(&sampler->lock);
	sampler->interval = interval_s;
	pthread_cond_signal(&sampler->wake);
	pthread_mutex_unlock(&sampler->lock);
	return interval_s;
}

double
sampler_interval(struct sampler *sampler)
{
	double interval;

	pthread_mutex_lock(&sampler->lock);
	interval = sampler->interval;
	pthread_mutex_unlock(&sampler->lock);
	return interval;
}

void
sampler_stop(struct sampler *sampler)
{
	if (!sampler->started)
		return;
	pthread_mutex_lock(&sampler->lock);
	sampler->stopping = true;
	pthread_cond_signal(&sampler->wake);
	pthread_mutex_unlock(&sampler->lock);
	pthread_join(sampler->thread, NULL);
	sampler->started = false;
}

void
sampler_set_recorder(struct sampler *sampler, struct record_writer *writer)
{
	(void)record_writer_close(sampler->recorder, NULL, 0);
	sampler->recorder = writer;
}

void
sampler_wake(struct sampler *sampler)
{
	pthread_mutex_lock(&sampler->lock);
	sampler->woken = true;
	pthread_cond_signal(&sampler->wake);
	pthread_mutex_unlock(&sampler->lock);
}

void
sampler_shown(struct sampler *sampler, uint64_t seq)
{
	pthread_mutex_lock(&sampler->lock);
	if (sampler->shown != seq) {
		sampler->shown = seq;
		pthread_cond_signal(&sampler->wake);
	}
	pthread_mutex_unlock(&sampler->lock);
}

void
sampler_set_procmap(struct sampler *sampler, struct procmap *map)
{
	procmap_free(sampler->procmap);
	sampler->procmap = map;
}

void
sampler_free(struct sampler *sampler)
{
	if (sampler == NULL)
		return;
	sampler_stop(sampler);
	/* Never started: the recorder was not closed by the thread. */
	(void)record_writer_close(sampler->recorder, NULL, 0);
	source_close(&sampler->source);
	procmap_free(sampler->procmap);
	close_listener_free(sampler->closes);
	pthread_cond_destroy(&sampler->wake);
	pthread_mutex_destroy(&sampler->lock);
	free(sampler);
}

void
sampler_set_close_listener(struct sampler *sampler, struct close_listener *listener)
{
	close_listener_free(sampler->closes);
	sampler->closes = listener;
}
