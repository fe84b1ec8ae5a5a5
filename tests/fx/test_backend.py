"""Backend detection, the automatic choice and the CAPKIT_DEVICE override."""

import pytest
from fxcase import opencl_or_skip

from capkit.errors import RenderError
from capkit.fx import backend
from capkit.fx.backend import BackendInfo, choose, detect, kernels
from capkit.fx.chain import FilterChain
from capkit.model.items import FilterRef


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("CAPKIT_DEVICE", raising=False)


@pytest.fixture
def pretend(monkeypatch, no_env):
    """Replace what detection found (the real detection runs only on real hardware)."""

    def set_found(opencl_gpu=None, cuda=False):
        found = dict(detect())
        found["opencl"] = (BackendInfo("opencl", True, "Some GPU", gpu=True) if opencl_gpu
                           else BackendInfo("opencl", True, "pthread (PoCL, CPU)", gpu=False) if opencl_gpu is False
                           else BackendInfo("opencl", False, reason="no OpenCL here"))
        found["cuda"] = BackendInfo("cuda", True, "Some NVIDIA card", gpu=True) if cuda else \
            BackendInfo("cuda", False, reason="CuPy is not installed and OpenCV has no CUDA device")
        monkeypatch.setattr(backend, "_detected", found)

    return set_found


def test_detection_finds_the_cpu_and_says_why_others_are_missing():
    found = detect()
    assert set(found) == {"cpu", "opencl", "cuda"}
    assert found["cpu"].available and found["cpu"].device
    for info in found.values():
        assert info.available or info.reason


def test_opencl_on_a_cpu_device_is_found_but_not_chosen_automatically(no_env):
    opencl_or_skip()
    info = detect()["opencl"]
    assert info.device and not info.gpu  # PoCL here
    assert choose() == "cpu"
    assert choose("opencl") == "opencl"


@pytest.mark.parametrize("opencl_gpu,cuda,expected", [
    (None, False, "cpu"), (False, False, "cpu"), (True, False, "opencl"), (True, True, "cuda"), (False, True, "cuda"),
])
def test_automatic_choice_prefers_cuda_then_an_opencl_gpu(pretend, opencl_gpu, cuda, expected):
    pretend(opencl_gpu, cuda)
    assert choose() == expected


def test_capkit_device_overrides_the_choice(monkeypatch, no_env):
    opencl_or_skip()
    monkeypatch.setenv("CAPKIT_DEVICE", "opencl")
    assert choose() == "opencl"
    chain = FilterChain([FilterRef("vignette")], (96, 160))
    assert chain.backend == "opencl"
    monkeypatch.setenv("CAPKIT_DEVICE", " CPU ")
    assert choose() == "cpu" and kernels().name == "cpu"
    monkeypatch.setenv("CAPKIT_DEVICE", "auto")
    assert choose() == "cpu"


def test_asking_for_a_missing_backend_is_a_clear_error(pretend, monkeypatch):
    pretend(False, False)
    monkeypatch.setenv("CAPKIT_DEVICE", "cuda")
    with pytest.raises(RenderError) as err:
        choose()
    assert str(err.value) == (
        "CAPKIT_DEVICE=cuda asked for the cuda filter backend, which is not available here: CuPy is not "
        f"installed and OpenCV has no CUDA device. Available: cpu: {detect()['cpu'].device}; "
        "opencl: pthread (PoCL, CPU).")
    with pytest.raises(RenderError, match="^backend 'cuda' asked for the cuda filter backend"):
        FilterChain([FilterRef("vignette")], (8, 8), "cuda")


def test_a_bad_capkit_device_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("CAPKIT_DEVICE", "gpu")
    with pytest.raises(RenderError) as err:
        choose()
    assert str(err.value) == "CAPKIT_DEVICE must be one of auto, cpu, opencl, cuda (got 'gpu')"


def test_report_lists_every_backend_and_the_one_used(no_env):
    lines = backend.report()
    assert len(lines) == 3 and lines[0].startswith("cpu: ") and lines[0].endswith("<- used")
    assert any(line.startswith("cuda: ") for line in lines)


def test_the_renderer_uses_the_backend_asked_for(monkeypatch):
    opencl_or_skip()
    from capkit import api
    from capkit.render.frames import FrameRenderer
    from capkit.render.plan import compile_plan

    p = api.new_project(96, 160, 30)
    api.add_color(p, "#808080", duration=1)
    api.add_filter(p, "vignette", {"strength": 0.6})
    frames = {}
    for device in ("cpu", "opencl"):
        monkeypatch.setenv("CAPKIT_DEVICE", device)
        with FrameRenderer(compile_plan(p)) as r:
            frames[device] = r.render(0)
            assert [c.backend for c in r._fx_cache.values() if c] == [device]
    assert abs(frames["cpu"].astype(int) - frames["opencl"]).max() <= 3
