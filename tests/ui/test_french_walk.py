"""No English left in the French UI.

1. Every message code the core can raise or record (the `app.errors` classes, every ``code=`` and
   ``default_code`` in app/ and sync/, QR rejections, delivery notices) has a French wording that
   differs from the English one and holds no English words.
2. Every screen and dialog, opened in French the way people reach them — sign-in, each role's
   queues, the birth and death forms, the record view with its history, the QR dialog, the
   supervisor review, confirmations, correction dialogs, the status bar with alerts and backups —
   shows no English: no visible text (labels, buttons, placeholders, tooltips, headers, window
   titles, list and table cells) is an English source of the catalogue that has a French
   translation, nor holds an English stop word. Person data and codes (UIN, MOSIP, …) are allowed.
"""

from __future__ import annotations

import ast
import datetime as dt
import importlib
import pkgutil
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTranslator
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialog,
    QGroupBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QTabBar,
    QTableWidget,
    QTextEdit,
    QWidget,
)

from app.delivery import DeliveryOutcomes
from app.errors import CrvsError
from app.identity.qr.errors import REJECTION_CODES
from app.messages import NOTICE_CODES, Notice
from app.outbox import Backoff
from app.sync_status import BackupStatus, SyncStatusHub
from tests.ui.conftest import AGENT, QR_FIXTURES, REGISTRAR, SUPERVISOR, birth_data
from tests.ui.test_four_eyes_and_confirmations import registered_birth
from tests.ui.test_review_and_actions import failed_record, txn_of
from tools import i18n_build

ROOT = Path(__file__).resolve().parents[2]

# words that are English and not French; a hit in a French text is an untranslated string
ENGLISH_WORDS = frozenset("""
    the and with without for from this that these those is are was were be been being has have had
    not cannot could would should will shall you your yours they their there here what which when
    where who why how please click press try again later error failed failure invalid missing
    unknown found record records queue queues waiting send sent sending saved save draft drafts
    declaration declared registered register rejected reject requested request pending
    verified verification check checked identity details field fields name names date birth death
    mother father child informant deceased sign signed issuer code scan camera device
    settings reason nothing changed done ready review search previous next page none yes no
    of to in on at by or an it its as if but so than then only also all any each every some
    outcome attempts gave up sync online offline last backup
""".split())
# codes, names and words both languages share (also French words spelt like English ones)
ALLOWED = frozenset("""
    mosip uin vid rid ida e-signet esignet qr json utf http https pin usb id ok crvs field crvs-field
    farajaland english français audit verify registrar agent
    a on son sons plus code codes date dates nom page pages ce ces site total fin
""".split())
# texts people or the country typed: person data and identifiers in the fixtures
PERSON_DATA = frozenset({"Amélie", "Banda", "Zoë", "Kondwani", "Mwale", "ana", "sam", "rex", "root"})

CODE_TEMPLATES_CONTEXTS = ("Errors", "Notices")
NOT_SHOWN_CODES = {"error", "text"}   # CrvsError's abstract default; a Notice holding an older plain sentence


# ---------------------------------------------------------------------------------------------- catalogue

def _french_catalogue() -> dict[tuple[str, str], str]:
    """(context, English source) → French, from the committed .ts."""
    out = {}
    root = ET.parse(i18n_build.ts_path("fr")).getroot()  # noqa: S314 - our own file
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None:
                continue
            forms = [f.text or "" for f in translation.iter("numerusform")]
            out[(name, message.findtext("source") or "")] = forms[-1] if forms else (translation.text or "")
    return out


CATALOGUE = _french_catalogue()
# English sources whose French differs: shown as they are, they were never translated
ENGLISH_SOURCES = {source for (_c, source), french in CATALOGUE.items() if french and french != source}


def _pattern(source: str) -> re.Pattern[str] | None:
    """A source with placeholders as a pattern over the shown text, when it has words enough."""
    parts = re.split(r"%n|%\d|\{\w+\}", source)
    if len(parts) == 1 or sum(len(p.strip()) for p in parts) < 12:
        return None
    return re.compile(".+?".join(re.escape(p) for p in parts), re.S)


