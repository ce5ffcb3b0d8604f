/*
 * source_record.c - replays a tcpdeck recording as a source, paced as it
 * was recorded (or controlled: pause, step, seek, speed), and tells a
 * recording from an ss -D dump for -r FILE.
 *
 * The reader (record_read.c) does the decoding; this file decides which
 * sample comes next and when.  sample() and pace() run on the sampler
 * thread, which alone uses the reader; the control functions run on any
 * thread and meet them only through the mutex-guarded request fields.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record_format.h"
#include "record_read.h"
#include "source_record.h"

/* How often a replay that caught up with a growing file looks again. */
#define POLL_GROWTH_S 0.5

struct source_record_control {
	pthread_mutex_t lock;
	/* Requests, set by any thread. */
	bool paused;
	double speed;
	bool want_index; /* show `target` next */
	size_t target;
	bool want_time; /* show the sample at `target_time` next */
	struct timespec target_time;
	long step; /* pending steps from the shown sample */
	bool step_pending;
	bool controlled; /* a UI holds the controls: hold at the end */
	/* Where the replay stands, written by the sampler thread. */
	struct source_record_status status;
};

struct replay {
	struct record_reader *reader;
	struct source_record_control ctl;
	size_t next; /* sample served next when playing on */
	bool shown_valid;
	size_t shown;
	bool tried; /* sample() was called: the first is not paced */
	char path[256];
};

static void
update_status(struct replay *rp)
{
	struct source_record_status *st = &rp->ctl.status;
	size_t known = record_reader_known(rp->reader);

	/* Caller holds the lock. */
	st->shown = rp->shown;
	st->shown_valid = rp->shown_valid;
	st->known = known;
	st->finished = record_reader_finished(rp->reader);
	if (rp->shown_valid)
		(void)record_reader_time(rp->reader, rp->shown, &st->shown_wall, NULL);
	if (known > 0) {
		(void)record_reader_time(rp->reader, 0, &st->first_wall, NULL);
		(void)record_reader_time(rp->reader, known - 1, &st->last_wall, NULL);
	}
}

/* Which sample to show next, from the pending requests.  Returns false
 * when the replay is paused with nothing requested.  Caller holds the
 * lock; sets *requested when a request (not playback) chose it, and
 * *by_time when the index is still to be found from *when. */
static bool
choose_next(struct replay *rp, size_t *index, bool *requested, bool *by_time, struct timespec *when)
{
	struct source_record_control *c = &rp->ctl;

	*requested = true;
	*by_time = false;
	if (c->want_time) {
		c->want_time = false;
		*by_time = true;
		*when = c->target_time;
		*index = 0;
		return true;
	}
	if (c->want_index) {
		c->want_index = false;
		*index = c->target;
		return true;
	}
	if (c->step_pending) {
		long step = c->step;
		size_t base = rp->shown_valid ? rp->shown : 0;

		c->step_pending = false;
		c->step = 0;
		if (step < 0)
			*index = (size_t)-step > base ? 0 : base - (size_t)-step;
		else
			*index = base + (size_t)step;
		return true;
	}
	*requested = false;
	if (c->paused)
		return false;
	*index = rp->next;
	return true;
}

