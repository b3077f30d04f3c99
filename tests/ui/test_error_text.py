"""The UI words expected failures from their code and parameters, in the user's language, and
falls back to the core's English message for a code it does not know."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.errors import ConfigurationFault, Refused
from app.identity.esignet_api import ESignetOutcome, ESignetState
from app.mosip.esignet import ESignetVerificationError
from app.records.validation import DeclarationInvalid, FieldError
from app.records.workflow import ActionType, PermissionDenied, Role, Status, allowed_targets, check_permission
from ui import i18n
from ui.errors import TEMPLATES, code_text, error_text


@pytest.fixture
def french(qapp) -> Iterator[None]:
    i18n.install("fr")
    yield
    i18n.install("en")


def refusal(call) -> Exception:
    with pytest.raises(Exception) as info:
        call()
    return info.value


def test_a_refusal_is_worded_in_french_with_its_parameters(french):
    denied = refusal(lambda: check_permission(ActionType.REGISTER, Role.AGENT))
    assert isinstance(denied, PermissionDenied) and denied.code == "workflow.permission_denied"
    assert error_text(denied) == ("«\u00a0Enregistrer\u00a0» demande le rôle officier d'état civil\u00a0; "
                                  "vous êtes agent d'enregistrement.")      # roles worded, French spacing
    wrong = refusal(lambda: allowed_targets(ActionType.REGISTER, Status.DRAFT))
    assert error_text(wrong) == \
        "«\u00a0Enregistrer\u00a0» n'est pas possible pour un dossier au statut «\u00a0Brouillon\u00a0»."


def test_e_signet_codes_reach_the_person_in_french(french):
    weak = ESignetVerificationError("english", code="esignet.acr_insufficient",
                                    params={"acr": "mosip:idp:acr:static-code"})
    assert error_text(weak).startswith("La personne a été authentifiée par une méthode que ce pays n'accepte pas "
                                       "(mosip:idp:acr:static-code)")
    outcome = ESignetOutcome(ESignetState.FAILED, message="english", code="esignet.cancelled")
    assert code_text(outcome.code, outcome.params, outcome.message) == \
        "La connexion a été annulée\u00a0; rien n'a été modifié."


def test_a_generic_code_is_worded_as_its_family_in_french_and_by_the_core_in_english(french):
    # no English reaches the French reader: the family's sentence is what can be said
    assert error_text(Refused("the queue 'x' does not exist")) == \
        "Ce n'est pas autorisé maintenant\u00a0; rien n'a été modifié."
    assert error_text(ConfigurationFault("country.yaml:3: bad", code="config.invalid")).startswith(
        "La configuration du pays contient des erreurs")
    i18n.install("en")
    try:   # the core's own sentence says more, for an English reader
        assert error_text(Refused("the queue 'x' does not exist")) == "the queue 'x' does not exist"
        assert error_text(ConfigurationFault("country.yaml:3: bad", code="config.invalid")) == "country.yaml:3: bad"
    finally:
        i18n.install("fr")


def test_unknown_codes_and_missing_parameters_fall_back_to_the_english_message(french):
    assert error_text(Refused("no words yet", code="not.a.known.code")) == "no words yet"
    # a template whose parameter the core did not give is not shown half-filled
    assert error_text(Refused("too weak (english)", code="user.weak_pin")) == "too weak (english)"


def test_a_declaration_is_worded_field_by_field(french):
    invalid = DeclarationInvalid([FieldError("child.dob", "required", "is required")])
    assert error_text(invalid) == "child.dob: Ce champ est obligatoire"


def test_an_unexpected_exception_shows_its_type_only(french):
    assert error_text(KeyError("secret detail")) == "Une erreur s'est produite (KeyError). Rien n'a été modifié."


def test_english_is_the_source_text():
    assert "esignet.acr_missing" in TEMPLATES
    assert error_text(Refused("x", code="keyslot.locked", params={"seconds": 30})) == \
        "Too many wrong PINs: try again in 30 s"
