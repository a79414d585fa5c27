/* A use-after-free detector for compiled modules, whose code no sanitizer
 * instruments: loaded with LD_PRELOAD, it replaces free() by one that fills
 * the block with 0xFF bytes (a NaN as f32, f64 and bf16; -1 as an integer)
 * and keeps it out of reuse until 1 GiB or 65536 blocks freed after it
 * (a quarantine), so that code reading a buffer after freeing it computes
 * NaNs or indexes out of range instead of the old values. The numerics
 * checks run under it (test/Integration/*_poisoned_frees.test) then fail on
 * a buffer freed too early (tvq-free-after-last-use).
 */
#include <malloc.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

extern void __libc_free(void *pointer);

enum { kMaxBlocks = 65536 };
static const size_t kMaxBytes = (size_t)1 << 30;

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static void *blocks[kMaxBlocks];
static size_t sizes[kMaxBlocks];
static size_t head, count, bytes;

__attribute__((visibility("default"))) void free(void *pointer) {
  if (!pointer)
    return;
  size_t size = malloc_usable_size(pointer);
  memset(pointer, 0xFF, size);
  pthread_mutex_lock(&mutex);
  while (count == kMaxBlocks || (count > 0 && bytes + size > kMaxBytes)) {
    __libc_free(blocks[head]);
    bytes -= sizes[head];
    head = (head + 1) % kMaxBlocks;
    --count;
  }
  size_t tail = (head + count) % kMaxBlocks;
  blocks[tail] = pointer;
  sizes[tail] = size;
  bytes += size;
  ++count;
  pthread_mutex_unlock(&mutex);
}
