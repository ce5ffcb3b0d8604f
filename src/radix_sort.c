/*
 * radix_sort.c - LSD radix sort by 64-bit keys, 8 bits a pass.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "radix_sort.h"

int
radix_sort(void *records, uint64_t *keys, size_t n, size_t size)
{
	unsigned char *tmp;
	uint64_t *keys_tmp;

	if (n < 2)
		return 0;
	tmp = malloc(n * size);
	keys_tmp = malloc(n * sizeof(*keys_tmp));
	if (tmp == NULL || keys_tmp == NULL) {
		free(tmp);
		free(keys_tmp);
		errno = ENOMEM;
		return -1;
	}
	for (int shift = 0; shift < 64; shift += 8) {
		size_t count[257];
		bool uniform = false;

		memset(count, 0, sizeof(count));
		for (size_t i = 0; i < n; i++)
			count[((keys[i] >> shift) & 0xff) + 1]++;
		for (size_t b = 0; b < 256 && !uniform; b++)
			uniform = count[b + 1] == n;
		if (uniform)
			continue;
		for (size_t b = 0; b < 256; b++)
			count[b + 1] += count[b];
		for (size_t i = 0; i < n; i++) {
			size_t to = count[(keys[i] >> shift) & 0xff]++;

			keys_tmp[to] = keys[i];
			memcpy(tmp + to * size, (unsigned char *)records + i * size, size);
		}
		memcpy(keys, keys_tmp, n * sizeof(*keys));
		memcpy(records, tmp, n * size);
	}
	free(tmp);
	free(keys_tmp);
	return 0;
}