static int
replay_sample(void *state, struct snapshot *snap, char *cause, size_t cause_len)
{
	struct replay *rp = state;
	struct source_record_control *c = &rp->ctl;
	bool requested, controlled, chosen, by_time;
	struct timespec when;
	size_t i;
	int rc;

	pthread_mutex_lock(&c->lock);
	chosen = choose_next(rp, &i, &requested, &by_time, &when);
	controlled = c->controlled;
	pthread_mutex_unlock(&c->lock);
	rp->tried = true;
	if (!chosen)
		return 2;
	if (by_time) {
		struct timespec last;
		size_t known;

		/* Index until a sample after the time is known (or the
		 * end), then take the last one at or before it. */
		while ((known = record_reader_known(rp->reader)) == 0 ||
		       (record_reader_time(rp->reader, known - 1, &last, NULL) == 0 &&
		        (last.tv_sec < when.tv_sec ||
		         (last.tv_sec == when.tv_sec && last.tv_nsec <= when.tv_nsec))))
			if (record_reader_reach(rp->reader, known, NULL, 0) != 0)
				break;
		i = record_reader_find_time(rp->reader, &when);
	}
	rc = record_reader_load(rp->reader, i, snap, cause, cause_len);
	if (rc == 1 && requested && record_reader_known(rp->reader) > 0) {
		/* Asked for beyond the end: the last sample there is. */
		i = record_reader_known(rp->reader) - 1;
		rc = record_reader_load(rp->reader, i, snap, cause, cause_len);
	}
	if (rc != 0) {
		pthread_mutex_lock(&c->lock);
		update_status(rp);
		if (rc < 0 && controlled && requested)
			/* A failed request (a step back beyond a pipe's
			 * window) leaves the replay where it was. */
			snprintf(c->status.error, sizeof(c->status.error), "%s", cause);
		pthread_mutex_unlock(&c->lock);
		if (rc < 0 && controlled && requested)
			return 2;
		if (controlled && rc > 0)
			return 2; /* hold at the end; more may be appended */
		if (rc > 0)
			snprintf(cause, cause_len, "%s", record_reader_note(rp->reader));
		return rc;
	}
	/* On a file, look one sample ahead: when this is the last whole one
	 * of a cut recording, the user learns it with this very sample.  A
	 * pipe is not read ahead (that would hold this sample back); its
	 * note comes as the cause at the end. */
	if (record_reader_seekable(rp->reader) &&
	    record_reader_reach(rp->reader, i + 1, NULL, 0) == 1 &&
	    record_reader_note(rp->reader)[0] != '\0')
		snprintf(snap->note, sizeof(snap->note), "%s", record_reader_note(rp->reader));
	pthread_mutex_lock(&c->lock);
	rp->shown = i;
	rp->shown_valid = true;
	rp->next = i + 1;
	c->status.error[0] = '\0';
	update_status(rp);
	pthread_mutex_unlock(&c->lock);
	return 0;
}

static double
ts_seconds(const struct timespec *t)
{
	return (double)t->tv_sec + (double)t->tv_nsec / 1e9;
}

static double
replay_pace(void *state)
{
	struct replay *rp = state;
	struct source_record_control *c = &rp->ctl;
	struct timespec shown, next;
	bool controlled;
	double delay;

	pthread_mutex_lock(&c->lock);
	controlled = c->controlled;
	if (c->want_index || c->want_time || c->step_pending) {
		pthread_mutex_unlock(&c->lock);
		return 0;
	}
	if (c->paused) {
		pthread_mutex_unlock(&c->lock);
		return SOURCE_PACE_HOLD;
	}
	pthread_mutex_unlock(&c->lock);
	if (!rp->tried)
		return 0;
	/* The reader is the sampler thread's: no lock needed for it. */
	if (record_reader_known(rp->reader) <= rp->next) {
		if (record_reader_finished(rp->reader))
			return controlled ? SOURCE_PACE_HOLD : 0;
		/* A file may grow; a pipe blocks in the read instead. */
		return POLL_GROWTH_S;
	}
	if (!rp->shown_valid)
		return 0;
	if (record_reader_time(rp->reader, rp->shown, NULL, &shown) < 0 ||
	    record_reader_time(rp->reader, rp->next, NULL, &next) < 0)
		return 0;
	delay = ts_seconds(&next) - ts_seconds(&shown);
	if (!(delay > 0))
		return 0;
	pthread_mutex_lock(&c->lock);
	delay /= c->speed;
	pthread_mutex_unlock(&c->lock);
	return delay;
}

static void
replay_free(void *state)
{
	struct replay *rp = state;

	if (rp == NULL)
		return;
	record_reader_free(rp->reader);
	pthread_mutex_destroy(&rp->ctl.lock);
	free(rp);
}

static const struct source_ops replay_ops = {
    .name = "recording",
    .sample = replay_sample,
    .pace = replay_pace,
    .free = replay_free,
};

int
source_record_open(struct source *src, const char *path, char *cause, size_t cause_len)
{
	struct replay *rp = calloc(1, sizeof(*rp));

	if (rp == NULL) {
		snprintf(cause, cause_len, "out of memory");
		errno = ENOMEM;
		return -1;
	}
	rp->reader = record_reader_open(path, cause, cause_len);
	if (rp->reader == NULL) {
		int err = errno;

		free(rp);
		errno = err;
		return -1;
	}
	snprintf(rp->path, sizeof(rp->path), "%s", path);
	pthread_mutex_init(&rp->ctl.lock, NULL);
	rp->ctl.speed = 1.0;
	rp->ctl.status.speed = 1.0;
	snprintf(rp->ctl.status.host, sizeof(rp->ctl.status.host), "%s",
	         record_reader_info(rp->reader)->host);
	src->ops = &replay_ops;
	src->state = rp;
	return 0;
}

