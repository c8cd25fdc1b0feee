#!/usr/bin/env python3
"""A hostile peer of a TailGrid coordinator, speaking the public protocol with grpcio.

    python3 Tests/hostile/hostile.py MODE --coordinator HOST:PORT --token-file TOKEN [--job JOB] [--pid PID]

Modes that act as a worker holding the token (submit --job first, then misbehave until
the job ends or the worker is sent away): empty, forge, malformed, handback, heartbeat.
Modes that load the server: watch-cycles, streams, oversized. Prints one line per
finding and exits 0 when the coordinator behaved, 1 otherwise. Stubs are generated from
Protos/ at start, as any client's would be.
"""
import argparse
import atexit
import os
import queue
import shutil
import sys
import tempfile
import threading
import time

import grpc
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "..", "Protos")


def load_stubs():
    out = tempfile.mkdtemp(prefix="tailgrid-hostile-stubs-")
    # The stubs are this run's alone: removed at exit (a return or a sys.exit).
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    # health.proto is compiled from a copy under another folder: a Python module path
    # grpc.health would shadow the grpc package itself (the service name is unchanged).
    health = os.path.join(out, "src", "hostile_health")
    os.makedirs(health)
    shutil.copy(os.path.join(PROTOS, "grpc", "health", "v1", "health.proto"), health)
    for root, proto in [(PROTOS, os.path.join(PROTOS, "tailgrid", "v1", "tailgrid.proto")),
                        (os.path.join(out, "src"), os.path.join(health, "health.proto"))]:
        if protoc.main(["protoc", f"-I{root}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}", proto]) != 0:
            sys.exit(f"cannot generate stubs from {proto}")
    sys.path.insert(0, out)
    from tailgrid.v1 import tailgrid_pb2, tailgrid_pb2_grpc
    from hostile_health import health_pb2, health_pb2_grpc
    return tailgrid_pb2, tailgrid_pb2_grpc, health_pb2, health_pb2_grpc


pb, rpc, hpb, hrpc = load_stubs()


def fail(message):
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def submit(channel, metadata, path):
    with open(path, "rb") as f:
        job_yaml = f.read()
    request = pb.SubmitRequest(protocol_version=pb.PROTOCOL_VERSION_CURRENT, job_file_name=path, job_yaml=job_yaml)
    return rpc.JobServiceStub(channel).Submit(iter([request]), metadata=metadata).status.job_id


def status(channel, metadata, job_id):
    request = pb.JobRequest(protocol_version=pb.PROTOCOL_VERSION_CURRENT, job_id=job_id)
    return rpc.JobServiceStub(channel).GetStatus(request, metadata=metadata)


def hostile_worker(args, channel, metadata, behaviour, name):
    """Runs one Work stream that answers every assignment the hostile way; returns the
    number of assignments received and the status code the stream ended with."""
    outbox = queue.Queue()
    outbox.put(pb.WorkerMessage(hello=pb.WorkerHello(protocol_version=pb.PROTOCOL_VERSION_CURRENT, worker_name=name, slots=1,
                                                     engine_version=args.engine_version, host="hostile-python")))
    stop = threading.Event()

    def requests():
        while not stop.is_set():
            try:
                message = outbox.get(timeout=0.2)
            except queue.Empty:
                outbox.put(pb.WorkerMessage(heartbeat=pb.Heartbeat()))
                continue
            yield message

    assignments = 0
    code = grpc.StatusCode.OK
    try:
        for message in rpc.WorkServiceStub(channel).Work(requests(), metadata=metadata):
            if message.WhichOneof("kind") != "assignment":
                continue
            assignments += 1
            a = message.assignment
            n = a.end_scenario - a.first_scenario
            if behaviour == "empty":
                accounts = [pb.AccountSummary(count=n, sum_limbs=[0] * 4, sum_of_squares_limbs=[0] * 4,
                                              histogram_counts=[0] * 64, histogram_underflow=n)]
                outbox.put(pb.WorkerMessage(result=pb.ChunkResultPart(lease_id=a.lease_id, accounts=accounts, last=True)))
            elif behaviour == "forge":
                # Every loss zero, in bin 32, with a tail of zeros: as consistent as a worker
                # that does not compute can make it.
                tail = min(n, 64)
                accounts = [pb.AccountSummary(count=n, sum_limbs=[0] * 4, sum_of_squares_limbs=[0] * 4,
                                              histogram_counts=[0] * 32 + [n] + [0] * 31,
                                              tail_losses=[0.0] * tail, tail_scenarios=list(range(a.first_scenario, a.first_scenario + tail)))]
                outbox.put(pb.WorkerMessage(result=pb.ChunkResultPart(lease_id=a.lease_id, accounts=accounts, last=True)))
            elif behaviour == "malformed":
                accounts = [pb.AccountSummary(count=n, histogram_counts=[1, 2, 3])]
                outbox.put(pb.WorkerMessage(result=pb.ChunkResultPart(lease_id=a.lease_id, accounts=accounts, last=True)))
            elif behaviour == "handback":
                outbox.put(pb.WorkerMessage(failure=pb.ChunkFailure(lease_id=a.lease_id, message="bye", returned=True)))
            elif behaviour == "heartbeat":
                pass
    except grpc.RpcError as error:
        code = error.code()
    finally:
        stop.set()
    return assignments, code


