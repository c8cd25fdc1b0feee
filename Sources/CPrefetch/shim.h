#ifndef TAILGRID_CPREFETCH_SHIM_H
#define TAILGRID_CPREFETCH_SHIM_H
// A hint to bring the cache line holding `address` into the caches (`__builtin_prefetch`):
// Swift has no prefetch of its own. Never faults, whatever the address.
static inline void tailgrid_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
#endif
