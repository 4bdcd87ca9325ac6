"""A TCP proxy the tests control, between Angel and a MariaDB of their own (issue 19).

    with TcpProxy("127.0.0.1", 3306) as proxy:
        url = f"mysql+pymysql://root@127.0.0.1:{proxy.port}/db"
        proxy.pause()    # connections stay open, bytes stop flowing: a hung or paused server
        proxy.resume()   # the held bytes flow again
        proxy.drop()     # every connection is cut and new ones refused: a crashed server
        proxy.restore()  # connections are accepted again

Threads and plain sockets only: the faults are real network behaviour, seen by PyMySQL's own
sockets, not mocked clients.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
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
