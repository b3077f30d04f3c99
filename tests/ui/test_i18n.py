"""Every string of the UI is in the French catalogue, translated, and the compiled .qm is current."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

from tools import i18n_build


def _messages(path):
    return {(c.findtext("name"), m.findtext("source"))
            for c in ET.parse(path).getroot().iter("context") for m in c.iter("message")}  # noqa: S314


def test_french_catalogue_is_complete_and_covers_every_ui_string(tmp_path, monkeypatch):
    committed = i18n_build.ts_path("fr")
    assert i18n_build.unfinished("fr") == []
    # run lupdate on a copy: a string added to ui/ without a translation shows up here
    copy_dir = tmp_path / "translations"
    copy_dir.mkdir()
    for language in i18n_build.LANGUAGES:
        shutil.copy(i18n_build.ts_path(language), copy_dir)
    monkeypatch.setattr(i18n_build, "OUT", copy_dir)
    i18n_build.update()
    assert _messages(copy_dir / committed.name) == _messages(committed)
    assert i18n_build.unfinished("fr") == []


def test_compiled_catalogues_load_and_translate():
    from PySide6.QtCore import QTranslator

    french, english = QTranslator(), QTranslator()
    assert french.load(str(i18n_build.ts_path("fr").with_suffix(".qm")))
    assert english.load(str(i18n_build.ts_path("en").with_suffix(".qm")))
    assert french.translate("Status", "Verification failed") == "Vérification échouée"
    assert french.translate("SyncStatusWidget", "%n record(s) waiting to send", "", 2) == \
        "%n dossiers en attente d'envoi"
    assert english.translate("SyncStatusWidget", "%n record(s) waiting to send", "", 1) == \
        "%n record waiting to send"


def test_country_labels_fall_back_to_the_first_language():
    from ui.i18n import pick

    assert pick({"en": "Mother", "fr": "Mère"}, language="fr") == "Mère"
    assert pick({"en": "Mother"}, language="fr") == "Mother"
    assert pick(None, "mother.firstname", language="fr") == "mother.firstname"
