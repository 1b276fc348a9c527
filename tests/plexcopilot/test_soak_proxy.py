"""The TCP proxy of `make soak` (bench/soak.py): connections still open when the run ends leave no tracebacks."""

import asyncio
import contextlib

from bench.soak import Proxy


def test_connections_open_at_the_end_of_the_run_end_without_an_exception_report():
    reports: list[dict] = []

    async def run() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda loop, context: reports.append(context))

        async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(await reader.read(4))
            await writer.drain()
            with contextlib.suppress(asyncio.CancelledError):
                await reader.read(1)  # holds the connection open, as PostgreSQL and Redis do

        server = await asyncio.start_server(echo, "127.0.0.1", 0)
        proxy = Proxy("test", "127.0.0.1", server.sockets[0].getsockname()[1])
        reader, writer = await asyncio.open_connection("127.0.0.1", await proxy.start())
        writer.write(b"ping")
        await writer.drain()
        assert await reader.read(4) == b"ping"
        # returns with the proxied connection open: asyncio.run cancels the proxy's task, as at the soak's end

    asyncio.run(run())
    assert [context.get("message") for context in reports] == []
