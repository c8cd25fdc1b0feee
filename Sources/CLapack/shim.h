#ifndef TAILGRID_CLAPACK_SHIM_H
#define TAILGRID_CLAPACK_SHIM_H
// OpenBLAS's cblas.h (found through pkg-config `openblas`) and LAPACKE's lapacke.h
// (on the default include path on Debian).
#include <cblas.h>
#include <lapacke.h>
#endif
