"""Segment-parallel export: the joined file is the serial export's file, frame for frame and sample
for sample (pictures within a small threshold), and cancel, failure and Ctrl+C leave nothing behind."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from capkit import api
from capkit.errors import Cancelled, MediaError, RenderError
from capkit.model.items import Transition
from capkit.progress import CancelToken
from capkit.render.export import ExportSettings, export
from capkit.render.plan import compile_plan
from capkit.render.segments import export_segmented, plan_segments
from capkit.synth.audio import tone, write_audio
from capkit.synth.video import frame_index_pattern, read_frame_index, scene_pattern, write_video

W, H, FPS = 360, 640, 30
SECONDS = 7
JOINS = [Fraction(k) for k in range(1, SECONDS)]  # 1 s pieces: whole GOPs of 0.5 s
# Mean absolute difference of a decoded frame from the serial file's, in levels of 255. The pictures
# drawn are identical (test_pieces_draw_the_serial_frames); what differs is x264's rate control,
# which carries state from frame to frame (the I-frame's QP follows the recent P-frames' QPs) that
# a piece starts without. Film grain is the worst case: measured 1.0-1.5 in the first GOP of a
# piece, 0.4-0.8 after it (0.05-0.65 on pictures without grain).
MAX_FRAME_MAD = 2.0
MAX_MEAN_MAD = 1.0
TONE_HZ, TONE_AMP = 440.0, 0.3


def build(folder: Path):
    """7 s at 360x640: two moving clips with a wipe across the join at 4 s, the frame number in the top
    half (read back from every frame), a text animation, film grain seeded by the frame index, a tone."""
    a = write_video(folder / "a.mp4", lambda n: scene_pattern(W, H, n, FPS), fps=FPS, n_frames=150)
    b = write_video(folder / "b.mp4", lambda n: scene_pattern(W, H, n + 500, FPS)[::-1].copy(), fps=FPS,
                    n_frames=120)
    index = write_video(folder / "index.mp4", lambda n: frame_index_pattern(W, H // 2, n), fps=FPS,
                        n_frames=SECONDS * FPS)
    sound = write_audio(folder / "tone.wav", tone(TONE_HZ, SECONDS, amplitude=TONE_AMP))
    p = api.new_project(W, H, FPS)
    api.add_media(p, a, fit="fill", duration=4)
    second = api.add_media(p, b, fit="fill", duration=3)
    second.transition_in = Transition("wipe", Fraction(1), "left")  # 3.5 s to 4.5 s: over the join at 4 s
    top = api.add_media(p, index, start=0, fit="fit")
    top.transform.y = 0.25
    api.add_text(p, "Segments!", start=Fraction(1, 2), duration=6, y=0.8, size=60, animation_in="pop",
                 animation_out="fade")
    api.add_filter(p, "grain", {"amount": 0.1})
    api.add_audio(p, sound)
    return p


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("segments")
    project = build(folder)
    serial = export(project, folder / "serial.mp4")
    reports = []
    seg = export_segmented(project, folder / "segmented.mp4", jobs=2, segment_seconds=1, progress=reports.append)
    return project, folder, serial, seg, reports


def decode(path):
    with av.open(str(path)) as c:
        frames = [(f.pts * f.time_base, f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]
    with av.open(str(path)) as c:
        key = [p.is_keyframe for p in c.demux(video=0) if p.size]
    with av.open(str(path)) as c:
        audio = np.concatenate([f.to_ndarray() for f in c.decode(audio=0)], axis=1)
    return frames, key, audio


def test_pieces_are_whole_gops():
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#000000", duration=Fraction(71, 10))  # 213 frames
    plan = compile_plan(p)
    segs = plan_segments(plan, Fraction(1, 2), segment_seconds=1)
    assert [s.first for s in segs] == [0, 30, 60, 90, 120, 150, 180, 210]
    assert sum(s.frames for s in segs) == 213 and segs[-1].frames == 3 and segs[-1].end == plan.end
    assert all(s.start == plan.time_of(s.first) for s in segs)
    assert [s.first for s in plan_segments(plan, Fraction(1, 2), segment_seconds=Fraction(7, 10))] == list(
        range(0, 213, 15))  # rounded to whole GOPs: one GOP each
    assert [s.first for s in plan_segments(plan, Fraction(1, 2), jobs=2)] == [0, 120]  # one piece per job
    assert [s.first for s in plan_segments(plan, Fraction(1, 2), jobs=8)] == [0, 60, 120, 180]  # 2 s at least
    with pytest.raises(RenderError):
        plan_segments(plan, Fraction(1, 2), segment_seconds=0)


def test_pieces_draw_the_serial_frames(rendered):
    """A piece's plan draws, pixel for pixel, what the whole range's plan draws at the same index
    (times are exact fractions; grain is seeded by the timeline's frame number)."""
    from capkit.render.frames import FrameRenderer

    project = rendered[0]
    whole = compile_plan(project)
    pieces = plan_segments(whole, Fraction(1, 2), segment_seconds=1)
    with FrameRenderer(whole) as serial:
        for seg in pieces[3:5]:  # the piece after the wipe's join and the next one
            with FrameRenderer(compile_plan(project, start=seg.start, end=seg.end)) as part:
                for k in (0, 1, seg.frames - 1):
                    assert np.array_equal(part.render(k), serial.render(seg.first + k)), (seg.index, k)


def test_joined_file_matches_the_serial_export(rendered):
    _, _, serial, seg, reports = rendered
    a_frames, a_keys, _ = decode(serial.path)
    b_frames, b_keys, _ = decode(seg.path)
    assert seg.frames == serial.frames == len(a_frames) == len(b_frames) == SECONDS * FPS
    assert [t for t, _ in b_frames] == [t for t, _ in a_frames] == [Fraction(n, FPS) for n in range(SECONDS * FPS)]
    assert b_keys == a_keys  # the same closed GOPs: the joins fall on keyframes the serial file has too
    diffs = []
    for n, ((_, x), (_, y)) in enumerate(zip(a_frames, b_frames)):
        assert read_frame_index(y[: H // 2]) == read_frame_index(x[: H // 2]) == n
        diffs.append(np.abs(x.astype(np.int16) - y.astype(np.int16)).mean())
    assert max(diffs) < MAX_FRAME_MAD, (int(np.argmax(diffs)), max(diffs))
    assert np.mean(diffs) < MAX_MEAN_MAD
    # the wipe and the text really are there and move (the comparison is not between blank frames)
    assert np.abs(a_frames[100][1].astype(int) - a_frames[130][1].astype(int)).mean() > 10
    # progress: frames over all pieces, ending at the total
    assert reports[-1].done == reports[-1].total == SECONDS * FPS
    assert all(r.total == SECONDS * FPS for r in reports)
    assert [r.done for r in reports] == sorted(r.done for r in reports)


def test_sound_is_the_serial_sound_with_no_click_at_the_joins(rendered):
    _, _, serial, seg, _ = rendered
    _, _, a = decode(serial.path)
    _, _, b = decode(seg.path)
    assert b.shape == a.shape
    assert np.abs(a - b).max() < 1e-6  # encoded once for the whole range: the same AAC stream
    assert seg.loudness == serial.loudness and seg.audio_gain_db == serial.audio_gain_db
    # A sine's second difference is at most A*(2*pi*f/sr)^2 (0.0025 here); a gap or a click at a join
    # would be orders of magnitude more. Skip the first 50 ms (the AAC encoder's start).
    d2 = np.abs(np.diff(b[0], 2))
    for t in JOINS:
        i = int(t * 48000)
        assert d2[i - 960 : i + 960].max() < 0.02, (t, d2[i - 960 : i + 960].max())
    assert d2[2400:SECONDS * 48000 - 2400].max() < 0.02
    level = np.sqrt(np.mean(b[0, 2400:-2400] ** 2))
    assert abs(level - TONE_AMP / np.sqrt(2)) < 0.01  # no gaps anywhere


def test_file_layout_matches_the_serial_export(rendered):
    _, _, serial, seg, _ = rendered
    head = seg.path.read_bytes()[:4096]
    assert 0 < head.find(b"moov") < (head.find(b"mdat") if b"mdat" in head else 10**9)  # fast start
    with av.open(str(serial.path)) as x, av.open(str(seg.path)) as y:
        for s, t in ((x.streams.video[0], y.streams.video[0]), (x.streams.audio[0], y.streams.audio[0])):
            assert (t.codec_context.name, t.codec_context.profile, t.time_base, t.start_time, t.duration,
                    t.frames) == (s.codec_context.name, s.codec_context.profile, s.time_base, s.start_time,
                                  s.duration, s.frames)
        v = y.streams.video[0].codec_context
        assert (v.colorspace, v.color_primaries, v.color_trc, v.color_range) == (1, 1, 1, 1)  # BT.709, tv range
    assert abs(seg.size_bytes / serial.size_bytes - 1) < 0.25


def test_cancel_stops_every_worker_and_leaves_nothing(tmp_path, rendered):
    project = rendered[0]
    out = tmp_path / "out.mp4"
    out.write_bytes(b"an older export")
    token = CancelToken()

    def progress(p):
        if p.done >= 40:
            token.cancel()

    started = time.perf_counter()
    with pytest.raises(Cancelled):
        export_segmented(project, out, jobs=2, segment_seconds=1, progress=progress, cancel=token)
    assert time.perf_counter() - started < 30
    assert out.read_bytes() == b"an older export"
    assert sorted(os.listdir(tmp_path)) == ["out.mp4"]  # no .part file, no pieces


def test_a_failing_worker_fails_the_export_cleanly(tmp_path):
    clip = write_video(tmp_path / "clip.mp4", lambda n: scene_pattern(64, 64, n, 30), fps=30, n_frames=60)
    p = api.new_project(64, 64, 30)
    api.add_media(p, clip)
    clip.unlink()  # gone after the project was built: the workers find out
    out = tmp_path / "out.mp4"
    with pytest.raises(MediaError):
        export_segmented(p, out, jobs=2, segment_seconds=1)
    assert os.listdir(tmp_path) == []
    with pytest.raises(RenderError):
        export_segmented(p, out, jobs=0)


def test_video_only_and_a_range(tmp_path, rendered):
    project = rendered[0]
    settings = ExportSettings(audio=False, start=Fraction(3, 2), end=Fraction(9, 2), width=180)
    result = export_segmented(project, tmp_path / "range.mp4", settings, jobs=2, segment_seconds=1)
    with av.open(str(result.path)) as c:
        assert not c.streams.audio
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert result.frames == len(frames) == 90 and frames[0].shape == (320, 180, 3)
    assert [read_frame_index(f[:160]) for f in frames] == list(range(45, 135))


CTRL_C = textwrap.dedent("""
    import multiprocessing, sys
    sys.path.insert(0, {tests!r})
    from pathlib import Path
    from test_segments import build
    from capkit.render.segments import export_segmented

    def progress(p):
        if p.done >= 20 and not progress.said:
            progress.said = True
            print("PIDS", *[c.pid for c in multiprocessing.active_children()], flush=True)
    progress.said = False

    if __name__ == "__main__":
        project = build(Path({folder!r}))
        export_segmented(project, Path({out!r}), jobs=2, segment_seconds=1, progress=progress)
""")


def test_ctrl_c_stops_every_worker_and_leaves_nothing(tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    outdir = tmp_path / "out"
    outdir.mkdir()
    script = tmp_path / "run.py"
    script.write_text(CTRL_C.format(tests=str(Path(__file__).parent), folder=str(media),
                                    out=str(outdir / "out.mp4")))
    # Ctrl+C in a terminal signals the whole foreground process group: the parent and its workers.
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    guard = threading.Timer(120, proc.kill)  # a hang fails the test instead of stopping the suite
    guard.start()
    try:
        line = proc.stdout.readline()
        assert line.startswith("PIDS"), (line, proc.stderr.read() if proc.poll() is not None else "")
        workers = [int(x) for x in line.split()[1:]]
        assert workers
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        guard.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0 and "KeyboardInterrupt" in proc.stderr.read()
    assert os.listdir(outdir) == []
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
