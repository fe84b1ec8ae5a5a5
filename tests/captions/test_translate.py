"""Caption translation: translate_cues plumbing, the translator registry and its messages, Argos
language package installation, and speech-to-English translation with the real 'base' model.

No Argos language package can be had offline here, so ``translate_cues`` is tested with
``FakeTranslator`` below: a word-for-word dictionary that exists only to check the plumbing
(batching, timing, bilingual lines, wrapping), not translation quality. The Argos backend is run
for real on a tiny random-weight CTranslate2 model built in the test, when Argos Translate and
sentencepiece are installed (skipped otherwise).
"""

from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from fractions import Fraction as F

import pytest
from captions_support import FIXTURES, normalise

from capkit.captions import CaptionError, layout, transcribe
from capkit.captions import translate as tr_mod
from capkit.captions.translate import (
    ArgosTranslator,
    Translator,
    available_translators,
    get_translator,
    install_package,
    register_translator,
    translate_cues,
    unregister_translator,
)
from capkit.io.subtitles import read_subtitles, write_subtitles
from capkit.model.captions import Cue, Word

# --- a fake translator, for plumbing only ----------------------------------------------------

EN_ES = {
    "hello": "hola",
    "there,": "ahí,",
    "welcome": "bienvenidos",
    "to": "a",
    "my": "mi",
    "kitchen.": "cocina.",
    "today": "hoy",
    "we": "nosotros",
    "cook": "cocinamos",
    "rice": "arroz",
    "with": "con",
    "fresh": "frescas",
    "green": "verdes",
    "beans": "judías",
}


class FakeTranslator:
    """NOT a translator: word-for-word lookup (unknown words upper-cased), recording its calls."""

    name = "fake"

    def __init__(self, pairs=(("en", "es"),), grow: int = 0) -> None:
        self._pairs = set(pairs)
        self.calls: list[tuple[list[str], str, str]] = []
        self.grow = grow  # extra words appended to each translation (longer output)

    def pairs(self) -> set[tuple[str, str]]:
        return set(self._pairs)

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        self.calls.append((list(texts), source, target))
        out = []
        for t in texts:
            words = [EN_ES.get(w.lower(), w.upper()) for w in t.split()]
            out.append(" ".join(words + ["extra"] * self.grow))
        return out


def _words(text: str, start: F = F(0), step: F = F(2, 5)) -> list[Word]:
    return [
        Word(w, start + i * step, start + i * step + step * F(4, 5))
        for i, w in enumerate(text.split())
    ]


@pytest.fixture
def no_backends(monkeypatch):
    """The registry with nothing installed (whatever this machine has)."""
    monkeypatch.setattr(tr_mod, "_BACKENDS", {})


def test_fake_is_a_translator():
    assert isinstance(FakeTranslator(), Translator)


# --- translate_cues --------------------------------------------------------------------------


def test_translation_replaces_text_keeps_timing_exactly_and_drops_word_timing():
    words = _words("Hello there, welcome to my kitchen.") + _words(
        "Today we cook rice", start=F(5)
    )
    cues = layout(words, "phrase", media_duration=F(10))
    assert len(cues) >= 2
    fake = FakeTranslator()
    out = translate_cues(cues, "es", source="en", translator=fake)
    assert len(fake.calls) == 1  # one batch for all cues
    assert fake.calls[0][1:] == ("en", "es")
    assert fake.calls[0][0] == [c.text for c in cues]
    assert len(out) == len(cues)
    for a, b in zip(cues, out):
        assert b.start is a.start and b.end is a.end
        assert b.words == () and b.translation == ""
    assert " ".join(c.text for c in out) == "hola ahí, bienvenidos a mi cocina. hoy nosotros cocinamos arroz"
    assert cues[0].words  # the input is untouched


def test_bilingual_keeps_original_text_and_words_and_adds_one_translation_line():
    cues = layout(_words("Today we cook rice with fresh green beans"), "subtitle")
    cues = [Cue(cues[0].start, cues[0].end, "Today we cook rice\nwith fresh green beans", cues[0].words)]
    out = translate_cues(cues, "es", source="EN", translator=FakeTranslator(), bilingual=True)
    (cue,) = out
    assert cue.start is cues[0].start and cue.end is cues[0].end
    assert cue.text == cues[0].text and cue.words == cues[0].words
    assert cue.translation == "hoy nosotros cocinamos arroz con frescas verdes judías"


