"""A TCP proxy the tests control, and a MariaDB server of the tests' own (issue 19).

    with TcpProxy("127.0.0.1", 3306) as proxy:
        url = f"mysql+pymysql://root@127.0.0.1:{proxy.port}/db"
        proxy.pause()    # connections stay open, bytes stop flowing: a hung or paused server
        proxy.resume()   # the held bytes flow again
        proxy.drop()     # every connection is cut and new ones refused: a crashed server
        proxy.restore()  # connections are accepted again

Threads and plain sockets only: the faults are real network behaviour, seen by PyMySQL's own
sockets, not mocked clients.

    with PrivateMariaDB(tmp_path) as server:   # its own mariadbd, datadir and port
        server.set_global("max_allowed_packet", 2048)   # server-wide limits, no other test sees

A fault that needs a server-wide setting (`max_allowed_packet`) or a real server process to kill
cannot use the shared test server, where other tests run in parallel.
"""

from __future__ import annotations

import contextlib
import getpass
import select
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from types import TracebackType

CHUNK = 65536


class TcpProxy:
    """Forwards 127.0.0.1:`port` to `target`; pause, resume, drop and restore on demand."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._flowing = threading.Event()
        self._flowing.set()
        self._accepting = True
        self._closed = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept, name="tcp-proxy", daemon=True)

    def __enter__(self) -> TcpProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- Faults ---------------------------------------------------------------------------

    def pause(self) -> None:
        self._flowing.clear()

    def resume(self) -> None:
        self._flowing.set()

    def drop(self) -> None:
        with self._lock:
            self._accepting = False
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            _close(*pair)

    def restore(self) -> None:
        with self._lock:
            self._accepting = True
        self._flowing.set()

    def close(self) -> None:
        self._closed.set()
        self._flowing.set()
        self.drop()
        self._listener.close()

    # --- Forwarding -------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                accepting = self._accepting
            if not accepting:
                client.close()
                continue
            try:
                server = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, server))
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        peers = {client: server, server: client}
        try:
            while not self._closed.is_set():
                self._flowing.wait()
                ready, _, _ = select.select(list(peers), [], [], 0.1)
                for source in ready:
                    if not self._flowing.is_set():
                        break  # paused between select and read: hold the bytes
                    data = source.recv(CHUNK)
                    if not data:
                        return
                    peers[source].sendall(data)
        except (OSError, ValueError):  # a socket closed by drop() or close() meanwhile
            return
        finally:
            _close(client, server)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()


class PrivateMariaDB:
    """A throw-away `mariadbd` on a free port of 127.0.0.1 with its own data directory.

    Started with `mariadb-install-db` and `mariadbd --no-defaults` (about 3 s); root with no
    password, grant tables skipped (the tests set server-wide variables and create databases).
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"mysql+pymysql://root@127.0.0.1:{self.port}/angel?charset=utf8mb4"
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> PrivateMariaDB:
        data = self.directory / "data"
        self.directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={data}", f"--user={_user()}",
             "--skip-test-db", "--auth-root-authentication-method=normal"],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        with (self.directory / "server.log").open("wb") as server_log:
            self._process = subprocess.Popen(
                ["mariadbd", "--no-defaults", f"--datadir={data}", f"--user={_user()}",
                 f"--port={self.port}", "--bind-address=127.0.0.1",
                 f"--socket={self.directory / 'mariadb.sock'}",
                 f"--pid-file={self.directory / 'mariadb.pid'}", "--skip-grant-tables",
                 "--skip-log-bin", "--innodb-buffer-pool-size=16M",
                 "--innodb-log-file-size=8M"],
                stdout=subprocess.DEVNULL, stderr=server_log,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((self.directory / "server.log").read_text()[-2000:])
            time.sleep(0.1)
        self.execute("CREATE DATABASE angel CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(timeout=30)

    def execute(self, statement: str) -> None:
        import pymysql

        with contextlib.closing(
            pymysql.connect(host="127.0.0.1", port=self.port, user="root", connect_timeout=2)
        ) as conn:
            conn.cursor().execute(statement)

    def set_global(self, name: str, value: int) -> None:
        """A server-wide variable; connections opened afterwards see it."""
        self.execute(f"SET GLOBAL {name} = {int(value)}")

    def _answers(self) -> bool:
        try:
            self.execute("SELECT 1")
        except Exception:
            return False
        return True


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def _user() -> str:
    return getpass.getuser()