SOURCE_PATTERNS = [p for p in (_pattern(s) for s in ENGLISH_SOURCES) if p is not None]


def _clean(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text)                 # rich text
    text = re.sub(r"&(?=\w)", "", text)                   # accelerators
    text = re.sub(r"\S+@\S+\.\w+", "", text)             # an example address (name@example.org)
    return text.replace("&amp;", "&").replace("\u00a0", " ").strip()


def english_problem(text: str) -> str | None:
    """Why `text`, shown in the French UI, is English; None when it is not."""
    text = _clean(text)
    if not text or text in PERSON_DATA:
        return None
    if text in ENGLISH_SOURCES:
        return "an English source with a French translation, shown untranslated"
    for pattern in SOURCE_PATTERNS:
        if pattern.fullmatch(text):
            return f"an untranslated English source ({pattern.pattern[:50]}…)"
    words = {w.lower() for w in re.findall(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’-]*", text)}
    hits = sorted(w for w in words if w in ENGLISH_WORDS and w not in ALLOWED and w.title() not in PERSON_DATA)
    if hits:
        return f"English words {hits}"
    return None


def test_the_english_detector_catches_what_the_issue_saw():
    assert english_problem("résultat : failed · non concordant : name")
    assert english_problem("Requested by")
    assert english_problem("Verification failed — identity")
    assert english_problem("Vérification échouée — nom") is None
    assert english_problem("Amélie Banda · Naissance · UIN 1234567890") is None


# ---------------------------------------------------------------------------------------------- 1. codes

def _codes_in_sources() -> dict[str, str]:
    """Every constant ``code=…`` and ``default_code = …`` of app/ and sync/, with where it is."""
    found: dict[str, str] = {}
    for package in ("app", "sync"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                value = None
                if isinstance(node, ast.keyword) and node.arg == "code":
                    value = node.value
                elif isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "default_code"
                                                          for t in node.targets):
                    value = node.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found.setdefault(value.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _error_classes() -> Iterator[type[CrvsError]]:
    for package in ("app", "sync"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    todo = [CrvsError]
    while todo:
        cls = todo.pop()
        yield cls
        todo.extend(cls.__subclasses__())


def every_code() -> dict[str, str]:
    codes = _codes_in_sources()
    for cls in _error_classes():
        codes.setdefault(cls.default_code, f"{cls.__module__}.{cls.__qualname__}")
    for code in REJECTION_CODES:
        codes.setdefault(f"qr.{code}", "app.identity.qr.errors.REJECTION_CODES")
    for code in NOTICE_CODES:
        codes.setdefault(code, "app.messages.NOTICE_CODES")
    return {code: where for code, where in codes.items() if code not in NOT_SHOWN_CODES}


def test_every_code_the_core_raises_or_records_has_a_french_wording(qapp):
    from ui.errors import TEMPLATES
    from ui.notices import NOTICE_TEMPLATES

    french = QTranslator()
    assert french.load(str(i18n_build.ts_path("fr").with_suffix(".qm")))
    codes = every_code()
    assert len(codes) > 100, "the walk found the core's codes"
    problems = []
    for code, where in sorted(codes.items()):
        catalogues = zip(CODE_TEMPLATES_CONTEXTS, (TEMPLATES, NOTICE_TEMPLATES), strict=True)
        context, template = next(((c, t[code]) for c, t in catalogues if code in t), ("", None))
        if template is None:
            problems.append(f"{code} ({where}): no wording in ui/errors.py or ui/notices.py")
            continue
        text = french.translate(context, template)
        if not text or text == template:
            problems.append(f"{code}: no French translation of {template!r}")
            continue
        words = english_problem(re.sub(r"\{\w+\}", "", text))
        if words:
            problems.append(f"{code}: French {text!r} — {words}")
        if re.search(r"[^\s\u00a0\u202f][:;?!](\s|$)", text) or re.search(r" [:;?!]", text):
            problems.append(f"{code}: French {text!r} — no no-break space before : ; ? !")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------------- 2. screens

def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a person can read in `root` and its visible children."""
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if widget is not root and not widget.isVisibleTo(root):
            continue
        name = f"{type(widget).__name__}#{widget.objectName()}"
        if widget.isWindow() and widget.windowTitle():
            yield name + " title", widget.windowTitle()
        if widget.toolTip():
            yield name + " tooltip", widget.toolTip()
        if isinstance(widget, QLabel):
            yield name, widget.text()
        elif isinstance(widget, QAbstractButton):
            yield name, widget.text()
        elif isinstance(widget, QLineEdit):
            yield name + " placeholder", widget.placeholderText()
        elif isinstance(widget, (QPlainTextEdit, QTextEdit)):
            yield name + " placeholder", widget.placeholderText()
        elif isinstance(widget, QComboBox):
            for index in range(widget.count()):
                yield f"{name} item {index}", widget.itemText(index)
        elif isinstance(widget, QGroupBox):
            yield name, widget.title()
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                yield f"{name} tab {index}", widget.tabText(index)
        elif isinstance(widget, QProgressBar) and widget.isTextVisible():
            yield name, widget.format()
        elif isinstance(widget, QListWidget):
            for index in range(widget.count()):
                yield f"{name} row {index}", widget.item(index).text()
        elif isinstance(widget, QAbstractItemView) and not isinstance(widget, QHeaderView) \
                and widget.model() is not None:
            model = widget.model()
            for column in range(model.columnCount()):
                yield f"{name} header {column}", str(model.headerData(column, _HORIZONTAL) or "")
            for row in range(min(model.rowCount(), 40)):
                for column in range(model.columnCount()):
                    yield f"{name} [{row},{column}]", str(model.index(row, column).data() or "")
        for action in QWidget.actions(widget):   # (a window may shadow actions())
            yield name + " action", action.text()
            yield name + " action tooltip", action.toolTip()


from PySide6.QtCore import Qt  # noqa: E402 - used by visible_texts only

_HORIZONTAL = Qt.Orientation.Horizontal


class Walk:
    """Collects what is English, screen by screen."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.screens: list[str] = []
        self.texts = 0

    def __call__(self, screen: str, root: QWidget) -> None:
        self.screens.append(screen)
        for where, text in visible_texts(root):
            self.texts += 1
            problem = english_problem(text)
            if problem:
                self.problems.append(f"{screen} · {where}: {text!r} — {problem}")


@pytest.fixture
def walk(monkeypatch: pytest.MonkeyPatch) -> Iterator[Walk]:
    """A walk whose modal dialogs are read, then cancelled, instead of waiting for a person."""
    collected = Walk()

    def read_then_cancel(dialog: QDialog) -> int:
        collected(f"dialog {type(dialog).__name__} {dialog.windowTitle()!r}", dialog)
        return int(QDialog.DialogCode.Rejected)

    monkeypatch.setattr(QDialog, "exec", read_then_cancel)
    monkeypatch.setattr(QMessageBox, "exec", read_then_cancel)
    yield collected


def _wait_for_rows(qtbot: Any, window: Any) -> None:
    qtbot.waitUntil(lambda: not getattr(window.records_panel, "loading", False), timeout=5000)
    qtbot.wait(50)


def _show(qtbot: Any, window: Any, record_id: str) -> None:
    window.select_record(record_id)
    qtbot.waitUntil(lambda: window.view.record_id == record_id, timeout=5000)


def _every_queue(qtbot: Any, window: Any, walk: Walk, who: str) -> None:
    for row in range(window.queues.count()):
        window.queues.setCurrentRow(row)
        _wait_for_rows(qtbot, window)
        walk(f"{who}: queue {row}", window)


def _quarantined(records: Any, device: Any) -> Any:
    """A record whose identity check MOSIP kept failing: the stored notice, the audit note."""
    from sqlmodel import select

    from app.store.models import OutboxItem

    record = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Tendai"}))
    with device.db.read() as session:
        item = session.exec(select(OutboxItem).where(OutboxItem.record_id == record.id)).first()
    outcomes = DeliveryOutcomes.of(records)
    outcomes.retry_later(item.id, Notice("delivery.timed_out", "timed out"), Backoff(1, 2), max_attempts=1)
    return records.get(record.id)


def test_every_screen_in_french_shows_no_english(make_window, make_ctx, records, device, qtbot, walk):
    from ui import i18n
    from ui.app import application
    from ui.dialogs import ApproveCorrectionDialog, CorrectionDialog
    from ui.login import LoginDialog
    from ui.qr_dialog import QrScanDialog
    from ui.review import SupervisorReview

    application()
    # records in the states each role meets
    failed = failed_record(records, device)
    ready = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Chikondi"}))
    for section in ("mother",):
        DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, ready.id, section), verified=True)
    awaiting = records.declare(AGENT, event="birth", data=birth_data(**{"child.firstname": "Limbani"}))
    DeliveryOutcomes.of(records).apply_verification_result(txn_of(device, awaiting.id, "mother"), verified=True)
    awaiting = records.act(REGISTRAR, awaiting.id, "register")      # a newborn: MOSIP must issue a UIN
    registered = registered_birth(records, device)
    records.act(REGISTRAR, registered.id, "request-correction", data={"child.firstname": "Mphatso Grace"},
                reason="faute de frappe")
    quarantined = _quarantined(records, device)
    draft = records.create_draft(AGENT, "birth", {"child.firstname": "Thoko"})
    records.update_draft(AGENT, draft.id, {"child.surname": "Phiri"})

    # sign-in, in the language the app starts in
    i18n.install("fr")
    login = LoginDialog(device.country, lambda *_: AGENT, "fr")
    qtbot.addWidget(login)
    walk("sign-in", login)

    # each role's window and queues, with the status bar in its states
    hub = SyncStatusHub()
    agent = make_window(AGENT, language="fr", sync_hub=hub, sync_now=lambda: None)
    _every_queue(qtbot, agent, walk, "agent")
    for status in (
        {"online": False, "queued": 3},
        {"online": True, "running": True, "done": 1, "total": 4, "queued": 3},
        {"online": True, "running": False, "quarantined": 1,
         "alert": Notice("sync.ida_credentials_refused", "IDA refused", {"codes": "IDA-MLC-025"}),
         "last_success": dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC),
         "backup": BackupStatus(last_success_at=None, warn_after_hours=48)},
        {"online": True, "alert": None, "last_error": Notice("sync.failed", "failed", {"error": "ReadError"}),
         "backup": BackupStatus(last_success_at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
                                destinations=("/media/usb",), size_bytes=2048)},
    ):
        hub.update(**status)
        qtbot.wait(100)
        walk(f"status bar {sorted(status)}", agent.statusBar())

    # the declaration forms, every page
    for event in ("birth", "death"):
        agent.new_declaration(event)
        qtbot.waitUntil(lambda: agent.form is not None, timeout=5000)
        form = agent.form
        for page in range(form.pages.count()):
            form.pages.setCurrentIndex(page)
            walk(f"{event} form page {page}", agent)
        form.debounce.stop()
        agent.close_page()
    agent.select_record(draft.id)
    qtbot.waitUntil(lambda: agent.view.record_id == draft.id, timeout=5000)
    walk("agent: draft with its saves", agent)

    # the QR dialog: scanning, a refused code, a code read
    ctx = make_ctx(AGENT, language="fr")
    for source in ("no_code.avi", "claim169_ed25519.png", "opencrvs.png"):
        dialog = QrScanDialog(ctx, "birth", "mother", source=QR_FIXTURES / source, realtime=False)
        qtbot.addWidget(dialog)
        dialog.show()
        walk(f"QR dialog {source} (scanning)", dialog)
        qtbot.waitUntil(lambda d=dialog: d.again_button.isVisible() or d.use_button.isVisible(), timeout=10_000)
        walk(f"QR dialog {source}", dialog)
        dialog.reject()

    # the supervisor: queues, a failed check and its review, a flagged record, reject
    supervisor = make_window(SUPERVISOR, language="fr")
    _every_queue(qtbot, supervisor, walk, "supervisor")
    for record in (failed, quarantined):
        _show(qtbot, supervisor, record.id)
        walk(f"supervisor: record {record.status}", supervisor)
    review = SupervisorReview(supervisor.ctx, records.detail(failed.id, role=SUPERVISOR.role))
    qtbot.addWidget(review)
    walk("supervisor review", review)
    _show(qtbot, supervisor, failed.id)
    supervisor.actions.run("reject")
    _show(qtbot, supervisor, awaiting.id)
    walk("supervisor: awaiting a UIN", supervisor)
    supervisor.actions.run("remove-from-queue")

    # the registrar: register (confirmation), a correction requested and approved, rejected
    registrar = make_window(REGISTRAR, language="fr")
    _every_queue(qtbot, registrar, walk, "registrar")
    _show(qtbot, registrar, ready.id)
    walk("registrar: ready record", registrar)
    registrar.actions.run("register")
    _show(qtbot, registrar, registered.id)
    walk("registrar: correction requested, with history", registrar)
    for action in ("approve-correction", "reject-correction"):
        registrar.actions.run(action)
    corrected = records.get(registered.id)
    for dialog in (CorrectionDialog(registrar.ctx, corrected), ApproveCorrectionDialog(registrar.ctx, corrected)):
        qtbot.addWidget(dialog)
        walk(f"dialog {type(dialog).__name__}", dialog)

    assert len(walk.screens) > 30 and walk.texts > 500, "the walk saw the app"
    assert not walk.problems, "\n".join(walk.problems)


