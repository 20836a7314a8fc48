"""One profiled run of our bot on the recorded workload (pyinstrument, the ``bench`` extra)."""

from __future__ import annotations

from bench import variants
from bench.driver import Stream, drive, replay
from bench.throughput import Setup


async def profile(setup: Setup, stream: Stream) -> tuple[str, str]:
    """Profile one replay; the report as text and as HTML."""
    from pyinstrument import Profiler

    url = setup.dbs.clone(setup.template)
    target = await variants.ours(url, setup.hasher)
    profiler = Profiler(async_mode="disabled", interval=0.0005)
    try:
        profiler.start()
        await drive(target, replay(stream), setup.window)
        profiler.stop()
    finally:
        await target.aclose()
        setup.dbs.drop(url)
    text = profiler.output_text(unicode=True, color=False, show_all=False, short_mode=False)
    return text, profiler.output_html()
