"""Active checks of a service's own API: the probe language (a spec, its presets, the JSON
condition), how an answer is classified (theirs, yours, rate limited), the per-probe state
machine, and running one probe through the network edge.

May import: ``trayapp.net`` and the plain helpers at trayapp's top; not the core, the store, the
engine or the UI (the core's verdicts read these types, so they sit below it).
"""
