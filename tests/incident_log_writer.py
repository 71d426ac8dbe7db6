"""Crash-test child: writes to the incident log in a loop until SIGKILLed.

After each commit it prints that commit's token and flushes, so every token the parent reads is
a promise that the log holds it. Exits 3 if opening had to replace a damaged file.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from itertools import count

from trayapp.core.model import Component, Event, Incident, Reading, Severity
from trayapp.store import incident_log

SEVERITIES = (Severity.OPERATIONAL, Severity.DEGRADED, Severity.MAJOR_OUTAGE, Severity.UNKNOWN)


def main(path: str, tag: str) -> int:
    log = incident_log.open(path)
    if log.recovered_from is not None:
        print(f"recovered from {log.recovered_from}", file=sys.stderr, flush=True)
        return 3
    for n in count(1):
        token = f"{tag}:{n}"
        now = datetime.now(UTC)
        severity = SEVERITIES[n % len(SEVERITIES)]
        events = [Event(now, f"svc{n % 3}", "status", severity, message=token)]
        if n % 4 == 0:  # an incident update in the same transaction (incidents, timeline, FKs)
            incident = Incident(
                id=f"{tag}-{n // 20}",
                title="crash test",
                status="investigating" if n % 20 else "resolved",
                open=bool(n % 20),
                severity=Severity.PARTIAL_OUTAGE,
                latest_update=token,
            )
            events.append(Event(now, "svc0", "incident_updated", severity, incident=incident))
        log.record(events)
        print(token, flush=True)
        if n % 3 == 0:
            parts = (Component("API", severity), Component("Web", Severity.OPERATIONAL, group="g"))
            log.record_components("svc1", Reading("statuspage", severity, parts), now)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