def test_two_line_cue_is_rewrapped_and_one_line_cue_stays_one_line():
    two = Cue(F(1), F(4), "Today we cook rice\nwith fresh green beans")
    one = Cue(F(5), F(6), "Today we cook rice with fresh green beans")
    out = translate_cues([two, one], "es", source="en", translator=FakeTranslator())
    lines = out[0].text.split("\n")
    assert len(lines) == 2 and all(len(ln) <= 42 for ln in lines)
    assert " ".join(lines) == "hoy nosotros cocinamos arroz con frescas verdes judías"
    assert "\n" not in out[1].text
    # a translation too long for 2 x 42 characters still gets 2 balanced lines, just wider
    long = translate_cues([two], "es", source="en", translator=FakeTranslator(grow=10))[0]
    lines = long.text.split("\n")
    assert len(lines) == 2 and abs(len(lines[0]) - len(lines[1])) <= 8, lines
    assert max(map(len, lines)) > 42


def test_empty_cues_are_not_sent_and_stay_empty():
    cues = [Cue(F(0), F(1), "Hello"), Cue(F(1), F(2), "  "), Cue(F(2), F(3), "my kitchen.")]
    fake = FakeTranslator()
    out = translate_cues(cues, "es", source="en", translator=fake)
    assert fake.calls[0][0] == ["Hello", "my kitchen."]
    assert [c.text for c in out] == ["hola", "", "mi cocina."]
    assert translate_cues([], "es", source="en", translator=fake) == []


def test_bilingual_cues_round_trip_through_srt_and_vtt(tmp_path):
    words = _words("Hello there, welcome to my kitchen.") + _words("Today we cook rice", start=F(5))
    cues = translate_cues(
        layout(words, "phrase"), "es", source="en", translator=FakeTranslator(), bilingual=True
    )
    srt = write_subtitles(cues, tmp_path / "both.srt")
    body = srt.read_text(encoding="utf-8")
    assert body.startswith("1\n00:00:00,000 --> 00:00:01,120\nHello there, welcome\nhola ahí, bienvenidos\n\n2\n")
    back = read_subtitles(srt, bilingual=True)
    assert [(c.start, c.end, c.text, c.translation) for c in back] == [
        (c.start, c.end, c.text, c.translation) for c in cues
    ]
    # WebVTT also keeps the original words' timing under the translation line
    back = read_subtitles(write_subtitles(cues, tmp_path / "both.vtt"), bilingual=True)
    assert [(c.text, c.translation, c.words) for c in back] == [
        (c.text, c.translation, c.words) for c in cues
    ]
    # read as one language, the translation is just the cue's last line
    plain = read_subtitles(srt)
    assert plain[0].text == f"{cues[0].text}\n{cues[0].translation}"


def test_a_translator_returning_the_wrong_number_of_texts_is_refused():
    class Short(FakeTranslator):
        def translate(self, texts, source, target):
            return super().translate(texts, source, target)[:-1]

    cues = [Cue(F(0), F(1), "Hello"), Cue(F(1), F(2), "my kitchen.")]
    with pytest.raises(CaptionError, match=r"returned 1 texts for 2 captions \(en -> es\)"):
        translate_cues(cues, "es", source="en", translator=Short())


def test_a_failing_backend_becomes_a_caption_error_naming_it():
    class Broken(FakeTranslator):
        name = "broken"

        def translate(self, texts, source, target):
            raise RuntimeError("model exploded")

    with pytest.raises(CaptionError, match=r"en -> es with 'broken' failed: model exploded"):
        translate_cues([Cue(F(0), F(1), "Hello")], "es", source="en", translator=Broken())


@pytest.mark.parametrize(
    ("source", "target", "message"),
    [
        ("english", "es", "source language 'english' is not a language code"),
        ("en", "", "target language '' is not a language code"),
        ("es", "ES", "both 'es'"),
    ],
)
def test_bad_language_codes_are_refused(source, target, message):
    with pytest.raises(CaptionError, match=message):
        translate_cues([Cue(F(0), F(1), "Hola")], target, source=source, translator=FakeTranslator())


# --- registry ---------------------------------------------------------------------------------


def test_missing_pair_with_nothing_installed_says_what_to_install(no_backends):
    assert available_translators() == []
    with pytest.raises(CaptionError) as err:
        get_translator("es", "de")
    msg = str(err.value)
    assert msg.startswith("no offline translator for es -> de: none is installed;")
    assert "pip install argostranslate" in msg and "es->de language package" in msg
    assert "install_package(PATH)" in msg and "\n" not in msg
    assert "task='translate'" not in msg  # only suggested when the target is English
    with pytest.raises(CaptionError, match="task='translate'"):
        get_translator("es", "en")
    with pytest.raises(CaptionError, match="es -> de"):  # translate_cues asks the registry
        translate_cues([Cue(F(0), F(1), "Hola")], "de", source="es")


