#!/usr/bin/env python3
"""A TCP proxy that passes each connection's bytes on at RATE bytes per
second in each direction, so a registry transfer of a few MiB lasts
seconds, longer than a short-lived token: for the registry tests only.

usage: slow_proxy.py PORT_FILE TARGET_HOST:PORT RATE
"""
import asyncio
import os
import sys

port_file, target, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
target_host, target_port = target.rsplit(":", 1)
CHUNK = 16 << 10


async def pump(reader, writer):
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
            await asyncio.sleep(len(data) / rate)
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def handle(client_reader, client_writer):
    try:
        server_reader, server_writer = await asyncio.open_connection(target_host, int(target_port))
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.sockets[0].getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    await server.serve_forever()


asyncio.run(main())
