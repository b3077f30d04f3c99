"""Sign in with user name and PIN; choose the language (kept per user and for this device)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.config.loader import LoadedCountry
from app.errors import CrvsError
from app.records import Actor
from ui import i18n
from ui.errors import error_text
from ui.operations import run_write

SignIn = Callable[[str, str, str], Actor]   # (user name, PIN, language) -> Actor; runs on a worker


class LoginDialog(QDialog):
    def __init__(self, country: LoadedCountry, sign_in: SignIn, language: str, user_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.country = country
        self.sign_in_fn = sign_in
        self.actor: Actor | None = None
        self.setMinimumWidth(380)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        self.heading = QLabel(self)
        self.heading.setProperty("role", "title")
        layout.addWidget(self.heading)
        self.subtitle = QLabel(self)
        self.subtitle.setProperty("role", "hint")
        layout.addWidget(self.subtitle)
        grid = QFormLayout()
        self.user = QLineEdit(user_name, self)
        self.user.setObjectName("user")
        self.pin = QLineEdit(self)
        self.pin.setObjectName("pin")
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.language = QComboBox(self)
        self.language.setObjectName("language")
        languages = [lang for lang in country.config.languages if lang in i18n.LANGUAGES] or ["en"]
        for code in languages:
            self.language.addItem(i18n.LANGUAGES[code], code)
        index = self.language.findData(language)
        self.language.setCurrentIndex(max(index, 0))
        self.language.currentIndexChanged.connect(self._language_changed)
        self.user_label, self.pin_label, self.language_label = QLabel(self), QLabel(self), QLabel(self)
        self.user_label.setBuddy(self.user)
        self.pin_label.setBuddy(self.pin)
        self.language_label.setBuddy(self.language)
        grid.addRow(self.user_label, self.user)
        grid.addRow(self.pin_label, self.pin)
        grid.addRow(self.language_label, self.language)
        layout.addLayout(grid)
        self.error = QLabel(self)
        self.error.setObjectName("login-error")
        self.error.setProperty("role", "error")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.sign_in = QPushButton(self)
        self.sign_in.setProperty("primary", True)
        self.sign_in.setDefault(True)
        self.sign_in.clicked.connect(self.submit)
        buttons.addWidget(self.sign_in)
        layout.addLayout(buttons)
        self.pin.returnPressed.connect(self.submit)
        self.user.returnPressed.connect(self.pin.setFocus)
        self.retranslate()
        (self.pin if user_name else self.user).setFocus(Qt.FocusReason.OtherFocusReason)

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("crvs-field — sign in"))
        self.heading.setText(self.tr("Civil registration"))
        self.subtitle.setText(self.country.name.title())
        self.user_label.setText(self.tr("&User name"))
        self.pin_label.setText(self.tr("&PIN"))
        self.language_label.setText(self.tr("&Language"))
        self.sign_in.setText(self.tr("Sign in"))

    def chosen_language(self) -> str:
        return str(self.language.currentData() or "en")

    def _language_changed(self) -> None:
        i18n.install(self.chosen_language())
        self.retranslate()

    def submit(self) -> None:
        name, pin = self.user.text().strip(), self.pin.text()
        if not name or not pin:
            self.error.setText(self.tr("Enter your user name and PIN."))
            return
        self.sign_in.setEnabled(False)
        self.error.setText(self.tr("Checking…"))
        sign_in, language = self.sign_in_fn, self.chosen_language()
        # argon2 (key slot and PIN hash) is slow on purpose: never on the UI thread
        run_write(self, lambda: sign_in(name, pin, language), self._success, self._failure)

    def _success(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    def _failure(self, exc: BaseException) -> None:
        self.sign_in.setEnabled(True)
        self.pin.clear()
        self.pin.setFocus()
        if isinstance(exc, CrvsError):
            self.error.setText(error_text(exc))
        else:
            self.error.setText(self.tr("Sign-in failed: %1").replace("%1", type(exc).__name__))
