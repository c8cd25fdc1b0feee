# syntax=docker/dockerfile:1
# tailgrid in a slim Debian image: built with the official Swift image, run on
# debian:bookworm-slim with only what `ldd` of the built binary needs (the OpenBLAS,
# LAPACKE and SQLite packages, the C++ and Fortran runtimes, and the Swift runtime
# libraries copied from the build image), derived by scripts/runtime-libs.sh.
#
#   docker build -t tailgrid:latest .
#   docker run --rm tailgrid:latest --version
#
# The runtime stage is exercised by cluster/test-runtime-image.sh (part of the test
# command): the same stage and install scripts in a debootstrapped bookworm, then a job.

ARG SWIFT_IMAGE=swift:6.3.1-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${SWIFT_IMAGE} AS build
# TAILGRID_TARGET_CPU=generic builds kernels for any x86-64 (see README, "Building for a CPU").
ARG TAILGRID_TARGET_CPU=haswell
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libopenblas-dev liblapacke-dev libsqlite3-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN TAILGRID_TARGET_CPU=${TAILGRID_TARGET_CPU} swift build -c release --product tailgrid \
 && scripts/runtime-libs.sh check "$(swift build -c release --show-bin-path)/tailgrid" \
 && scripts/runtime-libs.sh stage "$(swift build -c release --show-bin-path)/tailgrid" /staged

FROM ${RUNTIME_IMAGE}
COPY --from=build /staged /tmp/tailgrid-runtime
RUN sh /tmp/tailgrid-runtime/install-runtime.sh && rm -rf /tmp/tailgrid-runtime
# TailGrid runs its own threads and calls BLAS on one: without this, OpenBLAS starts a
# thread per core when the library loads, and they spin (sched_yield) for about 0.1 s of
# CPU before they sleep, on the cores a job is starting on (validate of the 20,000-account
# book: 0.45-0.50 s with it, 0.45-0.54 s without; sys time 0.05-0.07 s against up to
# 0.18 s). Slurm's script exports it, and `run --workers` gives it to its workers.
ENV OPENBLAS_NUM_THREADS=1
# The user the Kubernetes manifests run as (Pod Security "restricted": non-root).
USER 10001:10001
WORKDIR /tmp
ENTRYPOINT ["/usr/local/bin/tailgrid"]
CMD ["--help"]
