"""trayapp: watch the status of the services you depend on from the system tray."""

__version__ = "0.1.0"
