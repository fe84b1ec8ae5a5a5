"""Sample projects shared by the model, io and GUI tests (import: ``from model_samples import ...``)."""

from fractions import Fraction

from capkit.model import (
    AudioClip, CaptionItem, CaptionWord, ColorClip, MediaRef, Project, TextItem, Track, Transition, VideoClip,
)


def sample_project() -> Project:
    """A small project with every kind of track, used by the edit tests."""
    media = MediaRef("/media/a.mp4", duration=Fraction(20))
    project = Project(tracks=[
        Track(kind="video", id="main", name="Main", items=[
            VideoClip(id="v1", start=0, duration=4, source=media, source_in=1),
            VideoClip(id="v2", start=4, duration=3, source=media, source_in=10,
                      transition_in=Transition(kind="crossfade", duration=Fraction(1, 2))),
            ColorClip(id="c1", start=9, duration=2, color="#FF0000"),
        ]),
        Track(kind="text", id="titles", items=[TextItem(id="t1", start=1, duration=3, text="Hello")]),
        Track(kind="audio", id="music", items=[
            AudioClip(id="a1", start=0, duration=10, source=MediaRef("/media/m.wav", duration=Fraction(60))),
        ]),
        Track(kind="caption", id="subs", items=[
            CaptionItem(id="k1", start=1, duration=2, words=[
                CaptionWord("Hello", 0, Fraction(1, 2)), CaptionWord("there,", Fraction(1, 2), 1, break_after=True),
                CaptionWord("friend", Fraction(6, 5), Fraction(9, 5))]),
            CaptionItem(id="k2", start=4, duration=1, words=[CaptionWord("Bye", Fraction(1, 10), Fraction(1, 2))]),
        ]),
    ])
    return project
