"""The "reel" benchmark: one recipe rendered by capkit, the FFmpeg CLI and MoviePy, same input, same run.

Recipe (see PERFORMANCE.md): a 1920x1080 30 fps H.264 clip with sound -> 1080x1920: centre crop to
9:16 and scale, grade (contrast 1.1, saturation 1.2, brightness +0.03), vignette, a title for the
whole duration, five timed captions, a music bed at -12 dB with 1 s fades mixed with the clip's own
sound; libx264 veryfast CRF 23 yuv420p, AAC 48 kHz.

    .venv/bin/python benchmarks/reel.py                  # everything, one run each (a few minutes)
    .venv/bin/python benchmarks/reel.py --runs 3 --skip-moviepy
    .venv/bin/python benchmarks/reel.py --profile        # capkit under cProfile, top functions

Every implementation runs as its own process and is timed as a whole process (imports included),
like a user would run it. Each output is checked (frame count, size, duration) before its time is
trusted, frame 150 of each is saved as a PNG to benchmarks/out/ to be looked at, and the video
bitrate is printed beside every time: at the same CRF a pipeline that smooths the picture encodes
fewer bits and finishes sooner, so times only compare at similar bitrates.

The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
FONT = ROOT / "resources" / "fonts" / "Inter-Bold.otf"
CACHE_VERSION = 1  # bump when the generated input changes

W, H, FPS = 1080, 1920, 30
SRC_W, SRC_H = 1920, 1080
CHECK_FRAME = 150  # t = 5 s: the title and the second caption are on screen

GRADE = {"contrast": 1.1, "saturation": 1.2, "brightness": 0.03}
VIGNETTE = {"strength": 0.35, "radius": 0.55, "softness": 0.5}  # capkit's defaults, spelled out
# FFmpeg's vignette is cos^4 of the distance from the centre (circular); this angle gives the
# corners the same gain as capkit's (1 - strength = 0.65): cos(a)^4 = 0.65.
FFMPEG_VIGNETTE_ANGLE = 0.455
MUSIC_DB = -12.0
FADE = 1.0

TITLE = "WEEKEND REEL"
TITLE_SIZE, TITLE_Y, TITLE_STROKE = 96, 0.12, 6
CAPTIONS = ["Golden hour vibes", "Watch the ball", "Sun on the move", "One more take", "Follow for more!"]
CAPTION_SIZE, CAPTION_Y, CAPTION_STROKE = 72, 0.72, 5

# The encoder settings capkit's export uses (capkit/render/encode.py): a closed 0.5 s GOP, no
# scene-cut keyframes, two B-frames, High profile. The peers get the same ones so that all of them
# do the same encoding work; `--peer-gop default` leaves the peers on x264's defaults instead.
CAPKIT_X264 = {"g": "15", "keyint_min": "15", "sc_threshold": "0", "bf": "2", "profile": "high"}
AUDIO_BITRATE = "192k"


# --------------------------------------------------------------------------------------------
# input


def _pattern():
    from capkit.synth.video import scene_pattern

    return scene_pattern


def make_input(duration: int) -> tuple[Path, Path]:
    """The clip (1920x1080 30 fps H.264 + AAC) and the music bed, generated once and cached."""
    OUT.mkdir(parents=True, exist_ok=True)
    clip = OUT / f"reel-v{CACHE_VERSION}-input-{duration}s.mp4"
    music = OUT / f"reel-v{CACHE_VERSION}-music-{duration}s.m4a"
    if not clip.exists() or not music.exists():
        from capkit.synth.audio import music_bed, tone, write_audio
        from capkit.synth.video import write_video

        pattern = _pattern()
        # The clip's own sound: a different groove plus a steady tone, so the mix has two parts.
        sound = 0.6 * music_bed(duration, bpm=90, seed=1) + tone(220.0, duration, amplitude=0.12)
        print(f"generating {clip.name} ({duration} s of {SRC_W}x{SRC_H}) ...", file=sys.stderr, flush=True)
        tmp = clip.with_suffix(".part.mp4")
        write_video(tmp, lambda n: pattern(SRC_W, SRC_H, n, FPS), fps=FPS, n_frames=duration * FPS,
                    audio=sound.astype("float32"), crf=18)
        tmp.replace(clip)
        tmp = music.with_suffix(".part.m4a")
        write_audio(tmp, music_bed(duration))
        tmp.replace(music)
    return clip, music


def caption_times(duration: int) -> list[tuple[Fraction, Fraction]]:
    step = Fraction(duration, len(CAPTIONS))
    return [(i * step, (i + 1) * step) for i in range(len(CAPTIONS))]


# --------------------------------------------------------------------------------------------
# the three implementations (each runs in its own process)


def build_project(clip: Path, music: Path, duration: int):
    """The recipe as a capkit project (also used by benchmarks/loudness.py and segments.py)."""
    from capkit import api
    from capkit.model import Stroke, TextStyle

    p = api.new_project(W, H, FPS)
    api.add_media(p, clip, fit="fill", duration=duration)
    api.add_filter(p, "grade", GRADE)
    api.add_filter(p, "vignette", VIGNETTE)
    title = TextStyle(size=TITLE_SIZE, bold=True, color="#FFFFFF", stroke=Stroke("#000000", TITLE_STROKE))
    caption = TextStyle(size=CAPTION_SIZE, bold=True, color="#FFFFFF", stroke=Stroke("#000000", CAPTION_STROKE))
    api.add_text(p, TITLE, start=0, duration=duration, y=TITLE_Y, style=title)
    for text, (start, end) in zip(CAPTIONS, caption_times(duration)):
        api.add_text(p, text, start=start, duration=end - start, y=CAPTION_Y, style=caption)
    api.add_audio(p, music, duration=duration, volume_db=MUSIC_DB, fade_in=FADE, fade_out=FADE)
    return p


def run_capkit(clip: Path, music: Path, out: Path, duration: int) -> float:
    from capkit import api

    started = time.perf_counter()
    api.export(build_project(clip, music, duration), out, crf=23, preset="veryfast")
    return time.perf_counter() - started


def _font_height_factor(path: Path) -> float:
    """libass sizes a font so that winAscent + winDescent equals the ASS font size (as VSFilter
    does), Pillow and drawtext so that the em does; this is the ratio between the two."""
    data = path.read_bytes()
    tables = {}
    for i in range(struct.unpack(">H", data[4:6])[0]):
        tag, _, offset, _ = struct.unpack(">4sIII", data[12 + 16 * i : 28 + 16 * i])
        tables[tag] = offset
    upm = struct.unpack(">H", data[tables[b"head"] + 18 : tables[b"head"] + 20])[0]
    ascent, descent = struct.unpack(">HH", data[tables[b"OS/2"] + 74 : tables[b"OS/2"] + 78])
    return (ascent + descent) / upm


def _ass_time(t: Fraction) -> str:
    cs = round(t * 100)
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def write_ass(path: Path, duration: int) -> Path:
    size = round(CAPTION_SIZE * _font_height_factor(FONT))
    lines = [
        "[Script Info]", "ScriptType: v4.00+", f"PlayResX: {W}", f"PlayResY: {H}",
        "ScaledBorderAndShadow: yes", "WrapStyle: 2", "",
        "[V4+ Styles]",
        ("Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, "
         "Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, "
         "Shadow, Alignment, MarginL, MarginR, MarginV, Encoding"),
        # white, black 5 px outline, no shadow, alignment 5 (middle centre)
        (f"Style: Caption,Inter,{size},&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,"
         f"{CAPTION_STROKE},0,5,0,0,0,1"),
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    for text, (start, end) in zip(CAPTIONS, caption_times(duration)):
        pos = f"{{\\an5\\pos({W // 2},{round(CAPTION_Y * H)})}}"
        lines.append(f"Dialogue: 0,{_ass_time(start)},{_ass_time(end)},Caption,,0,0,0,,{pos}{text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ffmpeg_command(clip: Path, music: Path, out: Path, duration: int, peer_gop: str) -> list[str]:
    ass = write_ass(OUT / f"reel-captions-{duration}s.ass", duration)
    crop_w = round(SRC_H * W / H / 2) * 2  # 608: the 9:16 middle of the 16:9 frame
    video = ",".join([
        f"crop={crop_w}:{SRC_H}",
        f"scale={W}:{H}:flags=bilinear",  # capkit scales with bilinear (cv2.INTER_LINEAR) too
        "eq=contrast={contrast}:saturation={saturation}:brightness={brightness}".format(**GRADE),
        f"vignette=angle={FFMPEG_VIGNETTE_ANGLE}",
        (f"drawtext=fontfile={FONT}:text='{TITLE}':fontsize={TITLE_SIZE}:fontcolor=white"
         f":borderw={TITLE_STROKE}:bordercolor=black:x=(w-text_w)/2:y={TITLE_Y}*h-(ascent-descent)/2"),
        f"subtitles={ass}:fontsdir={FONT.parent}",
    ])
    audio = (f"[1:a]volume={MUSIC_DB}dB,afade=t=in:st=0:d={FADE},afade=t=out:st={duration - FADE}:d={FADE}[m];"
             f"[0:a][m]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[a]")
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-threads", "0",
           "-i", str(clip), "-i", str(music),
           "-filter_complex", f"[0:v]{video}[v];{audio}", "-map", "[v]", "-map", "[a]",
           "-t", str(duration), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p"]
    if peer_gop == "capkit":
        cmd += _x264_cli_args()
    cmd += ["-c:a", "aac", "-b:a", AUDIO_BITRATE, "-ar", "48000", "-movflags", "+faststart", str(out)]
    return cmd


def _x264_cli_args() -> list[str]:
    x = CAPKIT_X264
    return ["-g", x["g"], "-keyint_min", x["keyint_min"], "-sc_threshold", x["sc_threshold"], "-bf", x["bf"],
            "-profile:v", x["profile"], "-x264-params", "open-gop=0"]


def run_moviepy(clip: Path, music: Path, out: Path, duration: int, peer_gop: str) -> float:
    """The recipe written the way MoviePy 2's documentation teaches it."""
    import numpy as np
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        TextClip,
        VideoFileClip,
        afx,
        vfx,
    )

    started = time.perf_counter()
    video = VideoFileClip(str(clip)).subclipped(0, duration)
    crop_w = round(SRC_H * W / H / 2) * 2
    video = video.with_effects([
        vfx.Crop(x_center=SRC_W / 2, y_center=SRC_H / 2, width=crop_w, height=SRC_H),
        vfx.Resize((W, H)),
    ])

    # Grade and vignette as one numpy function on each frame (image_transform, ex-fl_image).
    luma = np.array([0.2126, 0.7152, 0.0722], np.float32)
    c, s, b = GRADE["contrast"], GRADE["saturation"], GRADE["brightness"]
    ys = (np.arange(H, dtype=np.float32) - (H - 1) / 2) / (H / 2)
    xs = (np.arange(W, dtype=np.float32) - (W - 1) / 2) / (W / 2)
    d = np.sqrt(xs[None, :] ** 2 + ys[:, None] ** 2) / np.sqrt(2.0)
    t = np.clip((d - VIGNETTE["radius"]) / VIGNETTE["softness"], 0.0, 1.0)
    vignette = (1.0 - VIGNETTE["strength"] * t * t * (3 - 2 * t))[:, :, None].astype(np.float32)

    def grade(frame):
        f = frame.astype(np.float32)
        y = f @ luma
        f = y[:, :, None] + s * (f - y[:, :, None])
        f = ((f - 127.5) * c + 127.5 + b * 255.0) * vignette
        return np.clip(f, 0, 255).astype(np.uint8)

    video = video.image_transform(grade)

    def text(line, size, stroke):
        # Without a margin TextClip cuts off the bottom of the letters and the stroke.
        return TextClip(font=str(FONT), text=line, font_size=size, color="white", stroke_color="black",
                        stroke_width=stroke, margin=(stroke * 2, stroke * 2 + size // 4))

    title = text(TITLE, TITLE_SIZE, TITLE_STROKE)
    layers = [video, title.with_position(("center", TITLE_Y * H - title.h / 2)).with_duration(duration)]
    for line, (start, end) in zip(CAPTIONS, caption_times(duration)):
        cap = text(line, CAPTION_SIZE, CAPTION_STROKE)
        layers.append(cap.with_position(("center", CAPTION_Y * H - cap.h / 2))
                      .with_start(float(start)).with_duration(float(end - start)))
    final = CompositeVideoClip(layers, size=(W, H), use_bgclip=True)

    bed = AudioFileClip(str(music)).subclipped(0, duration).with_volume_scaled(10 ** (MUSIC_DB / 20))
    bed = bed.with_effects([afx.AudioFadeIn(FADE), afx.AudioFadeOut(FADE)])
    final = final.with_audio(CompositeAudioClip([video.audio, bed])).with_duration(duration)

    params = ["-crf", "23"] + (_x264_cli_args() if peer_gop == "capkit" else [])
    final.write_videofile(str(out), fps=FPS, codec="libx264", preset="veryfast", ffmpeg_params=params,
                          audio_codec="aac", audio_fps=48000, audio_bitrate=AUDIO_BITRATE,
                          pixel_format="yuv420p", logger=None,
                          temp_audiofile=str(out.with_suffix(".temp-audio.m4a")))
    final.close()
    return time.perf_counter() - started


def run_floor(clip: Path, duration: int) -> dict:
    """Decode alone (to RGB, as a Python pipeline needs it) and encode alone (capkit's x264
    settings) of 1080x1920 frames made beforehand; timed separately."""
    import av
    import cv2
    from av.video.reformatter import VideoReformatter

    started = time.perf_counter()
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        rgb = VideoReformatter()  # one swscale context for all frames (to_ndarray makes one per frame)
        decoded = 0
        for frame in container.decode(stream):
            rgb.reformat(frame, format="rgb24").to_ndarray()
            decoded += 1
    decode_s = time.perf_counter() - started

    # The frames to encode: the input cropped to 9:16 and scaled, as YUV 4:2:0 (not timed).
    crop_w = round(SRC_H * W / H / 2) * 2
    x0 = (SRC_W - crop_w) // 2
    frames = []
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        stream.codec_context.thread_type = "AUTO"
        for frame in container.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")[:, x0 : x0 + crop_w]
            big = cv2.resize(rgb, (W, H), interpolation=cv2.INTER_LINEAR)
            frames.append(cv2.cvtColor(big, cv2.COLOR_RGB2YUV_I420))

    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        started = time.perf_counter()
        with av.open(str(Path(tmp) / "floor.mp4"), mode="w") as container:
            options = {"crf": "23", "preset": "veryfast", "x264-params": "open-gop=0", **CAPKIT_X264}
            stream = container.add_stream("libx264", rate=FPS, options=options)
            stream.width, stream.height, stream.pix_fmt = W, H, "yuv420p"
            stream.codec_context.thread_type = "AUTO"
            for n, yuv in enumerate(frames):
                frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                frame.pts = n
                frame.time_base = Fraction(1, FPS)
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))
        encode_s = time.perf_counter() - started
    return {"decode_s": decode_s, "encode_s": encode_s, "decoded": decoded, "encoded": len(frames)}