def test_history_rows_are_worded_in_french(make_ctx, records, device, qtbot):
    """The issue's rows: a failed check's outcome and attribute, the device as actor, the
    correction's requester; and one row for a run of draft saves."""
    from ui.dialogs import CorrectionDialog
    from ui.record_view import RecordView

    failed = failed_record(records, device)
    draft = records.create_draft(AGENT, "birth", {"child.firstname": "Thoko"})
    for field, value in (("child.surname", "Phiri"), ("mother.firstname", "Zoë"), ("mother.surname", "Phiri")):
        records.update_draft(AGENT, draft.id, {field: value})
    view = RecordView(make_ctx(SUPERVISOR, language="fr"))
    qtbot.addWidget(view)

    def rows(record_id: str) -> list[list[str]]:
        view.show_detail(records.detail(record_id))
        table = view.findChild(QTableWidget, "history")
        return [[table.item(r, c).text() for c in range(4)] for r in range(table.rowCount())]

    checked = next(row for row in rows(failed.id) if row[2] == "Résultat de la vérification d'identité")
    assert checked[1] == "Cet appareil"
    assert "résultat\u00a0: Vérification échouée" in checked[3] and "non concordant\u00a0: nom" in checked[3]
    registered = registered_birth(records, device)
    records.act(REGISTRAR, registered.id, "request-correction",
                data={"child.firstname": "Grace", "requester_section": "mother"}, reason="erreur de saisie")
    asked = next(row for row in rows(registered.id) if row[2] == "Demande de correction")
    assert "demandée par\u00a0: Informations sur la mère" in asked[3]
    dialog = CorrectionDialog(view.ctx, records.get(failed.id))
    qtbot.addWidget(dialog)
    assert dialog.requester.itemText(dialog.requester.findData("mother")) == "Zoë Banda (Informations sur la mère)"
    saves = [row for row in rows(draft.id) if row[2] == "Brouillon enregistré"]
    assert len(saves) == 1       # three saves, one row
    assert all(label in saves[0][3] for label in ("Nom de famille", "Prénom(s)"))


def test_french_translations_space_their_punctuation_the_french_way():
    """A no-break space before : ; ? ! and inside « », never a plain one (a line could break there)."""
    wrong = []
    for (context, _source), french in CATALOGUE.items():
        text = re.sub(r"\w+://\S+|\d+:\d+", "", french)        # addresses and times
        if re.search(r"\w[:;?!](\s|$)|[ ][:;?!]|«[ ]|[ ]»", text) or re.search(r"«\S|\S»", text):
            wrong.append(f"{context}: {french!r}")
    assert not wrong, "\n".join(wrong)
