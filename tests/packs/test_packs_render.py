"""Pack filters on real pixels: a pack filter gives exactly the picture of the built-in ops it names."""

import numpy as np
import pytest

from capkit import packs
from capkit.errors import RenderError
from capkit.fx import registry
from capkit.fx.backend import kernels
from capkit.fx.chain import FilterChain
from capkit.fx.cube import identity_table, write_cube
from capkit.fx.registry import Frame
from capkit.model.items import FilterRef
from capkit.packs.testing import example_manifest, sample_frame

SIZE = (64, 36)


def run(spec, given):
    k = kernels("cpu")
    step = spec.prepare(spec.resolve(given), SIZE, k)
    frame = sample_frame(*SIZE)
    return frame if step is None else k.download(step(k.upload(frame), Frame()))


def reference(*refs):
    return FilterChain(list(refs), SIZE, "cpu").apply(sample_frame(*SIZE))


def test_a_pack_filter_is_its_graph_of_builtin_ops(make_pack):
    packs.install(make_pack())
    spec = packs.resolve("com.example.looks/warm-fade")
    expected = reference(
        FilterRef("grade", {"contrast": 0.9, "brightness": 0.03, "saturation": 1.5}),  # 0.5 * amount + 1
        FilterRef("vignette", {"strength": 0.5}, 0.8),  # 0.5 * amount, mixed at 0.8
    )
    out = run(spec, {"amount": 1.0})
    assert np.array_equal(out, expected)
    assert not np.array_equal(out, sample_frame(*SIZE))
    assert not np.array_equal(run(spec, {}), out)  # the default amount (0.6) is another picture


def test_steps_that_change_nothing_are_skipped(make_pack):
    m = example_manifest()
    m["filters"][1]["graph"] = [{"op": "grade", "params": {}}, {"op": "vignette", "params": {"strength": 0}}]
    packs.install(make_pack(m))
    spec = packs.resolve("com.example.looks/mono")
    assert spec.prepare(spec.resolve({}), SIZE, kernels("cpu")) is None


def test_links_to_whole_numbers_and_intensities(make_pack):
    m = example_manifest()
    m["filters"][1]["params"] = [
        {"name": "seed", "type": "int", "default": 3, "min": 0, "max": 100},
        {"name": "mix", "type": "float", "default": 0.5, "min": 0, "max": 1},
    ]
    m["filters"][1]["graph"] = [{"op": "grain", "params": {"seed": {"param": "seed", "scale": 2, "offset": 1},
                                                           "amount": 0.8},
                                 "intensity": {"param": "mix"}}]
    packs.install(make_pack(m))
    out = run(packs.resolve("com.example.looks/mono"), {"seed": 3, "mix": 0.25})
    assert np.array_equal(out, reference(FilterRef("grain", {"seed": 7, "amount": 0.8}, 0.25)))


def test_a_lut_from_the_pack(make_pack, tmp_path):
    cube = tmp_path / "invert.cube"
    write_cube(cube, 1.0 - identity_table(17))
    m = example_manifest()
    m["filters"].append({"id": "negative", "name": "Negative",
                         "graph": [{"op": "lut3d", "params": {"path": "luts/invert.cube"}}]})
    info = packs.install(make_pack(m, {"luts/invert.cube": cube.read_text()}))
    out = run(packs.resolve("com.example.looks/negative"), {})
    installed_lut = info.path / "luts" / "invert.cube"
    assert np.array_equal(out, reference(FilterRef("lut3d", {"path": str(installed_lut)})))
    assert np.abs(out.astype(int) - (255 - sample_frame(*SIZE))).max() <= 1


def test_the_renderer_runs_pack_filters_like_builtins(make_pack, monkeypatch):
    """How the registry will offer pack filters (the lead hooks ``get`` to fall back to packs):
    here the spec is registered by hand, and a FilterChain mixes it by the reference's intensity."""
    packs.install(make_pack())
    spec = packs.resolve("com.example.looks/warm-fade")
    monkeypatch.setitem(registry._REGISTRY, spec.id, spec)
    full = FilterChain([FilterRef(spec.id, {"amount": 1.0})], SIZE, "cpu").apply(sample_frame(*SIZE))
    assert np.array_equal(full, run(spec, {"amount": 1.0}))
    half = FilterChain([FilterRef(spec.id, {"amount": 1.0}, 0.5)], SIZE, "cpu").apply(sample_frame(*SIZE))
    mixed = (full.astype(int) + sample_frame(*SIZE)) / 2
    assert np.abs(half - mixed).max() <= 1
    with pytest.raises(RenderError, match="amount must be at most 1"):
        FilterChain([FilterRef(spec.id, {"amount": 2.0})], SIZE, "cpu")


def test_a_project_renders_an_installed_pack_filter(make_pack):
    """From the project down: add_filter with a pack id, render, and get the graph's picture."""
    from capkit import api

    packs.install(make_pack())
    p = api.new_project(64, 36, 30)
    api.add_color(p, "#B06040", duration=1)
    api.add_filter(p, "com.example.looks/warm-fade", {"amount": 1.0})
    flat = np.empty((36, 64, 3), np.uint8)
    flat[:] = (0xB0, 0x60, 0x40)
    expected = FilterChain([FilterRef("com.example.looks/warm-fade", {"amount": 1.0})], SIZE, "cpu").apply(flat)
    assert np.array_equal(api.render_frame(p, 0), expected)
    with pytest.raises(Exception, match="com.example.nope"):
        api.add_filter(p, "com.example.nope/warm")