# --------------------------------------------------------------------------------------------
# running, checking, reporting


def timed_process(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd`` to completion; wall time, this child's own peak RSS and CPU time (wait4)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({proc.returncode}):\n{stderr[-3000:]}")
    result = {"wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
              "user_s": usage.ru_utime, "sys_s": usage.ru_stime, "minor_faults": usage.ru_minflt}
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            result.update(json.loads(line[7:]))
    return result


def self_command(only: str, args, clip: Path, music: Path, out: Path, duration: int) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--only", only, "--clip", str(clip),
            "--music", str(music), "--out", str(out), "--duration", str(duration), "--peer-gop", args.peer_gop]


def check_output(path: Path, duration: int, png: Path | None) -> dict:
    """Frame count, size, duration and video bitrate of an output; frame CHECK_FRAME saved as PNG."""
    import av

    frames, video_bytes, size, audio_rate = 0, 0, None, None
    with av.open(str(path)) as container:
        v = container.streams.video[0]
        a = container.streams.audio[0] if container.streams.audio else None
        audio_rate = a.rate if a is not None else None
        v.codec_context.thread_type = "AUTO"
        last_pts = 0
        for packet in container.demux(v):
            if packet.size:
                video_bytes += packet.size
            for frame in packet.decode():
                if frames == CHECK_FRAME and png is not None:
                    from PIL import Image

                    Image.fromarray(frame.to_ndarray(format="rgb24")).save(png)
                size = (frame.width, frame.height)
                last_pts = max(last_pts, frame.pts or 0)
                frames += 1
        seconds = float(v.duration * v.time_base) if v.duration else frames / FPS
    expected = duration * FPS
    problems = []
    if frames != expected:
        problems.append(f"{frames} frames, expected {expected}")
    if size != (W, H):
        problems.append(f"size {size}, expected {(W, H)}")
    if abs(seconds - duration) > 1.5 / FPS:
        problems.append(f"duration {seconds:.3f} s, expected {duration}")
    if audio_rate != 48000:
        problems.append(f"audio at {audio_rate} Hz, expected 48000")
    return {"frames": frames, "size": size, "duration_s": seconds, "video_mbps": video_bytes * 8 / seconds / 1e6,
            "file_mbps": path.stat().st_size * 8 / seconds / 1e6, "problems": problems, "png": png}


