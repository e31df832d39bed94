from __future__ import annotations

import pytest

from rapport.text.language import Language, detect

COMMENTS = {
    "en": [
        "The delivery was late again",
        "Great service, thanks!",
        "Support never called back",
        "Invoice amount is wrong",
        "Very happy with our account manager",
    ],
    "fr": [
        "Très bon service, merci",
        "Livraison en retard",
        "Le support ne répond jamais",
        "La facture est incorrecte",
        "Très satisfait de notre interlocuteur",
    ],
    "de": [
        "Sehr guter Service",
        "Lieferung kam zu spät",
        "Der Support ruft nie zurück",
        "Die Rechnung ist falsch",
        "Sehr zufrieden mit unserem Ansprechpartner",
    ],
    "es": [
        "Muy buen servicio",
        "El pedido llegó tarde",
        "El soporte nunca responde",
        "La factura es incorrecta",
        "Muy contentos con nuestro gestor",
    ],
    "it": [
        "Servizio ottimo",
        "Consegna in ritardo",
        "L'assistenza non risponde mai",
        "La fattura è sbagliata",
        "Molto soddisfatti del nostro referente",
    ],
    "nl": [
        "Goede service, bedankt",
        "De levering was te laat",
        "De klantenservice belt nooit terug",
        "De factuur klopt niet",
        "Erg tevreden over onze accountmanager",
    ],
    "pt": [
        "Ótimo atendimento",
        "A entrega atrasou",
        "O suporte nunca responde",
        "A fatura está errada",
        "Muito satisfeitos com o nosso gestor",
    ],
}


@pytest.mark.parametrize("code", sorted(COMMENTS))
def test_detects_short_comments_in_the_supported_languages(code: str) -> None:
    results = detect(COMMENTS[code])
    assert [r.code for r in results] == [code] * len(COMMENTS[code])
    assert all(0.5 <= r.confidence <= 1.0 for r in results)


def test_undetermined_when_there_is_too_little_text() -> None:
    assert detect(["ok", "10/10", "👍", ""]) == [Language("und", 0.0)] * 4


def test_a_confident_language_outside_the_expected_set_is_kept() -> None:
    [polish] = detect(["Bardzo dobra obsługa klienta, dziękujemy za szybką pomoc"])
    assert polish.code == "pl"


def test_unsure_below_min_confidence() -> None:
    [result] = detect(["Danke"], min_confidence=0.99)
    assert result.code == "und"
    assert 0 < result.confidence < 0.99


def test_languages_can_be_narrowed() -> None:
    assert detect(["Grazie mille"], languages=["en", "it"])[0].code == "it"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"languages": []}, "at least one language"),
        ({"languages": ["en", "xx"]}, r"unknown language codes \['xx'\]"),
        ({"min_confidence": 1.5}, "within 0..1"),
    ],
)
def test_arguments_are_checked(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        detect(["hello there"], **kwargs)  # type: ignore[arg-type]