def wait_for_end(channel, metadata, job_id, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = status(channel, metadata, job_id)
        if s.state in (pb.JobStatus.SUCCEEDED, pb.JobStatus.FAILED, pb.JobStatus.CANCELLED):
            return s
        time.sleep(0.1)
    return status(channel, metadata, job_id)


def worker_mode(args, channel, metadata):
    job_id = submit(channel, metadata, args.job)
    print(f"job {job_id}", flush=True)
    results = {}

    def run():
        results["worker"] = hostile_worker(args, channel, metadata, args.mode, f"hostile-{args.mode}")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if args.mode == "empty":
        # Alone: the coordinator must survive and send the liar away.
        thread.join(timeout=60)
        if thread.is_alive():
            fail("the empty-summary worker was never sent away")
        assignments, code = results["worker"]
        again = hostile_worker(args, channel, metadata, "empty", "hostile-empty")
        if again[1] != grpc.StatusCode.PERMISSION_DENIED:
            fail(f"a quarantined worker was let back in ({again[1]})")
        health = hrpc.HealthStub(channel).Check(hpb.HealthCheckRequest(service=""))
        if health.status != hpb.HealthCheckResponse.SERVING:
            fail("the coordinator is not serving")
        s = status(channel, metadata, job_id)
        if s.state == pb.JobStatus.SUCCEEDED:
            fail("a job succeeded on empty summaries")
        print(f"ok: quarantined after {assignments} assignments; job {pb.JobStatus.State.Name(s.state)}; coordinator serving", flush=True)
        return
    final = wait_for_end(channel, metadata, job_id, 240)
    print(f"final {pb.JobStatus.State.Name(final.state)} retried={final.retried_chunks} audited={final.audited_chunks} "
          f"mismatches={final.audit_mismatches} quarantined={list(final.quarantined_workers)} error={final.error!r}", flush=True)
    if final.state not in (pb.JobStatus.SUCCEEDED, pb.JobStatus.FAILED):
        fail("the job did not end")
    thread.join(timeout=5)
    assignments = results.get("worker", (None,))[0]
    if args.mode == "handback" and assignments is not None and assignments > 1:
        fail(f"a worker handing chunks back got {assignments} of them")
    print(f"ok: {args.mode} worker got {assignments} assignments", flush=True)


def watch_cycles(args, channel, metadata):
    health = hrpc.HealthStub(channel)
    before = rss_kb(args.pid)
    for cycle in range(args.count):
        call = health.Watch(hpb.HealthCheckRequest(service=""))
        next(call)
        call.cancel()
        if cycle % 100 == 99:
            # A fresh connection every 100 cycles: the coordinator's HTTP/2 rapid-reset
            # defence (grpc-swift-nio-transport: more than 200 RST_STREAM frames in 10 s)
            # sends GOAWAY ENHANCE_YOUR_CALM, and a cancel is one RST_STREAM. Under CI
            # load 1,000 cycles on one connection crossed it.
            channel.close()
            channel = grpc.insecure_channel(args.coordinator)
            health = hrpc.HealthStub(channel)
    time.sleep(1)
    after = rss_kb(args.pid)
    print(f"rss before {before} KB, after {after} KB for {args.count} watch cycles", flush=True)
    if after - before > 40 * 1024:
        fail(f"memory grew by {after - before} KB")
    if health.Check(hpb.HealthCheckRequest(service="")).status != hpb.HealthCheckResponse.SERVING:
        fail("not serving after the cycles")
    print("ok: memory bounded", flush=True)


def streams(args, channel, metadata):
    """60 long-lived watches, then `count` concurrent checks, all on one connection: more
    streams than the coordinator allows at once (64). A gRPC client queues beyond the
    advertised limit; every call must be served and no open stream torn down."""
    health = hrpc.HealthStub(channel)
    watches = [health.Watch(hpb.HealthCheckRequest(service="")) for _ in range(60)]
    for watch in watches:
        next(watch)
    futures = [health.Check.future(hpb.HealthCheckRequest(service="")) for _ in range(args.count)]
    served = sum(1 for f in futures if f.result(timeout=60).status == hpb.HealthCheckResponse.SERVING)
    alive = sum(1 for w in watches if not w.done())
    for watch in watches:
        watch.cancel()
    print(f"60 watches and {args.count} checks on one connection: {served} checks served, {alive} of 60 watches alive", flush=True)
    if served != args.count or alive != 60:
        fail("streams were refused or torn down")
    print("ok: streams", flush=True)


def oversized(args, channel, metadata):
    jobs = rpc.JobServiceStub(channel)
    request = pb.SubmitRequest(protocol_version=pb.PROTOCOL_VERSION_CURRENT, job_file_name="big.yaml", job_yaml=b"#" * (5 << 20))
    try:
        jobs.Submit(iter([request]), metadata=metadata)
        fail("a 5 MiB message was accepted")
    except grpc.RpcError as error:
        print(f"oversized message: {error.code()} {error.details()[:120]!r}", flush=True)
        if error.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
            fail(f"expected RESOURCE_EXHAUSTED, got {error.code()}")
    try:
        status(channel, metadata, "job-" + "x" * 10_000)
        fail("an unknown job was found")
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.NOT_FOUND or len(error.details()) > 300:
            fail(f"unknown job: {error.code()} with {len(error.details())} characters of details")
    print("ok: oversized", flush=True)


def inputs(args, channel, metadata):
    """Market and price files on the wire: unknown keys, empty references, more bytes
    than --max-input-bytes (the test starts the coordinator with 100,000), and a job
    sent without the files it names."""
    jobs = rpc.JobServiceStub(channel)
    with open(args.job, "rb") as f:
        yaml = f.read()

    def attempt(what, pieces, expected, says):
        first = pb.SubmitRequest(protocol_version=pb.PROTOCOL_VERSION_CURRENT, job_file_name="eod.yaml", job_yaml=yaml,
                                 inputs=pieces[:1])
        rest = [pb.SubmitRequest(inputs=[piece]) for piece in pieces[1:]]
        try:
            jobs.Submit(iter([first] + rest), metadata=metadata)
            fail(f"{what}: accepted")
        except grpc.RpcError as error:
            print(f"{what}: {error.code()} {error.details()[:160]!r}", flush=True)
            if error.code() != expected:
                fail(f"{what}: expected {expected}, got {error.code()}")
            if says not in error.details():
                fail(f"{what}: the message does not say {says!r}")

    attempt("unknown key", [pb.JobInputPiece(key="secrets:/etc/passwd", data=b"x")],
            grpc.StatusCode.INVALID_ARGUMENT, "expected market:<path> or prices:<path>")
    attempt("empty reference", [pb.JobInputPiece(key="prices:", data=b"x")],
            grpc.StatusCode.INVALID_ARGUMENT, "expected market:<path> or prices:<path>")
    attempt("too many bytes", [pb.JobInputPiece(key="prices:BTC-USD.csv", data=b"1" * 65536) for _ in range(4)],
            grpc.StatusCode.RESOURCE_EXHAUSTED, "--max-input-bytes")
    attempt("files not sent", [], grpc.StatusCode.INVALID_ARGUMENT, "were not sent")
    print("ok: inputs", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["empty", "forge", "malformed", "handback", "heartbeat", "watch-cycles", "streams", "oversized",
                                           "inputs"])
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--job")
    parser.add_argument("--pid", type=int)
    parser.add_argument("--count", type=int, default=101)
    parser.add_argument("--engine-version", required=True, help="the coordinator's engine version, which a worker must state")
    args = parser.parse_args()
    with open(args.token_file) as f:
        metadata = [("authorization", "Bearer " + f.read().strip())]
    channel = grpc.insecure_channel(args.coordinator, options=[("grpc.max_send_message_length", 16 << 20)])
    grpc.channel_ready_future(channel).result(timeout=30)
    if args.mode in ("empty", "forge", "malformed", "handback", "heartbeat"):
        worker_mode(args, channel, metadata)
    elif args.mode == "watch-cycles":
        watch_cycles(args, channel, metadata)
    elif args.mode == "streams":
        streams(args, channel, metadata)
    elif args.mode == "inputs":
        inputs(args, channel, metadata)
    else:
        oversized(args, channel, metadata)


if __name__ == "__main__":
    main()
