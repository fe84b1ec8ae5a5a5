"""Exported files: exact lengths, sync, fast start, cancel and failure leave nothing behind."""

import tracemalloc
from fractions import Fraction

import av
import numpy as np
import pytest

from capkit import api
from capkit.errors import Cancelled, MediaError, RenderError
from capkit.model.edits import SetSpeed
from capkit.progress import CancelToken
from capkit.synth.video import read_frame_index


def decode(path):
    """(video frames as RGB arrays, audio as float32 (2, n), audio stream duration in samples)."""
    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        declared = stream.duration * stream.time_base * stream.rate if stream.duration else None
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
    audio = np.concatenate(chunks, axis=1) if chunks else np.zeros((2, 0), np.float32)
    return frames, audio, declared


@pytest.mark.parametrize("fps", [Fraction(30), Fraction(30000, 1001), Fraction(25)])
def test_frame_count_and_audio_length_match_the_project(tmp_path, media, fps):
    p = api.new_project(64, 64, fps)
    api.add_media(p, media["index"], fit="stretch", duration=Fraction(7, 3))
    api.add_audio(p, media["tone"], duration=Fraction(7, 3))
    result = api.export(p, tmp_path / "out.mp4")
    frames, audio, declared = decode(result.path)
    expected_frames = -(-Fraction(7, 3) * fps // 1)
    assert len(frames) == result.frames == expected_frames
    samples = Fraction(expected_frames) / fps * 48000  # sound lasts exactly as long as the picture
    # The muxer writes the exact sample count, trimmed by an edit list kept in the movie's 1/1000 s
    # clock; decoders may keep the padding of the last 1024-sample AAC frame.
    assert abs(declared - samples) <= 48
    assert 0 <= audio.shape[1] - samples < 1024
    assert 0.15 < np.abs(audio[:, 4800:-4800]).max() < 0.3


def test_file_is_h264_high_aac_with_moov_first(tmp_path):
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#336699", duration=1)
    out = api.export(p, tmp_path / "o.mp4").path
    head = out.read_bytes()[:4096]
    assert 0 < head.find(b"moov") < (head.find(b"mdat") if b"mdat" in head else 10**9)
    with av.open(str(out)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert (v.codec_context.name, v.codec_context.profile, v.format.name) == ("h264", "High", "yuv420p")
        assert (a.codec_context.name, a.rate, a.layout.name) == ("aac", 48000, "stereo")
        key = [pk.is_keyframe for pk in c.demux(v) if pk.size]
    assert [i for i, k in enumerate(key) if k] == [0, 15]  # closed GOP of half a second


def test_picture_and_sound_stay_in_sync_after_a_speed_change(tmp_path, media):
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#000000", duration=1)
    clip = api.add_media(p, media["sync"], fit="stretch")  # flash + click at source 1.5 s
    SetSpeed(clip.id, Fraction(3, 2)).apply(p)  # both should land at 1 + 1.5/1.5 = 2 s
    for preserve in (False, True):
        clip.preserve_pitch = preserve
        frames, audio, _ = decode(api.export(p, tmp_path / "sync.mp4").path)
        flash = [i for i, f in enumerate(frames) if f.mean() > 128]
        click = np.abs(audio[0]).argmax() / 48000
        assert flash == [60]
        assert abs(click - 2.0) <= (1 / 30 if not preserve else 0.03), click


def test_range_export_renders_the_asked_part(tmp_path, media):
    p = api.new_project(128, 128, 30)
    api.add_media(p, media["index"], fit="stretch")
    frames, _, _ = decode(api.export(p, tmp_path / "part.mp4", start=1, end=2).path)
    assert len(frames) == 30
    assert [read_frame_index(frames[i]) for i in (0, 29)] == [30, 59]


def test_progress_reports_every_frame(tmp_path):
    p = api.new_project(32, 32, 30)
    api.add_color(p, "#FFFFFF", duration=1)
    seen = []
    api.export(p, tmp_path / "p.mp4", progress=seen.append)
    assert [r.done for r in seen] == list(range(1, 31)) and seen[-1].fraction == 1.0


def test_cancel_leaves_no_file_and_keeps_an_older_one(tmp_path):
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#FFFFFF", duration=10)
    out = tmp_path / "keep.mp4"
    out.write_bytes(b"an older render")
    token = CancelToken()

    def progress(report):
        if report.done == 20:
            token.cancel()

    with pytest.raises(Cancelled):
        api.export(p, out, progress=progress, cancel=token)
    assert out.read_bytes() == b"an older render"
    assert [f.name for f in tmp_path.iterdir()] == ["keep.mp4"]


def test_missing_media_fails_cleanly(tmp_path, media):
    p = api.new_project(64, 64, 30)
    clip = api.add_media(p, media["index"])
    clip.source.path = str(tmp_path / "gone.mp4")
    with pytest.raises(MediaError, match="gone.mp4"):
        api.export(p, tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


def test_bad_outputs_are_refused(tmp_path, media):
    p = api.new_project(64, 64, 30)
    api.add_media(p, media["index"])
    with pytest.raises(RenderError, match="writes .mp4, .mov or .m4v"):
        api.export(p, tmp_path / "x.avi")
    with pytest.raises(RenderError, match="does not exist"):
        api.export(p, tmp_path / "no" / "x.mp4")
    with pytest.raises(RenderError, match="media used by the project"):
        api.export(p, media["index"])


def _peak_bytes(p, tmp_path, seconds):
    tracemalloc.start()
    api.export(p, tmp_path / f"m{seconds}.mp4", end=seconds)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_memory_does_not_grow_with_duration(tmp_path, media):
    p = api.new_project(128, 128, 30)
    for _ in range(6):
        api.add_media(p, media["index"])  # 18 s of video
    api.add_audio(p, media["tone"], duration=p.duration)
    short, long = _peak_bytes(p, tmp_path, 3), _peak_bytes(p, tmp_path, 18)
    assert long < short * 1.3 + 2_000_000, (short, long)


def test_sync_holds_through_a_transition(tmp_path, media):
    """A flash and a click at the same source time stay together when the clip comes in through a
    crossfade after a sped-up clip (the picture and the sound use the same spans)."""
    from capkit.model import Transition

    p = api.new_project(64, 64, 30)
    first = api.add_media(p, media["index"], fit="stretch", duration=2)
    SetSpeed(first.id, 2).apply(p)  # 1 s on the timeline
    second = api.add_media(p, media["sync"], fit="stretch")  # flash + click at source 1.5 s
    second.transition_in = Transition("crossfade", Fraction(1, 2))
    first.muted = True
    frames, audio, _ = decode(api.export(p, tmp_path / "t.mp4").path)
    flash = [i for i, f in enumerate(frames) if f.mean() > 100 and i > 30]
    click = np.abs(audio[0]).argmax() / 48000
    assert flash == [75]  # 1 s + 1.5 s
    assert abs(click - 2.5) <= 1 / 30


def test_export_gets_normal_permissions(tmp_path):
    import os

    p = api.new_project(32, 32, 30)
    api.add_color(p, "#FFFFFF", duration=Fraction(1, 10))
    old = os.umask(0o022)
    try:
        out = api.export(p, tmp_path / "o.mp4").path
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == 0o644


# --- loudness ----------------------------------------------------------------------------------------


def _music_project(tmp_path, name, samples, seconds=10):
    from capkit.synth import write_audio

    p = api.new_project(64, 64, 30)
    api.add_color(p, "#000000", duration=seconds)
    api.add_audio(p, write_audio(tmp_path / f"{name}.wav", samples), duration=seconds)
    return p


@pytest.mark.parametrize("kind", ["music", "music_with_hits"])
def test_loudness_target_holds_in_the_decoded_file(tmp_path, kind):
    from capkit.render.loudness import measure
    from capkit.synth import clicks, music_bed

    bed = music_bed(10)  # about -19.5 LUFS with peaks at -6 dBFS
    samples = {
        "music": bed,  # +5.5 dB to reach -14: the limiter trims the loudest peaks a little
        # Quiet music under loud hits: about +16 dB to reach -14, the hits need 15 dB of limiting.
        "music_with_hits": (0.3 * bed + clicks([1.0, 2.5, 4.0, 6.2, 8.0, 9.9], 10)).astype(np.float32),
    }[kind]
    result = api.export(_music_project(tmp_path, kind, samples), tmp_path / "loud.mp4", loudness_target=-14)
    _, audio, _ = decode(result.path)
    decoded = measure(audio, 48000)
    assert decoded.integrated_lufs == pytest.approx(-14, abs=0.5)
    assert decoded.true_peak_dbtp <= -1.0
    # What the encoder was given, as reported, and how far AAC moved it.
    assert result.loudness.integrated_lufs == pytest.approx(-14, abs=0.1)
    assert result.loudness.true_peak_dbtp <= -1.5 + 0.02  # the limiter's ceiling: -1 less the margin
    assert abs(decoded.integrated_lufs - result.loudness.integrated_lufs) < 0.1
    assert abs(decoded.true_peak_dbtp - result.loudness.true_peak_dbtp) < 0.3
    assert result.audio_gain_db > 4.0


def test_every_export_reports_the_loudness_of_its_sound(tmp_path):
    from capkit.render.audio_mix import mix_to_array
    from capkit.render.loudness import measure
    from capkit.synth import music_bed

    p = _music_project(tmp_path, "bed", music_bed(6), seconds=6)
    result = api.export(p, tmp_path / "plain.mp4")
    expected = measure(mix_to_array(p), 48000)
    assert result.audio_gain_db == 0.0
    assert result.loudness.integrated_lufs == pytest.approx(expected.integrated_lufs, abs=1e-6)
    assert result.loudness.true_peak_dbtp == pytest.approx(expected.true_peak_dbtp, abs=1e-4)
    assert result.loudness.seconds == pytest.approx(6.0)
    assert api.export(p, tmp_path / "mute.mp4", audio=False).loudness is None


def test_a_quiet_target_turns_loud_music_down(tmp_path):
    from capkit.render.audio_mix import mix_to_array
    from capkit.render.loudness import measure
    from capkit.synth import music_bed

    p = _music_project(tmp_path, "bed", music_bed(6), seconds=6)
    before = measure(mix_to_array(p), 48000).integrated_lufs
    result = api.export(p, tmp_path / "q.mp4", loudness_target=-23, true_peak_max=-2)
    assert result.audio_gain_db == pytest.approx(-23 - before, abs=1e-6) and result.audio_gain_db < -3
    assert result.loudness.integrated_lufs == pytest.approx(-23, abs=0.05)


def test_loudness_settings_are_checked_and_cancel_stops_the_measuring_pass(tmp_path):
    from capkit.synth import music_bed

    p = _music_project(tmp_path, "bed", music_bed(4), seconds=4)
    with pytest.raises(RenderError, match="loudness target"):
        api.export(p, tmp_path / "x.mp4", loudness_target=5)
    with pytest.raises(RenderError, match="true-peak maximum"):
        api.export(p, tmp_path / "x.mp4", loudness_target=-14, true_peak_max=1)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        api.export(p, tmp_path / "x.mp4", loudness_target=-14, cancel=token)
    assert sorted(f.name for f in tmp_path.iterdir()) == ["bed.wav"]
