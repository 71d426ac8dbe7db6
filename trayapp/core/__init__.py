"""The pure core: value types (``model``), the settings' declaration, the tracker that turns
readings into events, the verdict of page and probes, what the tray shows (``summary``) and the
notification policy and its words. No I/O, no clock, no Qt: functions of their inputs.

May import: ``trayapp.probes`` (the probe types a verdict reads), ``trayapp.net`` only for
types, and the plain helpers at trayapp's top; never the formats, store, engine or UI.
"""