def test_registry_picks_a_backend_for_the_pair_and_lists_what_it_has(no_backends):
    fake = FakeTranslator(pairs={("en", "es"), ("es", "en")})
    register_translator("fake", lambda: fake)
    register_translator("absent", lambda: None)  # a backend whose library is not installed
    assert available_translators() == [fake]
    assert get_translator("EN", "es") is fake
    out = translate_cues([Cue(F(0), F(1), "Hello")], "es", source="en")
    assert out[0].text == "hola" and fake.calls
    with pytest.raises(CaptionError) as err:
        get_translator("es", "de")
    assert str(err.value).startswith(
        "no offline translator for es -> de (fake has en->es, es->en): install the es->de "
        "language package"
    )
    unregister_translator("fake")
    assert available_translators() == []


def test_argos_is_registered_and_offered_only_when_installed():
    assert "argostranslate" in tr_mod._BACKENDS
    installed = importlib.util.find_spec("argostranslate") is not None
    names = [t.name for t in available_translators()]
    assert ("argostranslate" in names) == installed


# --- Argos language packages -----------------------------------------------------------------


def _argos_zip(path, top="translate-xx_yy-1_0", meta=None, files=("model/model.bin", "sentencepiece.model")):
    meta = {"package_version": "1.0", "from_code": "xx", "to_code": "yy", "type": "translate"} if meta is None else meta
    with zipfile.ZipFile(path, "w") as zf:
        if meta is not False:
            zf.writestr(f"{top}/metadata.json", json.dumps(meta))
        for f in files:
            zf.writestr(f"{top}/{f}", b"not a real model")
    return path


