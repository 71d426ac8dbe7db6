"""The add-service dialog of the Settings window: search the catalog or paste a URL, see a
preview (detected and read by the engine, on the app's asyncio loop), pick the interval and
components, save."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trayapp.core.model import Watch
from trayapp.engine.preview import Preview
from trayapp.errors import ConfigError
from trayapp.store import catalog, catalog_search, config_edits
from trayapp.store.config_values import Config
from trayapp.ui.screen import fit_to_screen
from trayapp.ui.settings_parts import (
    Check,
    DataRole,
    Detect,
    MessageLine,
    Runner,
    checked_components,
    fill_components,
    fill_intervals,
    format_title,
    heading,
    preview_summary,
    problem_text,
)
from trayapp.urls import is_loopback

# --------------------------------------------------------------------------- adding a service


RESULTS_SHOWN = 50  # search results listed in the add-service dialog


class AddServiceDialog(QDialog):
    """Add a service from the catalog (searched as you type, over all of it) or by URL (detected).

    Either way a preview says what the page reads as before anything is saved; a URL can only
    be added once detection found its format. ``added`` carries the new Config.
    """

    added = Signal(object)

    def __init__(
        self,
        config_path: Path,
        current: Config,
        detect: Detect,
        check: Check,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.config_path = config_path
        self.current = current
        self.worker = Runner(self)  # its preview is cancelled when the dialog closes
        self.detect, self.check = detect, check
        self.entry: catalog.CatalogEntry | None = None
        self.preview: Preview | None = None
        self._ticket = 0
        self.setWindowTitle("Add a service")
        fit_to_screen(self, 640, 600)
        self._build()
        self.worker.done.connect(self._finished)
        self.finished.connect(self.worker.cancel)

    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search 1,000+ services: GitHub, Stripe, iCloud Mail, AWS…")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self.choose_first)
        self._typing = QTimer(self)  # a search per pause in typing, not per keystroke
        self._typing.setSingleShot(True)
        self._typing.setInterval(120)
        self._typing.timeout.connect(self.show_results)
        self.search.textChanged.connect(lambda _text: self._typing.start())

        self.results = QTreeWidget()
        self.results.setColumnCount(3)
        self.results.setHeaderLabels(["Service", "Category", "Format"])
        self.results.setRootIsDecorated(False)
        self.results.setMinimumHeight(150)
        self.results.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.results.header().setStretchLastSection(False)
        self.results.itemClicked.connect(lambda item, _col: self._clicked(item))

        self.url = QLineEdit()
        self.url.setPlaceholderText("https://status.example.com")
        self.url.returnPressed.connect(self.run_detect)
        self.detect_button = QPushButton("Detect")
        self.detect_button.clicked.connect(self.run_detect)

        self.preview_label = QLabel("Pick a service or enter a status page URL.")
        self.preview_label.setWordWrap(True)
        self.preview_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview_label.setFrameShape(QFrame.Shape.StyledPanel)
        self.preview_label.setContentsMargins(8, 6, 8, 6)
        self.preview_label.setMinimumHeight(48)
        self.name = QLineEdit()
        self.interval = QComboBox()
        self.components = QListWidget()
        self.components.setMinimumHeight(90)
        self.message = MessageLine()

        url_row = QHBoxLayout()
        url_row.addWidget(self.url, 1)
        url_row.addWidget(self.detect_button)
        form = QFormLayout()
        form.addRow("Name in the tray", self.name)
        form.addRow("Check", self.interval)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.add_button = buttons.addButton("Add", QDialogButtonBox.ButtonRole.AcceptRole)
        self.add_button.setEnabled(False)
        self.add_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading("From the catalog"))
        layout.addWidget(self.search)
        layout.addWidget(self.results, 2)
        layout.addWidget(heading("Or paste any status page URL"))
        layout.addLayout(url_row)
        layout.addWidget(heading("Preview"))
        layout.addWidget(self.preview_label)
        layout.addLayout(form)
        layout.addWidget(QLabel("Only these components matter (none checked: the whole page):"))
        layout.addWidget(self.components, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._intervals(None)
        self.show_results()

    # ----- choosing

    def show_results(self) -> None:
        """The entries matching the search box, best first; the hand-checked ones while it is
        empty (the whole catalog is read on the first search, not when the dialog opens)."""
        query = self.search.text().strip()
        if self.entry is not None and query == self.entry.name:
            return  # the box shows what was chosen: keep the list as it is
        if query:
            shown = [m.entry for m in catalog_search.search(query, limit=RESULTS_SHOWN)]
        else:
            shown = list(catalog.entries())
        watched = {(w.url, w.format, w.params) for w in self.current.watches}
        self.results.clear()
        for entry in shown:
            taken = (entry.endpoint, entry.format, entry.params) in watched
            item = QTreeWidgetItem(
                [
                    entry.name + (" (watched)" if taken else ""),
                    entry.category,
                    format_title(entry.format),
                ]
            )
            item.setData(0, DataRole, entry.id)
            if taken:
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.results.addTopLevelItem(item)
        for column in (1, 2):
            self.results.resizeColumnToContents(column)
        if query and not shown:
            self.preview_label.setText("No service in the catalog matches; paste its URL below.")

    def choose_first(self) -> None:
        """Enter in the search box: a pasted URL is detected, else the best result is chosen."""
        text = self.search.text().strip()
        if "://" in text:
            self.url.setText(text)
            self.run_detect()
            return
        self._typing.stop()
        self.show_results()
        for index in range(self.results.topLevelItemCount()):
            item = self.results.topLevelItem(index)
            if item is not None and item.flags() & Qt.ItemFlag.ItemIsEnabled:
                self.choose(item.data(0, DataRole))
                return
        self.choose(text)

    def _clicked(self, item: QTreeWidgetItem) -> None:
        if item.data(0, DataRole):
            self.choose(item.data(0, DataRole))

    def choose(self, query: str) -> None:
        """Pick a catalog entry by name, alias or id, and preview it."""
        entry = catalog.find(query)
        if entry is None:
            self.message.error(f"{query!r} is not in the catalog; enter its status page URL.")
            return
        self.entry, self.preview = entry, None
        self.search.setText(entry.name)
        self.name.setText(entry.name)
        self._intervals(entry.watch())
        self.components.clear()
        self.message.clear_message()
        self.add_button.setEnabled(True)  # the catalog is verified; the preview is a courtesy
        self.preview_label.setText(
            f"{entry.name} · {format_title(entry.format)} · endpoint {entry.endpoint} · checking…"
        )
        self._ticket = self.worker.start(lambda: self.check(entry.watch()))

    def run_detect(self) -> None:
        url = self.url.text().strip()
        if "://" not in url and url:
            url = "https://" + url
        if not url:
            self.message.error("Enter the address of a status page first.")
            return
        self.entry, self.preview = None, None
        self.add_button.setEnabled(False)
        self.detect_button.setEnabled(False)
        self.message.clear_message()
        self.preview_label.setText(f"Looking at {url} …")
        self._ticket = self.worker.start(lambda: self.detect(url))

    def _finished(self, ticket: int, result: object, error: object) -> None:
        if ticket != self._ticket:
            return  # an answer to an older question
        self.detect_button.setEnabled(True)
        if error is not None or not isinstance(result, Preview):
            problem = problem_text(error) if isinstance(error, BaseException) else "no answer"
            if self.entry is not None:
                self.preview_label.setText(
                    f"{self.entry.name} · {format_title(self.entry.format)} · "
                    f"could not check it now ({problem}); it can still be added."
                )
            else:
                self.preview_label.setText("Nothing was detected.")
                self.message.error(f"Detection failed: {problem}")
            return
        self.preview = result
        self.preview_label.setText(preview_summary(result))
        fill_components(self.components, result.components, ())
        if self.entry is None:
            page_name = result.reading.page_name
            self.name.setText(page_name or result.watch.name)
            self._intervals(result.watch)
            self.add_button.setEnabled(True)

    def _intervals(self, watch: Watch | None) -> None:
        loopback = watch is not None and is_loopback(watch.url)
        default = self.current.polling.interval
        fill_intervals(self.interval, default, watch.interval if watch else None, loopback)

    # ----- saving

    def save(self) -> None:
        name = self.name.text().strip() or None
        interval = self.interval.currentData()
        components = checked_components(self.components)
        try:
            if self.entry is not None:
                fields = self.entry.config_fields()
                if (name is not None and name != self.entry.name) or "name" in fields:
                    fields["name"] = name or self.entry.name
                result = config_edits.add_watch(
                    self.config_path, **fields, interval=interval, components=components
                )
            elif self.preview is not None:
                watch = self.preview.watch
                result = config_edits.add_watch(
                    self.config_path,
                    url=watch.url,
                    format=watch.format,
                    page=watch.page_url,
                    params=dict(watch.params) or None,
                    name=name,
                    interval=interval,
                    components=components,
                )
            else:
                self.message.error("Pick a service or detect a URL first.")
                return
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not added: {problem_text(exc)}")
            return
        self.added.emit(result)
        self.accept()
