"""The Settings window's API tokens tab: a service's token, stored in the system keyring.

It runs in the tray, so the keyring is reached through a short-lived child process
(``secrets.*_apart``): the tray never loads keyring and its D-Bus and crypto stack."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from trayapp.errors import ConfigError, SecretStoreError
from trayapp.store import config_edits, secrets
from trayapp.store.config_values import Config
from trayapp.ui.settings_parts import SettingsTab, hint, problem_text, token_entry_name


class TokensTab(SettingsTab):
    """The Settings window's API tokens tab: a service's token, stored in the system keyring."""

    def _tokens_tab(self) -> QWidget:
        self.token_service = QComboBox()
        self.token_service.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.token_service.currentIndexChanged.connect(lambda *_: self._show_token_state())
        self.token_state = QLabel()
        self.token_state.setWordWrap(True)
        self.token_field = QLineEdit()
        self.token_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_field.setPlaceholderText("Paste the API token")
        self.token_field.returnPressed.connect(self.save_token)
        self.save_token_button = QPushButton("Save token")
        self.save_token_button.clicked.connect(self.save_token)
        self.remove_token_button = QPushButton("Remove token")
        self.remove_token_button.clicked.connect(self.remove_token)
        self.token_field.setMinimumWidth(360)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setVerticalSpacing(10)
        form.addRow("Service", self.token_service)
        form.addRow("Token", self.token_field)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.remove_token_button)
        row.addWidget(self.save_token_button)
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.addWidget(
            hint(
                "Tokens let trayapp ask a service's own API how it is doing. They are kept in "
                "your system keyring; the config file only names the keyring entry."
            )
        )
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.token_state)
        layout.addLayout(row)
        layout.addStretch(1)
        return tab

    def _token_watch(self) -> str | None:
        name = self.token_service.currentData()
        return name if isinstance(name, str) else None

    def _entry_name(self, watch_name: str) -> str:
        existing = self.current.token_for(watch_name) if self.current else None
        return existing or token_entry_name(watch_name)

    def _show_token_state(self) -> None:
        name = self._token_watch()
        if name is None:
            self.token_state.setText("No services are watched yet.")
            return
        entry = self._entry_name(name)
        referenced = self.current is not None and self.current.token_for(name) is not None
        try:
            stored = secrets.get_secret_apart(entry) is not None
        except (SecretStoreError, ValueError) as exc:
            self.token_state.setText(f"The keyring cannot be used: {problem_text(exc)}")
            return
        if stored and referenced:
            text = f"A token is stored in the keyring as “{entry}”; the config refers to it."
        elif stored:
            text = f"A token is stored as “{entry}”, but the config does not use it yet."
        elif referenced:
            text = f"The config names “{entry}”, but the keyring has no such token."
        else:
            text = f"No token for {name}. It will be stored in the keyring as “{entry}”."
        self.token_state.setText(text)
        self.remove_token_button.setEnabled(self.current is not None and (stored or referenced))

    def _tokens_changed(self) -> None:
        """A probe held on "your key was rejected" is re-checked at once with the new token."""
        if self.hub is not None and hasattr(self.hub, "tokens_changed"):
            self.hub.tokens_changed.emit()

    def save_token(self) -> None:
        name = self._token_watch()
        value = self.token_field.text().strip()
        if name is None or self.current is None:
            return
        if not value:
            self.message.error("Paste the token into the field first.")
            return
        entry = self._entry_name(name)
        try:
            secrets.set_secret_apart(entry, value)
        except (SecretStoreError, ValueError) as exc:
            self.message.error(f"The token was not saved: {problem_text(exc)}")
            return  # the field keeps what was typed
        self.token_field.clear()
        self._tokens_changed()
        if self.current.token_for(name) == entry:
            self.message.ok(f"Saved the token for {name} in the keyring.")
            self._show_token_state()
            return
        try:
            result = config_edits.update_watch(self.config_path, name, token=entry)
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(
                f"The token is in the keyring as “{entry}”, but the config could not name it: "
                f"{problem_text(exc)}"
            )
            return
        self._saved(result, f"Saved the token for {name} in the keyring as “{entry}”.")

    def remove_token(self) -> None:
        name = self._token_watch()
        if name is None or self.current is None:
            return
        entry = self._entry_name(name)
        try:
            secrets.delete_secret_apart(entry)
        except (SecretStoreError, ValueError) as exc:
            self.message.error(f"The token was not removed: {problem_text(exc)}")
            return
        self._tokens_changed()
        if self.current.token_for(name) is None:
            self.message.ok(f"Removed the token for {name}.")
            self._show_token_state()
            return
        try:
            result = config_edits.update_watch(self.config_path, name, token=None)
        except (ConfigError, ValueError, OSError) as exc:
            self.message.error(f"Not saved: {problem_text(exc)}")
            return
        self._saved(result, f"Removed the token for {name}.")

    def _fill_tokens(self, loaded: Config) -> None:
        chosen = self.token_service.currentData()
        self.token_service.blockSignals(True)
        self.token_service.clear()
        for watch in loaded.watches:
            self.token_service.addItem(watch.name, watch.name)
        self.token_service.setCurrentIndex(max(0, self.token_service.findData(chosen)))
        self.token_service.blockSignals(False)
