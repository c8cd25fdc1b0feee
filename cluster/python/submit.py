#!/usr/bin/env python3
"""Submit a TailGrid job from Python through the public gRPC API (Protos/tailgrid/v1).

    pip install grpcio grpcio-tools pyyaml
    python3 cluster/python/submit.py JOB.yaml --coordinator 127.0.0.1:7070 --token-file TOKEN --out DIR

The stubs are generated from the committed .proto at start (grpc_tools.protoc), exactly
as any other language's client would be. Prints the job id and progress, then writes
result.json and accounts.csv into DIR. Exit codes: 0 success, 65 invalid job,
69 unavailable, 75 job failed, 77 wrong token.
"""
import argparse
import atexit
import os
import shutil
import sys
import tempfile

import grpc
import yaml
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = os.path.join(HERE, "..", "..", "Protos")


def load_stubs():
    out = tempfile.mkdtemp(prefix="tailgrid-stubs-")
    # The stubs are this run's alone: removed at exit (a return or a sys.exit).
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    code = protoc.main(["protoc", f"-I{PROTOS}", f"-I{include}", f"--python_out={out}", f"--grpc_python_out={out}",
                        os.path.join(PROTOS, "tailgrid", "v1", "tailgrid.proto")])
    if code != 0:
        sys.exit("cannot generate stubs from tailgrid.proto")
    sys.path.insert(0, out)
    from tailgrid.v1 import tailgrid_pb2, tailgrid_pb2_grpc  # noqa: E402
    return tailgrid_pb2, tailgrid_pb2_grpc


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("job")
    parser.add_argument("--coordinator", required=True)
    parser.add_argument("--token-file")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    pb, rpc = load_stubs()

    with open(args.job, "rb") as f:
        job_yaml = f.read()
    positions = b""
    positions_file = (yaml.safe_load(job_yaml) or {}).get("positions_file")
    if positions_file:
        with open(os.path.join(os.path.dirname(args.job), positions_file), "rb") as f:
            positions = f.read()
    metadata = []
    if args.token_file:
        with open(args.token_file) as f:
            metadata.append(("authorization", "Bearer " + f.read().strip()))

    def parts(chunk=1 << 20):
        first = True
        for start in range(0, max(len(job_yaml), len(positions), 1), chunk):
            part = pb.SubmitRequest(job_yaml=job_yaml[start:start + chunk], positions_csv=positions[start:start + chunk])
            if first:
                part.protocol_version = pb.PROTOCOL_VERSION_CURRENT
                part.job_file_name = args.job
                first = False
            yield part

    channel = grpc.insecure_channel(args.coordinator)
    jobs = rpc.JobServiceStub(channel)
    try:
        status = jobs.Submit(parts(), metadata=metadata).status
        print(status.job_id, flush=True)
        request = pb.JobRequest(protocol_version=pb.PROTOCOL_VERSION_CURRENT, job_id=status.job_id)
        for status in jobs.Watch(request, metadata=metadata):
            print(f"{pb.JobStatus.State.Name(status.state)} {status.chunks_done}/{status.chunks_total}", file=sys.stderr)
        if status.state != pb.JobStatus.SUCCEEDED:
            print(f"job {status.job_id} ended {pb.JobStatus.State.Name(status.state)}: {status.error}", file=sys.stderr)
            return 75
        result, accounts = b"", b""
        for part in jobs.GetResult(request, metadata=metadata):
            result += part.result_json
            accounts += part.accounts_csv
    except grpc.RpcError as error:
        print(f"tailgrid: {error.code().name}: {error.details()}", file=sys.stderr)
        return {grpc.StatusCode.INVALID_ARGUMENT: 65, grpc.StatusCode.RESOURCE_EXHAUSTED: 65,
                grpc.StatusCode.UNAUTHENTICATED: 77}.get(error.code(), 69)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "result.json"), "wb") as f:
        f.write(result)
    with open(os.path.join(args.out, "accounts.csv"), "wb") as f:
        f.write(accounts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