def median(values: list[float]) -> float:
    return statistics.median(values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="median of N runs (default 1)")
    parser.add_argument("--skip-moviepy", action="store_true", help="leave out MoviePy (about 5x slower)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of input (default 20)")
    parser.add_argument("--peer-gop", choices=("capkit", "default"), default="capkit",
                        help="give the peers capkit's x264 GOP settings (default) or leave x264's defaults")
    parser.add_argument("--profile", action="store_true", help="run capkit once under cProfile and print the top")
    parser.add_argument("--only", choices=("capkit", "moviepy", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--clip", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--music", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.duration < 6:
        parser.error("--duration must be at least 6 s (frame 150 is checked)")

    if args.only:  # a child process: one implementation, one RESULT line
        if args.only == "capkit":
            result = {"inner_s": run_capkit(args.clip, args.music, args.out, args.duration)}
        elif args.only == "moviepy":
            result = {"inner_s": run_moviepy(args.clip, args.music, args.out, args.duration, args.peer_gop)}
        else:
            result = run_floor(args.clip, args.duration)
        print("RESULT " + json.dumps(result), flush=True)
        return 0

    clip, music = make_input(args.duration)
    D = args.duration
    outputs = {name: OUT / f"reel-{name}-{D}s.mp4" for name in ("capkit", "ffmpeg", "moviepy")}

    if args.profile:
        return profile_capkit(clip, music, outputs["capkit"], D)

    load_before = os.getloadavg()
    names = ["capkit", "ffmpeg"] + ([] if args.skip_moviepy else ["moviepy"])
    # MoviePy reads and writes through an ffmpeg binary: give it the system one the CLI peer uses,
    # so both use the same libx264 build (by default it uses imageio-ffmpeg's own download).
    mp_env = dict(os.environ, FFMPEG_BINARY="/usr/bin/ffmpeg")
    runs: dict[str, list[dict]] = {n: [] for n in names}
    for i in range(args.runs):
        for name in names:
            print(f"run {i + 1}/{args.runs}: {name} ...", file=sys.stderr, flush=True)
            out = outputs[name]
            if name == "ffmpeg":
                r = timed_process(ffmpeg_command(clip, music, out, D, args.peer_gop))
            elif name == "capkit":
                r = timed_process(self_command("capkit", args, clip, music, out, D))
            else:
                r = timed_process(self_command("moviepy", args, clip, music, out, D), env=mp_env)
            runs[name].append(r)
            print(f"    {r['wall_s']:.2f} s", file=sys.stderr, flush=True)

    checks = {n: check_output(outputs[n], D, OUT / f"reel-{n}-{D}s-frame{CHECK_FRAME}.png") for n in names}

    print("floor: decode alone + encode alone ...", file=sys.stderr, flush=True)
    floors = [timed_process(self_command("floor", args, clip, music, OUT / "unused.mp4", D)) for _ in range(args.runs)]
    floor_decode = median([f["decode_s"] for f in floors])
    floor_encode = median([f["encode_s"] for f in floors])

    # Memory: the same render of an input of another length; flat memory means equal peaks.
    other = 10 if D != 10 else 20
    print(f"capkit peak memory on a {other} s input ...", file=sys.stderr, flush=True)
    clip2, music2 = make_input(other)
    mem_out = OUT / f"reel-capkit-{other}s.mp4"
    mem_other = timed_process(self_command("capkit", args, clip2, music2, mem_out, other))
    mem_check = check_output(mem_out, other, None)

    # ---- report
    wall = {n: median([r["wall_s"] for r in runs[n]]) for n in names}
    ff = wall["ffmpeg"]
    print()
    print(f"reel recipe: {D} s {SRC_W}x{SRC_H} -> {W}x{H} {FPS} fps, libx264 veryfast crf 23, "
          f"peers' GOP: {args.peer_gop}; median of {args.runs} run(s); {os.cpu_count()} CPUs")
    load_after = os.getloadavg()
    print(f"load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f} (above {os.cpu_count()} means other "
          "work shared the CPUs and the walls are inflated)")
    header = (f"{'implementation':<34}{'wall s':>8}{'min s':>7}{'vs ffmpeg':>10}{'video Mb/s':>11}{'CPU s':>7}"
              f"{'peak RSS MB':>12}  check")
    print(header)
    print("-" * len(header))
    labels = {"capkit": "capkit (api.export)", "ffmpeg": "FFmpeg CLI filtergraph (libass)",
              "moviepy": "MoviePy 2.2 (docs style)"}
    floor_total = floor_decode + floor_encode
    floor_min = min(f["decode_s"] + f["encode_s"] for f in floors)
    print(f"{'floor: decode ' + f'{floor_decode:.2f}' + ' + encode ' + f'{floor_encode:.2f}':<34}"
          f"{floor_total:>8.2f}{floor_min:>7.2f}{floor_total / ff:>10.2f}{'':>11}{'':>7}{'':>12}  -")
    for n in names:
        c = checks[n]
        rss = median([r["peak_rss_mb"] for r in runs[n]])
        cpu = median([r["cpu_s"] for r in runs[n]])
        fastest = min(r["wall_s"] for r in runs[n])
        status = "ok" if not c["problems"] else "FAIL: " + "; ".join(c["problems"])
        print(f"{labels[n]:<34}{wall[n]:>8.2f}{fastest:>7.2f}{wall[n] / ff:>10.2f}{c['video_mbps']:>11.2f}{cpu:>7.1f}"
              f"{rss:>12.0f}  {status}")
    if args.runs > 1:
        for n in names:
            print(f"  {n} runs: " + ", ".join(f"{r['wall_s']:.2f}" for r in runs[n]) + " s")
    if "inner_s" in runs["capkit"][0]:
        inner = median([r["inner_s"] for r in runs["capkit"]])
        print(f"  capkit inside its process (build + render, no imports): {inner:.2f} s")
    rss_d = median([r["peak_rss_mb"] for r in runs["capkit"]])
    print(f"  capkit peak RSS: {rss_d:.0f} MB for {D} s, {mem_other['peak_rss_mb']:.0f} MB for {other} s"
          f" ({'ok' if not mem_check['problems'] else 'FAIL: ' + '; '.join(mem_check['problems'])})")
    print("  frame PNGs: " + ", ".join(str(checks[n]["png"].relative_to(ROOT)) for n in names))

    ok = all(not checks[n]["problems"] for n in names)

    def trusted(n, value):
        return round(value, 3) if n in checks and not checks[n]["problems"] else None

    summary = {
        "capkit_s": trusted("capkit", wall["capkit"]),
        "ffmpeg_s": trusted("ffmpeg", ff),
        "moviepy_s": trusted("moviepy", wall["moviepy"]) if "moviepy" in wall else None,
        "capkit_over_ffmpeg": round(wall["capkit"] / ff, 3) if ok else None,
        "moviepy_over_capkit": round(wall["moviepy"] / wall["capkit"], 3) if ok and "moviepy" in wall else None,
        "capkit_peak_rss_mb": round(rss_d, 1),
        "floor_s": round(floor_total, 3),
        "capkit_mbps": round(checks["capkit"]["video_mbps"], 3),
        "ffmpeg_mbps": round(checks["ffmpeg"]["video_mbps"], 3),
        "moviepy_mbps": round(checks["moviepy"]["video_mbps"], 3) if "moviepy" in checks else None,
    }
    print(json.dumps(summary))
    return 0 if ok else 1


def profile_capkit(clip: Path, music: Path, out: Path, duration: int) -> int:
    """capkit's render under cProfile (the render thread; the encoder thread is timed apart)."""
    code = (
        "import cProfile, pstats, sys; sys.argv = ['reel']; "
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); import reel; "
        "pr = cProfile.Profile(); pr.enable(); "
        f"reel.run_capkit(reel.Path({str(clip)!r}), reel.Path({str(music)!r}), reel.Path({str(out)!r}), {duration}); "
        "pr.disable(); pstats.Stats(pr).sort_stats('cumulative').print_stats(35); "
        "pstats.Stats(pr).sort_stats('tottime').print_stats(25)"
    )
    return subprocess.call([sys.executable, "-c", code], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
