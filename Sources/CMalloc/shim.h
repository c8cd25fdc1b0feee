#ifndef TAILGRID_CMALLOC_SHIM_H
#define TAILGRID_CMALLOC_SHIM_H
// glibc's malloc.h (malloc_trim), which the Glibc module does not export.
#include <malloc.h>
#endif
