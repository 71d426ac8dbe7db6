"""Running a service's active probes, and the verdict its page and probes give together.

Each probe has its own loop with the same politeness as polling (floor, jitter, Retry-After):
every ``problem_interval`` while in outage, a held "yours" re-checked slowly, woken early by
Check now, a token change and the network coming back. After each run the engine recomputes
the service's verdict (``next_verdict``, pure) and publishes the source.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from trayapp.core import verdict
from trayapp.core.model import Event
from trayapp.core.verdict import sentence as verdict_sentence
from trayapp.engine import timing
from trayapp.engine.connectivity import Connectivity
from trayapp.engine.context import EngineContext
from trayapp.engine.settings import MAX_DELAY, bounded
from trayapp.engine.sources import _Source
from trayapp.engine.tokens import TokenCache
from trayapp.probes import classify, run
from trayapp.probes import spec as probe
from trayapp.probes import state as probe_state

log = logging.getLogger(__name__)

Probed = Callable[[_Source, datetime], None]  # a probe of this source ran at this time


class ProbeRunner:
    """Runs the probe loops of the engine's sources; ``on_probed`` is called after each run."""

    def __init__(
        self,
        context: EngineContext,
        connectivity: Connectivity,
        tokens: TokenCache | None,
        on_probed: Probed,
    ) -> None:
        self._context = context
        self._connectivity = connectivity
        self._tokens = tokens
        self._on_probed = on_probed

    async def run(self, src: _Source, index: int) -> None:
        """Probe ``src.probe_specs[index]`` until cancelled."""
        context = self._context
        spec = src.probe_specs[index]
        wake = src.probe_wakes[index]
        floor = timing.probe_floor(context.settings, spec.url)
        delay = context.rng.uniform(0, context.settings.first_round_spread)
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, delay)):
                    await wake.wait()
            wake.clear()  # after the wait: a wake during the request below is not lost
            await context.unpaused.wait()
            token = await self._token(spec, recheck=src.probe_states[index].paused)
            fingerprint = probe.fingerprint(spec, token)
            state = probe_state.resume_if_changed(src.probe_states[index], fingerprint)
            client, slots = context.running()
            async with slots.overall, slots.host(spec.url):
                context.stats.requests += 1
                result = await run.run_probe(client, spec, token)
            unreachable = not result.connected and result.cause == "unreachable"
            if unreachable and not self._connectivity.is_local(src):
                result = classify.with_witness(result, await self._connectivity.network_works())
            settings = context.settings
            now = datetime.now(UTC)
            state = probe_state.probe_step(
                state, result, now, settings.tracker.confirm_worse, fingerprint=fingerprint
            )
            delay = probe_state.next_delay(
                spec,
                state,
                context.rng,
                floor=floor,
                problem_interval=settings.problem_interval,
                cap=settings.backoff_cap,
                retry_after_cap=settings.retry_after_cap,
                yours_recheck=settings.yours_recheck,
            )
            delay = bounded(delay, floor or spec.floor, MAX_DELAY)  # nan in a spec: the floor
            src.probe_states[index] = replace(state, next_at=now + timedelta(seconds=delay))
            self._on_probed(src, now)

    async def _token(self, spec: probe.ProbeSpec, *, recheck: bool) -> str | None:
        """The probe's token; read afresh when re-checking a "yours" hold (a rotated key)."""
        if not spec.token_name or self._tokens is None:
            return None
        if recheck:
            self._tokens.forget(spec.token_name)
        try:  # the keyring may block (D-Bus, an unlock prompt): never in the event loop
            return await asyncio.to_thread(self._tokens, spec.token_name)
        except Exception as exc:  # a locked or missing keyring: the probe reports no token
            log.warning("no token for %s: %s", spec.name, type(exc).__name__)
            return None


def next_verdict(
    src: _Source, now: datetime, *, offline: bool
) -> tuple[verdict.Acknowledgement | None, Event | None]:
    """Recompute ``src``'s verdict from its page and probes (``offline``: its failures are the
    network's); return the acknowledgement record to write, if any (how late the page admitted
    an outage), and the event to emit, if the verdict's kind changed."""
    if not src.probe_specs:
        return None, None
    previous = src.verdict
    followed = src.acknowledgement
    src.verdict = verdict.decide(
        src.state.confirmed,
        src.state.since,
        src.probe_states,
        offline,
        now,
        page_admitted=followed is not None
        and followed.page_ack_at is not None
        and followed.probe_up_at is None,
    )
    incident = next(iter(src.reading.open_incidents), None) if src.reading else None
    src.acknowledgement, write = verdict.follow_acknowledgement(
        src.acknowledgement,
        src.watch.name,
        src.verdict,
        now,
        incident_id=incident.id if incident else None,
    )
    yours = src.verdict.kind == "yours"
    changed = previous.kind != src.verdict.kind if previous is not None else (
        yours or src.verdict.severity.is_problem  # found before the page's first read
    )  # fmt: skip
    if not changed:
        return write, None
    event = Event(
        time=now,
        service=src.watch.name,
        kind="yours" if yours else "verdict",
        severity=src.verdict.severity,
        previous=previous.severity if previous is not None else None,
        message=verdict_sentence(src.verdict) if yours else src.verdict.text,
    )
    return write, event
