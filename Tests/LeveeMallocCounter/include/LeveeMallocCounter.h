// Counts the heap allocations one thread makes between begin and end (for the scheduler's
// zero-allocation test). The counting malloc family forwards to glibc's own entry points.
#pragma once
#include <stdint.h>

void levee_malloc_counter_begin(void);
/// The number of malloc/calloc/realloc/posix_memalign/aligned_alloc calls this thread made since
/// begin; stops counting.
uint64_t levee_malloc_counter_end(void);
