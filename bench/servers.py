"""Loopback servers for the bench, each run on its own event loop in a daemon thread and stopped by
its context manager: a slow HTTP server, a delaying TCP proxy and a silent TCP server."""

from __future__ import annotations

import asyncio
import threading
from contextlib import contextmanager

from bench import free_port


@contextmanager
def _loop_server(start):
    """Run `start(loop) -> asyncio.Server` on a private loop in a thread; yield its port."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict = {}

    def run():
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait(10)
    server = holder["server"]
    try:
        yield server.sockets[0].getsockname()[1]
    finally:

        async def stop():
            server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def slow_http(delay: float):
    """An HTTP/1.1 server that answers every request `200 ok` after `delay` seconds."""

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                if length:
                    await reader.readexactly(length)
                await asyncio.sleep(delay)
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    with _loop_server(lambda: asyncio.start_server(handle, "127.0.0.1", free_port())) as port:
        yield port


@contextmanager
def delaying_proxy(upstream_port: int, delay: float):
    """A TCP proxy to 127.0.0.1:`upstream_port` that holds back each response by `delay` seconds
    (the first bytes the upstream sends after each client write wait; the rest flow through)."""

    async def handle(client_r, client_w):
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", upstream_port)
        except OSError:
            client_w.close()
            return
        pending = asyncio.Event()

        async def upstream():
            while data := await client_r.read(65536):
                pending.set()
                up_w.write(data)
                await up_w.drain()
            up_w.close()

        async def downstream():
            while data := await up_r.read(65536):
                if pending.is_set():
                    pending.clear()
                    await asyncio.sleep(delay)
                client_w.write(data)
                await client_w.drain()
            client_w.close()

        try:
            await asyncio.gather(upstream(), downstream())
        except (ConnectionError, OSError, asyncio.CancelledError):
            pass
        finally:
            client_w.close()
            up_w.close()

    with _loop_server(lambda: asyncio.start_server(handle, "127.0.0.1", free_port())) as port:
        yield port


@contextmanager
def silent_tcp():
    """Accepts TCP connections and never sends a byte (a firewall that drops, a hung server)."""
    held = []

    async def handle(reader, writer):
        held.append(writer)
        try:
            await reader.read()  # until the client gives up
        except (ConnectionError, asyncio.CancelledError):
            pass
        writer.close()

    with _loop_server(lambda: asyncio.start_server(handle, "127.0.0.1", free_port())) as port:
        yield port
