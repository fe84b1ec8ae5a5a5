"""The starter sound library: each sound is what its name says, and the files are real audio."""

import itertools
import json

import numpy as np
import pytest

from capkit.errors import CapkitError, MediaError
from capkit.media import probe, read_all
from capkit.synth import sfx, write_audio

RATE = sfx.SAMPLE_RATE
EFFECTS = [name for name, s in sfx.LIBRARY.items() if s.kind == "effect"]
BEDS = [name for name, s in sfx.LIBRARY.items() if s.kind == "bed"]


def db(x: float) -> float:
    return 20 * np.log10(max(x, 1e-12))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(x, dtype=np.float64) ** 2)))


def centroid(x: np.ndarray) -> float:
    """Spectral centroid (Hz) of a mono stretch."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / RATE)
    return float((freqs * spectrum).sum() / spectrum.sum())


def windows(x: np.ndarray, seconds: float) -> list[np.ndarray]:
    k = round(seconds * RATE)
    return [x[i : i + k] for i in range(0, x.size - k + 1, k)]


def test_the_library_has_the_promised_sounds():
    assert {"whoosh", "pop", "click", "riser", "ding"} <= set(EFFECTS)
    assert {"impact", "swoosh-down"} & set(EFFECTS)
    assert len(BEDS) >= 3
    for name, sound in sfx.LIBRARY.items():
        assert sound.name == name and sound.description and sound.tags
        assert sound.loopable == (sound.kind == "bed")
    assert sfx.LIBRARY["riser"].duration == pytest.approx(3, abs=0.5)


@pytest.mark.parametrize("name", list(sfx.LIBRARY))
def test_format_level_and_determinism(name):
    sound = sfx.LIBRARY[name]
    x = sfx.render(name)
    assert x.dtype == np.float32 and x.shape == (2, round(sound.duration * RATE))
    assert db(np.abs(x).max()) == pytest.approx(-3, abs=0.1)
    assert rms(x) > 10 ** (-30 / 20)  # not a whisper: louder than -30 dBFS RMS
    assert np.array_equal(x, sfx._RENDERERS[name][1]())  # the same samples from scratch
    x[:] = 0
    assert np.abs(sfx.render(name)).max() > 0  # callers get a copy


@pytest.mark.parametrize("name", EFFECTS)
def test_effects_start_and_end_in_silence(name):
    x = sfx.render(name)
    assert np.abs(x[:, 0]).max() < 1e-3 and np.abs(x[:, -1]).max() < 1e-3
    # the fades are smooth: the first and last quarter millisecond ease in and out
    edge = round(0.00025 * RATE)
    assert np.abs(np.diff(x[:, :edge])).max() < 0.02
    assert np.abs(np.diff(x[:, -edge:])).max() < 0.02


def test_short_effects_are_short():
    assert sfx.LIBRARY["click"].duration <= 0.1
    assert sfx.LIBRARY["pop"].duration <= 0.3


def test_the_riser_rises():
    mono = sfx.render("riser").mean(axis=0)
    centroids = [centroid(w) for w in windows(mono, 0.5)]
    assert len(centroids) == 6
    assert all(b > a for a, b in itertools.pairwise(centroids)), centroids
    assert centroids[-1] > 3 * centroids[0]
    levels = [rms(w) for w in windows(mono, 0.5)]
    assert levels[-1] > 2 * levels[0]  # and it grows louder


def test_the_whoosh_sweeps_up_and_back_and_the_swoosh_falls():
    whoosh = sfx.render("whoosh").mean(axis=0)
    c = [centroid(w) for w in windows(whoosh, 0.2)]
    assert max(c) == max(c[2:4]) and c[2] > 2 * c[0] and c[3] > 2 * c[-1]
    left, right = sfx.render("whoosh")
    assert rms(left[: left.size // 3]) > rms(right[: right.size // 3])  # passes left to right
    assert rms(right[-right.size // 3 :]) > rms(left[-left.size // 3 :])
    swoosh = sfx.render("swoosh-down").mean(axis=0)
    c = [centroid(w) for w in windows(swoosh, 0.1)]
    assert c[0] > 3 * c[-1]


def test_the_ding_rings_out_with_bell_partials():
    mono = sfx.render("ding").mean(axis=0)
    levels = [rms(w) for w in windows(mono[round(0.01 * RATE) :], 0.1)]
    assert all(b < a for a, b in itertools.pairwise(levels))  # decays all the way
    assert db(levels[-1]) < db(levels[0]) - 12
    spectrum = np.abs(np.fft.rfft(mono[: RATE // 2]))
    freqs = np.fft.rfftfreq(RATE // 2, 1 / RATE)
    strongest = freqs[spectrum.argmax()]
    assert strongest == pytest.approx(1046.5, abs=5)
    near = lambda f: spectrum[np.abs(freqs - f) < 6].max()
    assert near(1046.5 * 2.76) > 20 * np.median(spectrum)  # an inharmonic partial: a bell, not a tone


def test_the_impact_is_low_and_dies_away():
    mono = sfx.render("impact").mean(axis=0)
    body = mono[round(0.1 * RATE) : round(0.6 * RATE)]
    assert centroid(body) < 600
    assert db(rms(mono[-round(0.2 * RATE) :])) < db(rms(mono[: round(0.2 * RATE)])) - 20


def test_pop_and_click_are_transients():
    for name in ("pop", "click"):
        mono = np.abs(sfx.render(name).mean(axis=0))
        peak_at = mono.argmax() / RATE
        assert peak_at < 0.03, name
        assert rms(mono[-mono.size // 4 :]) < 0.1 * rms(mono[: mono.size // 4]), name


@pytest.mark.parametrize("name", BEDS)
def test_beds_loop_without_a_click(name):
    x = sfx.render(name).astype(np.float64)
    assert sfx.LIBRARY[name].duration == 8
    jumps = np.abs(np.diff(x, axis=1))
    seam = np.abs(x[:, 0] - x[:, -1])
    assert seam.max() < 0.05
    assert (seam <= np.percentile(jumps, 99.9, axis=1)).all()
    # the seam of the loop played twice is as smooth as any other point, curvature included
    twice = np.concatenate([x, x], axis=1)
    n = x.shape[1]
    curve = np.abs(np.diff(twice, n=2, axis=1))
    assert (curve[:, n - 3 : n + 1].max(axis=1) <= np.percentile(curve[:, :n], 99.9, axis=1)).all()
    # and it is not silent at the seam (a loop that fades out and in would pass the tests above)
    assert rms(x[:, : RATE // 10]) > 0.1 * rms(x)
    assert rms(x[:, -RATE // 10 :]) > 0.1 * rms(x)


def test_the_drum_loop_is_120_bpm():
    """Its loudness, folded onto one beat, peaks sharply for 0.5 s beats and smears for others."""
    mono = sfx.render("upbeat-drums").mean(axis=0).astype(np.float64)
    hop = RATE // 200  # 5 ms
    energy = np.sqrt(np.add.reduceat(mono**2, np.arange(0, mono.size, hop)) / hop)
    t = np.arange(energy.size) * 0.005

    def sharpness(period):
        bins = np.round((t % period) / 0.005).astype(int) % round(period / 0.005)
        folded = np.bincount(bins, energy) / np.bincount(bins)
        return folded.max() / np.median(folded)

    others = [sharpness(p) for p in (0.3, 0.35, 0.4, 0.45, 0.55, 0.6, 0.7)]
    assert sharpness(0.5) > 1.3 * max(others)


def test_ensure_library_writes_decodable_files_once(tmp_path):
    folder = tmp_path / "sounds"
    paths = sfx.ensure_library(folder)
    assert set(paths) == set(sfx.LIBRARY)
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{n}.wav" for n in sfx.LIBRARY] + ["manifest.json"])
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["version"] == sfx.LIBRARY_VERSION and manifest["sample_rate"] == RATE
    assert manifest["sounds"]["riser"]["kind"] == "effect"
    assert manifest["sounds"]["ambient-pad"]["loopable"] is True
    for name in ("ding", "upbeat-drums"):
        info = probe(paths[name])
        assert info.audio.sample_rate == RATE and info.audio.channels == 2
        assert float(info.duration) == pytest.approx(sfx.LIBRARY[name].duration, abs=1e-3)
        decoded = read_all(paths[name])
        assert decoded.shape == sfx.render(name).shape
        assert np.abs(decoded - sfx.render(name)).max() < 2 / 32768  # 16-bit PCM

    stamps = {name: p.stat().st_mtime_ns for name, p in paths.items()}
    assert sfx.ensure_library(folder) == paths
    assert {name: p.stat().st_mtime_ns for name, p in paths.items()} == stamps  # not written again

    paths["pop"].unlink()
    paths["click"].write_bytes(paths["click"].read_bytes()[:100])  # damaged
    sfx.ensure_library(folder)
    assert read_all(paths["click"]).shape == sfx.render("click").shape
    assert paths["pop"].is_file()
    unchanged = {n: p.stat().st_mtime_ns for n, p in paths.items() if n not in ("pop", "click")}
    assert unchanged == {n: stamps[n] for n in unchanged}
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_ensure_library_uses_the_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path / "cache"))
    assert sfx.sounds_dir() == tmp_path / "cache" / "sounds"
    paths = sfx.ensure_library()
    assert paths["ding"] == tmp_path / "cache" / "sounds" / "ding.wav"


def test_ensure_library_reports_a_folder_it_cannot_write(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(CapkitError, match="cannot write the sound library"):
        sfx.ensure_library(blocker / "sounds")


def test_render_names_the_library_when_asked_for_something_else():
    with pytest.raises(KeyError, match="whoosh"):
        sfx.render("kazoo")


def test_scan_folder_lists_the_users_sounds(tmp_path):
    folder = tmp_path / "My sounds"
    (folder / "sub").mkdir(parents=True)
    write_audio(folder / "boing.wav", sfx.render("pop"))
    write_audio(folder / "sub" / "bed.m4a", sfx.render("ambient-pad")[:, : 2 * RATE])
    (folder / "broken.mp3").write_bytes(b"ID3 not really an mp3" * 10)
    (folder / "notes.txt").write_text("not a sound")
    (folder / ".hidden.wav").write_bytes(b"")
    write_audio(folder / "LOUD.WAV", sfx.render("click"))

    scan = sfx.scan_folder(folder)
    assert [s.path.relative_to(folder).as_posix() for s in scan.sounds] == ["LOUD.WAV", "boing.wav", "sub/bed.m4a"]
    by_name = {s.name: s for s in scan.sounds}
    assert float(by_name["boing"].duration) == pytest.approx(0.16, abs=1e-3)
    assert float(by_name["bed"].duration) == pytest.approx(2.0, abs=0.05)
    [skipped] = scan.skipped
    assert skipped.path.name == "broken.mp3" and "broken.mp3" in skipped.reason

    flat = sfx.scan_folder(folder, recursive=False)
    assert [s.name for s in flat.sounds] == ["LOUD", "boing"]

    with pytest.raises(MediaError, match="not a folder"):
        sfx.scan_folder(folder / "boing.wav")
    with pytest.raises(MediaError, match="no such folder"):
        sfx.scan_folder(tmp_path / "nowhere")
