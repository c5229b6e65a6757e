"""A small asyncio TCP proxy that adds latency and counts the bytes it forwards.

Every chunk read from one side is written to the other ``delay`` seconds later (no
bandwidth limit: this models a long, fat link). With a delay, a new connection's first
bytes are also held back one extra round trip, as a real TCP handshake would cost. The
byte counters (``bytes_up`` client → server, ``bytes_down`` server → client) are what
crossed the wire in each direction, headers and compressed bodies included.

Used in-process (``TcpProxy.start_in_thread``) or as its own process, so that the client's
CPU work cannot delay the proxy's timers::

    python bench/delayproxy.py --target 127.0.0.1:8000 --delay 0.15

prints ``listening PORT`` once ready and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable

CHUNK = 64 * 1024


class TcpProxy:
    """Forward 127.0.0.1:<port> to ``target``, ``delay`` seconds each way."""

    def __init__(self, target_host: str, target_port: int, *, delay: float = 0.0) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.delay = delay
        self.bytes_up = 0
        self.bytes_down = 0
        self.connections = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ counters

    def _count_up(self, n: int) -> None:
        with self._lock:
            self.bytes_up += n

    def _count_down(self, n: int) -> None:
        with self._lock:
            self.bytes_down += n

    def counters(self) -> tuple[int, int]:
        """(bytes client → server, bytes server → client) so far."""
        with self._lock:
            return self.bytes_up, self.bytes_down

    # ------------------------------------------------------------------ serving

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Listen on ``host:port`` (0 = any free port); return the port."""
        self._server = await asyncio.start_server(self._handle, host, port)
        sock = self._server.sockets[0]
        return int(sock.getsockname()[1])

    async def _handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        with self._lock:
            self.connections += 1
        try:
            server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_w.close()
            return
        # A real link costs one round trip (SYN, SYN-ACK) before the first request byte
        # leaves the client; the kernel has already answered our client's SYN at once.
        handshake = accepted + 2 * self.delay if self.delay else 0.0
        up = self._pump(client_r, server_w, self._count_up, not_before=handshake)
        down = self._pump(server_r, client_w, self._count_down, not_before=0.0)
        try:
            await asyncio.gather(up, down)
        finally:
            for writer in (client_w, server_w):
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()

    async def _pump(
        self,
        src: asyncio.StreamReader,
        dst: asyncio.StreamWriter,
        count: Callable[[int], None],
        *,
        not_before: float,
    ) -> None:
        """Copy ``src`` to ``dst``, each chunk ``delay`` seconds after it was read."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def writer() -> None:
            while True:
                due, chunk = await queue.get()
                wait = due - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                if not chunk:
                    if dst.can_write_eof():
                        with contextlib.suppress(OSError):
                            dst.write_eof()
                    return
                dst.write(chunk)
                await dst.drain()

        sender = asyncio.create_task(writer())
        try:
            while True:
                try:
                    chunk = await src.read(CHUNK)
                except OSError:
                    chunk = b""
                count(len(chunk))
                queue.put_nowait((max(loop.time(), not_before) + self.delay, chunk))
                if not chunk:
                    break
            await sender
        except OSError:
            sender.cancel()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # ------------------------------------------------------------------ in a thread

    def start_in_thread(self) -> int:
        """Run the proxy's event loop in a daemon thread; return the listening port."""
        ready = threading.Event()
        port: list[int] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            port.append(loop.run_until_complete(self.start()))
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.close())
            loop.close()

        self._thread = threading.Thread(target=run, name="tcp-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the proxy did not start")
        return port[0]

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)


async def _main(target: str, delay: float, port: int) -> None:
    host, _, target_port = target.rpartition(":")
    proxy = TcpProxy(host or "127.0.0.1", int(target_port), delay=delay)
    listening = await proxy.start(port=port)
    print(f"listening {listening}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await proxy.close()
    up, down = proxy.counters()
    print(f"closed connections={proxy.connections} up={up} down={down}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", required=True, help="host:port to forward to")
    parser.add_argument("--delay", type=float, default=0.15, help="seconds each way")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free)")
    args = parser.parse_args(argv)
    asyncio.run(_main(args.target, args.delay, args.port))


if __name__ == "__main__":
    main()