def test_install_package_refuses_missing_and_broken_files(tmp_path):
    pk = tmp_path / "packages"
    with pytest.raises(CaptionError, match=r"'.*nope.argosmodel' does not exist: give the path of an \.argosmodel file"):
        install_package(tmp_path / "nope.argosmodel", packages_dir=pk)
    junk = tmp_path / "junk.argosmodel"
    junk.write_bytes(b"this is not a zip")
    with pytest.raises(CaptionError, match=r"junk.argosmodel: not an Argos language package \(not a zip archive"):
        install_package(junk, packages_dir=pk)
    # a truncated download
    good = _argos_zip(tmp_path / "good.argosmodel").read_bytes()
    (tmp_path / "cut.argosmodel").write_bytes(good[: len(good) // 2])
    with pytest.raises(CaptionError, match=r"cut.argosmodel: not an Argos language package"):
        install_package(tmp_path / "cut.argosmodel", packages_dir=pk)
    cases = {
        "nometa": ({"meta": False}, "no translate-xx_yy-1_0/metadata.json"),
        "nocodes": ({"meta": {"from_code": "xx"}}, "names no translation"),
        "nomodel": ({"files": ("sentencepiece.model",)}, "no translate-xx_yy-1_0/model/model.bin"),
        "notok": ({"files": ("model/model.bin",)}, "no translate-xx_yy-1_0/sentencepiece.model or bpe.model"),
    }
    for name, (kw, msg) in cases.items():
        with pytest.raises(CaptionError, match=msg):
            install_package(_argos_zip(tmp_path / f"{name}.argosmodel", **kw), packages_dir=pk)
    assert not pk.exists() or not any(pk.iterdir())  # nothing half-installed


def test_installed_packages_give_pairs_including_through_a_common_language(tmp_path):
    pk = tmp_path / "packages"
    assert install_package(_argos_zip(tmp_path / "a.argosmodel"), packages_dir=pk) == ("xx", "yy")
    meta = {"from_code": "yy", "to_code": "zz"}
    assert install_package(_argos_zip(tmp_path / "b.argosmodel", top="yz", meta=meta), packages_dir=pk) == ("yy", "zz")
    argos = ArgosTranslator(packages_dir=pk)
    assert argos.pairs() == {("xx", "yy"), ("yy", "zz"), ("xx", "zz")}
    # installing the same package again replaces it
    install_package(_argos_zip(tmp_path / "a2.argosmodel"), packages_dir=pk)
    assert sorted(p.name for p in pk.iterdir()) == ["translate-xx_yy-1_0", "yz"]
    with pytest.raises(CaptionError, match=r"no Argos language package for zz -> xx in .*install_package"):
        argos.translate(["hi"], "zz", "xx")


def _tiny_argos_package(tmp_path, source="xx", target="yy"):
    """A real Argos package with a 1-layer, random-weight CTranslate2 model (garbage output)."""
    import ctranslate2  # noqa: F401 - the engine the package runs on
    import numpy as np
    import sentencepiece as spm
    from ctranslate2.specs import transformer_spec

    top = tmp_path / "build" / f"translate-{source}_{target}"
    (top / "model").mkdir(parents=True)
    text = ["the dog eats bread in the house", "my sister has a red car"] * 10
    proto = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(text), model_writer=proto, vocab_size=30, model_type="char",
        minloglevel=2,
    )
    sp = spm.SentencePieceProcessor(model_proto=proto.getvalue())
    vocab = ["<unk>", "<s>", "</s>"] + [
        p for p in (sp.id_to_piece(i) for i in range(sp.get_piece_size())) if p not in ("<unk>", "<s>", "</s>")
    ]
    spec = transformer_spec.TransformerSpec.from_config(1, 2)
    rng = np.random.default_rng(0)
    d, ff, n = 8, 16, len(vocab)

    def w(*shape):
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    def norm(ln):
        ln.gamma, ln.beta = np.ones(d, np.float32), np.zeros(d, np.float32)

    spec.encoder.embeddings[0].weight = w(n, d)
    spec.decoder.embeddings.weight = w(n, d)
    spec.decoder.projection.weight = w(n, d)
    norm(spec.encoder.layer_norm)
    norm(spec.decoder.layer_norm)
    for layer in [*spec.encoder.layer, *spec.decoder.layer]:
        norm(layer.self_attention.layer_norm)
        norm(layer.ffn.layer_norm)
        layer.self_attention.linear[0].weight = w(3 * d, d)
        layer.self_attention.linear[1].weight = w(d, d)
        layer.ffn.linear_0.weight = w(ff, d)
        layer.ffn.linear_1.weight = w(d, ff)
    for layer in spec.decoder.layer:
        norm(layer.attention.layer_norm)
        layer.attention.linear[0].weight = w(d, d)
        layer.attention.linear[1].weight = w(2 * d, d)
        layer.attention.linear[2].weight = w(d, d)
    spec.register_source_vocabulary(vocab)
    spec.register_target_vocabulary(vocab)
    spec.validate()
    spec.save(str(top / "model"))
    (top / "sentencepiece.model").write_bytes(proto.getvalue())
    (top / "metadata.json").write_text(json.dumps({"from_code": source, "to_code": target}))
    path = tmp_path / f"{source}_{target}.argosmodel"
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted(top.rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(top.parent))
    return path


@pytest.mark.skipif(
    importlib.util.find_spec("argostranslate") is None or importlib.util.find_spec("sentencepiece") is None,
    reason="Argos Translate is not installed (optional: pip install argos-translate-lt)",
)
def test_argos_backend_runs_an_installed_package_offline(tmp_path):
    pk = tmp_path / "packages"
    install_package(_tiny_argos_package(tmp_path), packages_dir=pk)
    argos = ArgosTranslator(packages_dir=pk)
    assert argos.pairs() == {("xx", "yy")}
    cues = [Cue(F(0), F(1), "the dog"), Cue(F(1), F(3), "my sister\nhas a red car"), Cue(F(3), F(4), "")]
    out = translate_cues(cues, "yy", source="xx", translator=argos)
    assert [(c.start, c.end) for c in out] == [(c.start, c.end) for c in cues]
    assert all(isinstance(c.text, str) for c in out) and out[0].text and out[2].text == ""
    # the same inputs give the same output (the loaded model is reused)
    assert translate_cues(cues, "yy", source="xx", translator=argos) == out


# --- speech to English with the real multilingual model ---------------------------------------

SPANISH = FIXTURES / "spanish.wav"
# "Me gusta mucho el café con leche. Mañana voy a la playa con mis amigos."
ENGLISH_CONTENT = {"like", "coffee", "milk", "tomorrow", "beach", "friends"}
SPANISH_CONTENT = {"gusta", "café", "leche", "playa", "amigos"}


def _well_formed(t) -> None:
    prev = F(0)
    assert t.words
    for w in t.words:
        assert isinstance(w.start, F) and prev <= w.start <= w.end <= t.duration, w
        prev = w.end


@pytest.mark.slow
def test_spanish_speech_translates_to_english_content_words():
    ref = (FIXTURES / "spanish.txt").read_text(encoding="utf-8").split("\t", 1)[1].strip()
    assert "café con leche" in ref
    t = transcribe(SPANISH, model="base", task="translate")
    got = set(normalise(t.text))
    found = sorted(ENGLISH_CONTENT & got)
    assert len(found) >= 4, f"translated {t.text!r}: found only {found} of {sorted(ENGLISH_CONTENT)}"
    assert not (SPANISH_CONTENT & got), t.text  # English, not the Spanish words
    assert t.task == "translate"
    _well_formed(t)
    # the words are timed and lay out into cues like any transcript
    cues = layout(t.words, "subtitle", media_duration=t.duration)
    assert cues and cues[-1].end <= t.duration


@pytest.mark.slow
def test_spanish_speech_is_detected_as_spanish():
    t = transcribe(SPANISH, model="base", language="auto")
    assert t.language == "es", (t.language, t.language_probability, t.text)
    found = sorted(SPANISH_CONTENT & set(normalise(t.text)))
    assert len(found) >= 3, f"transcribed {t.text!r}: found only {found}"
    _well_formed(t)
