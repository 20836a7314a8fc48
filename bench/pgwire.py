"""Counting what a process asks PostgreSQL: a TCP relay on 127.0.0.1 that reads the wire.

Clients connect to the relay instead of the server (``url`` in, ``url`` out). Every byte is
passed on unchanged; the server's side of the stream is split into protocol messages (a type
byte and a length) and its ``ReadyForQuery`` messages are counted: the server sends exactly
one when it has answered a simple query or an extended-protocol ``Sync``, so without
pipelining each is one round trip. Its status byte tells transactions apart: ``I`` (idle)
after a statement means a transaction just ended (a ``COMMIT``, a ``ROLLBACK``, or a statement
run on its own in autocommit). The first ``ReadyForQuery`` of a connection ends its start-up
and is not counted. Clients must not negotiate TLS or GSS (the URL says ``sslmode=disable``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.engine import make_url


@dataclass
class Counts:
    round_trips: int = 0
    transactions: int = 0
    connections: int = 0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            self.round_trips - other.round_trips,
            self.transactions - other.transactions,
            self.connections - other.connections,
        )


@dataclass
class _Statements:
    """The client's side: which statement each round trip ran (``WireCounter.statements``)."""

    counter: Counter[str]
    named: dict[bytes, str] = field(default_factory=dict)
    last: str = ""

    def message(self, kind: int, body: bytes) -> None:
        if kind == 0x51:  # "Q": a simple query
            self.counter[_short(body.rstrip(b"\0"))] += 1
        elif kind == 0x50:  # "P": Parse (name, query)
            name, _, rest = body.partition(b"\0")
            self.last = self.named[name] = _short(rest.partition(b"\0")[0])
        elif kind == 0x42:  # "B": Bind (portal, statement)
            statement = body.partition(b"\0")[2].partition(b"\0")[0]
            self.last = self.named.get(statement, self.last)
        elif kind == 0x53:  # "S": Sync
            self.counter[self.last] += 1


def _short(sql: bytes) -> str:
    return " ".join(sql.decode(errors="replace").split())[:90]


class WireCounter:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.upstream = (parsed.host or "127.0.0.1", parsed.port or 5432)
        self._url = parsed
        self.counts = Counts()
        self.statements: Counter[str] = Counter()  # round trips per statement (text cut short)
        self._server: asyncio.Server | None = None
        self._pumps: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    def url_for(self, database: str | None = None) -> str:
        """The URL that goes through the relay (to ``database``, or the one given)."""
        relayed = self._url.set(host="127.0.0.1", port=self.port)
        if database is not None:
            relayed = relayed.set(database=database)
        query = dict(relayed.query) | {"sslmode": "disable", "gssencmode": "disable"}
        return relayed.set(query=query).render_as_string(hide_password=False)

    def snapshot(self) -> Counts:
        c = self.counts
        return Counts(c.round_trips, c.transactions, c.connections)

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.counts.connections += 1
        pumps = [
            asyncio.create_task(_copy(reader, up_writer, _Statements(self.statements))),
            asyncio.create_task(self._count(up_reader, writer)),
        ]
        self._pumps.update(pumps)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pumps:
            pump.cancel()
            self._pumps.discard(pump)
        for w in (writer, up_writer):
            with contextlib.suppress(Exception):
                w.close()

    async def _count(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        buffer = b""
        started = False
        while chunk := await reader.read(65536):
            writer.write(chunk)
            buffer += chunk
            at = 0
            while len(buffer) - at >= 5:
                length = int.from_bytes(buffer[at + 1 : at + 5], "big")
                end = at + 1 + length
                if end > len(buffer):
                    break
                if buffer[at] == 0x5A:  # "Z": ReadyForQuery
                    if started:
                        self.counts.round_trips += 1
                        self.counts.transactions += buffer[at + 5] == 0x49  # "I"
                    started = True
                at = end
            buffer = buffer[at:]
            await writer.drain()
        writer.close()

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for pump in list(self._pumps):
            pump.cancel()


async def _copy(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: _Statements
) -> None:
    buffer, started = b"", False
    while chunk := await reader.read(65536):
        writer.write(chunk)
        buffer += chunk
        at = 0
        if not started and len(buffer) >= 4:  # the start-up message: a length, no type
            at, started = int.from_bytes(buffer[:4], "big"), True
        while started and len(buffer) - at >= 5:
            end = at + 1 + int.from_bytes(buffer[at + 1 : at + 5], "big")
            if end > len(buffer):
                break
            seen.message(buffer[at], buffer[at + 5 : end])
            at = end
        buffer = buffer[at:] if at <= len(buffer) else buffer
        await writer.drain()
    writer.close()
