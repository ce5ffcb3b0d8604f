/*
 * page_release.h - giving the pages of a large working array back to the
 * kernel between uses, while the array stays allocated.
 *
 * A model's working arrays are kept from one sample to the next: freeing
 * them would leave holes in the heap that the next sample's arrays of
 * other sizes do not fit, and the heap would grow.  Kept, they are
 * resident all the time, and at a million sockets the working arrays of
 * each model, resident together, add tens of megabytes to the peak though
 * each is used for a moment per sample.  Releasing the pages instead
 * (MADV_DONTNEED) keeps the allocation where it is and takes the memory
 * out of the resident set; the next write faults in zeroed pages.  Only
 * pages wholly inside the array are released (a heap block shares its
 * first and last page with its neighbours).
 *
 * Contents are lost: only for arrays that are rewritten before they are
 * read again.
 */
#ifndef TCPDECK_PAGE_RELEASE_H
#define TCPDECK_PAGE_RELEASE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

/* Arrays smaller than this are left resident: releasing them saves little
 * and faulting them in again costs as much as the work they serve. */
#define PAGE_RELEASE_MIN_BYTES ((size_t)1 << 20)

/* Models release their working arrays only for samples of more sockets
 * than this.  Below it the pages stay: under hours of churn at 100,000
 * sockets, memory given back and faulted in again every sample made the
 * resident size swing from one reading to the next (bench/run-soak.sh),
 * and the peak is small anyway.  Above it the peak is what matters: a
 * million sockets' working arrays are a hundred megabytes. */
#define PAGE_RELEASE_FROM_SOCKETS 250000

/* Releases the pages wholly inside [p, p + bytes) when bytes is at least
 * PAGE_RELEASE_MIN_BYTES.  Failure (not expected) leaves them resident. */
static inline void
page_release(void *p, size_t bytes)
{
	uintptr_t page, start, end;
	long size;

	if (p == NULL || bytes < PAGE_RELEASE_MIN_BYTES)
		return;
	size = sysconf(_SC_PAGESIZE);
	page = size > 0 ? (uintptr_t)size : 4096;
	start = ((uintptr_t)p + page - 1) & ~(page - 1);
	end = ((uintptr_t)p + bytes) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, MADV_DONTNEED);
}

#endif