struct source_record_control *
source_record_control(struct source *src)
{
	struct replay *rp;

	if (src->ops != &replay_ops)
		return NULL;
	rp = src->state;
	pthread_mutex_lock(&rp->ctl.lock);
	rp->ctl.controlled = true;
	pthread_mutex_unlock(&rp->ctl.lock);
	return &rp->ctl;
}

void
source_record_pause(struct source_record_control *ctl, bool paused)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->paused = paused;
	ctl->status.paused = paused;
	pthread_mutex_unlock(&ctl->lock);
}

void
source_record_step(struct source_record_control *ctl, long delta)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->paused = true;
	ctl->status.paused = true;
	ctl->step += delta;
	ctl->step_pending = true;
	ctl->want_index = false;
	ctl->want_time = false;
	pthread_mutex_unlock(&ctl->lock);
}

void
source_record_seek_time(struct source_record_control *ctl, const struct timespec *t)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->target_time = *t;
	ctl->want_time = true;
	ctl->want_index = false;
	ctl->step_pending = false;
	ctl->step = 0;
	pthread_mutex_unlock(&ctl->lock);
}

void
source_record_seek_index(struct source_record_control *ctl, size_t index)
{
	pthread_mutex_lock(&ctl->lock);
	ctl->target = index;
	ctl->want_index = true;
	ctl->want_time = false;
	ctl->step_pending = false;
	ctl->step = 0;
	pthread_mutex_unlock(&ctl->lock);
}

double
source_record_set_speed(struct source_record_control *ctl, double speed)
{
	if (!(speed >= SOURCE_RECORD_MIN_SPEED))
		speed = SOURCE_RECORD_MIN_SPEED;
	if (speed > SOURCE_RECORD_MAX_SPEED)
		speed = SOURCE_RECORD_MAX_SPEED;
	pthread_mutex_lock(&ctl->lock);
	ctl->speed = speed;
	ctl->status.speed = speed;
	pthread_mutex_unlock(&ctl->lock);
	return speed;
}

void
source_record_status(struct source_record_control *ctl, struct source_record_status *st)
{
	pthread_mutex_lock(&ctl->lock);
	*st = ctl->status;
	pthread_mutex_unlock(&ctl->lock);
}

/* Whether the first bytes can start an ss -D dump: a netlink header of a
 * length the file can hold, of a type a sock_diag dump contains. */
static bool
looks_like_ssdump(const uint8_t *head, size_t got, off_t size)
{
	struct nlmsghdr nlh;

	if (got < sizeof(nlh))
		return false;
	memcpy(&nlh, head, sizeof(nlh));
	return nlh.nlmsg_len >= sizeof(nlh) && (off_t)nlh.nlmsg_len <= size &&
	       (nlh.nlmsg_type == SOCK_DIAG_BY_FAMILY || nlh.nlmsg_type == NLMSG_DONE ||
	        nlh.nlmsg_type == NLMSG_ERROR || nlh.nlmsg_type == NLMSG_NOOP);
}

int
source_replay_open(struct source *src, const char *path, bool *is_recording, char *cause,
                   size_t cause_len)
{
	uint8_t head[sizeof(struct nlmsghdr)];
	struct stat st;
	ssize_t got = 0;
	int fd;

	if (strcmp(path, "-") == 0) {
		if (is_recording != NULL)
			*is_recording = true;
		return source_record_open(src, path, cause, cause_len);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		got = pread(fd, head, sizeof(head), 0);
		if (fstat(fd, &st) < 0)
			got = -1;
		close(fd);
	}
	if (fd >= 0 && got >= 0 && record_format_is_recording(head, (size_t)got)) {
		if (is_recording != NULL)
			*is_recording = true;
		return source_record_open(src, path, cause, cause_len);
	}
	if (is_recording != NULL)
		*is_recording = false;
	if (fd >= 0 && got >= 0 && S_ISREG(st.st_mode) &&
	    !looks_like_ssdump(head, (size_t)got, st.st_size)) {
		snprintf(cause, cause_len,
		         "'%s' is neither a tcpdeck recording (-w) nor a sock_diag dump (ss -D)",
		         path);
		errno = EINVAL;
		return -1;
	}
	/* The ss -D reader explains what else can be wrong (unreadable,
	 * not a regular file, too large, cut). */
	return source_ssdump_open(src, path, cause, cause_len);
}
