"""FilterChain: intensity mix, skipping filters that change nothing, animated values, frame
indices, alpha, and the renderer's use of it for clips and filter layers."""

from fractions import Fraction

import numpy as np
import pytest
from fxcase import flat, sample_frame, settings

from capkit import api
from capkit.errors import RenderError
from capkit.fx import FilterChain, Frame, filters, get
from capkit.fx.params import Param
from capkit.fx.registry import prepare
from capkit.model.items import FilterRef
from capkit.render.frames import FrameRenderer
from capkit.render.plan import compile_plan


def test_intensity_mixes_each_filter_with_its_input():
    image = flat((200, 100, 50))
    full = FilterChain([FilterRef("black_white")], (16, 16), "cpu").apply(image)
    half = FilterChain([FilterRef("black_white", {}, 0.5)], (16, 16), "cpu").apply(image)
    assert np.abs(half.astype(int) - (full.astype(int) + image) / 2).max() <= 1
    assert FilterChain([FilterRef("black_white", {}, 0.0)], (16, 16), "cpu").is_identity


def test_filters_that_change_nothing_are_skipped_and_the_input_is_never_changed():
    chain = FilterChain([FilterRef("grade"), FilterRef("exposure"), FilterRef("curves")], (16, 16), "cpu")
    assert chain.is_identity
    image = sample_frame()
    before = image.copy()
    FilterChain([FilterRef("vignette"), FilterRef("sharpen")], (96, 160), "cpu").apply(image)
    assert np.array_equal(image, before)


def test_a_chain_applies_filters_in_order():
    image = flat((255, 0, 0))
    a = FilterChain([FilterRef("hue_shift", {"degrees": 120}), FilterRef("black_white", {"red": 1, "green": 0, "blue": 0})],
                    (16, 16), "cpu").apply(image)
    b = FilterChain([FilterRef("black_white", {"red": 1, "green": 0, "blue": 0}), FilterRef("hue_shift", {"degrees": 120})],
                    (16, 16), "cpu").apply(image)
    assert a[0, 0, 0] <= 1 and b[0, 0, 0] >= 254  # red became green, which the red-only mix ignores


def test_animated_values_are_prepared_once_per_distinct_value(monkeypatch):
    calls = []
    spec = get("brightness")
    real = spec.prepare
    monkeypatch.setattr(type(spec), "prepare", property(lambda self: lambda *a: (calls.append(a[0]), real(*a))[1]),
                        raising=False)
    chain = FilterChain([FilterRef("brightness", {"amount": 0.1})], (16, 16), "cpu")
    image = flat(100)
    values = [0.1, 0.2, 0.2, 0.3, 0.1, 0.2]
    results = [chain.apply(image, i, [{"amount": v}])[0, 0, 0] for i, v in enumerate(values)]
    assert results == [126, 151, 151, 176, 126, 151]  # 100 + 76.5 rounds to even
    assert [c["amount"] for c in calls] == [0.1, 0.2, 0.3]


def test_animated_values_are_checked():
    chain = FilterChain([FilterRef("brightness")], (16, 16), "cpu")
    with pytest.raises(RenderError, match="filter 'brightness': amount must be at most 1 .got 2."):
        chain.apply(flat(1), 0, [{"amount": 2.0}])


def test_bad_filters_are_reported_when_the_chain_is_made():
    with pytest.raises(RenderError, match="filter 'blur' has no parameter 'sigma'; it has kind, radius"):
        FilterChain([FilterRef("blur", {"sigma": 2})], (16, 16), "cpu")
    with pytest.raises(RenderError, match="filter 'chroma_key': color must be a colour like"):
        FilterChain([FilterRef("chroma_key", {"color": "green"})], (16, 16), "cpu")
    with pytest.raises(RenderError, match=r"filter 'curves': master: x must increase from point to point \(got 0.5 after 0.5\)"):
        FilterChain([FilterRef("curves", {"master": [[0, 0], [0.5, 0.4], [0.5, 0.6], [1, 1]]})], (16, 16), "cpu")


def test_the_legacy_prepare_function_still_works():
    fn = prepare(FilterRef("grade", {"brightness": 0.2}), (16, 16))
    assert abs(int(fn(flat(128))[0, 0, 0]) - 179) <= 1
    assert prepare(FilterRef("grade"), (16, 16)) is None


def test_every_parameter_schema_is_complete():
    for spec in filters().values():
        assert spec.id.islower() and spec.name and spec.doc
        for p in spec.params:
            assert isinstance(p, Param) and p.doc and p.check(p.default) is None, (spec.id, p.name)
            if p.kind in ("float", "int"):
                assert p.min is not None and p.max is not None and p.min <= p.default <= p.max


def test_a_step_is_a_pure_function_of_its_frame():
    chain = FilterChain([FilterRef("grain", {"amount": 0.5})], (32, 32), "cpu")
    image = flat(128, 32, 32)
    first = chain.run(image, Frame(index=2))
    chain.run(image, Frame(index=3))
    assert np.array_equal(chain.run(image, Frame(index=2)), first)


# --- in the renderer ---------------------------------------------------------------------------

def test_grain_on_a_filter_layer_follows_the_timeline_frame():
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#808080", duration=2)
    api.add_filter(p, "grain", {"amount": 0.5}, duration=2)
    with FrameRenderer(compile_plan(p)) as r:
        a, b, again = r.render(3), r.render(4), r.render(3)
    assert np.array_equal(a, again) and not np.array_equal(a, b)
    with FrameRenderer(compile_plan(p, width=64, fps=Fraction(15))) as r:
        # frame 2 at 15 fps is the project's frame 4: grain is seeded by the project's own frame
        # number, so an export at another rate shows the same grain at the same moment
        assert np.array_equal(r.render(2), b)


def test_a_chroma_keyed_clip_shows_what_is_below(tmp_path):
    from PIL import Image

    screen = tmp_path / "screen.png"
    Image.fromarray(flat((0, 255, 0), 32, 32)).save(screen)
    p = api.new_project(32, 32, 30)
    api.add_color(p, "#FF0000", duration=1)
    top = api.add_media(p, str(screen), start=0, duration=1)
    with FrameRenderer(compile_plan(p)) as r:
        assert tuple(r.render(0)[16, 16]) == (0, 255, 0)
    top.filters = [FilterRef("chroma_key")]
    with FrameRenderer(compile_plan(p)) as r:
        assert tuple(r.render(0)[16, 16]) == (255, 0, 0)


def test_a_chroma_key_layer_replaces_the_key_colour():
    p = api.new_project(32, 32, 30)
    api.add_color(p, "#00FF00", duration=1)
    api.add_filter(p, "chroma_key", {"fill": "#0000FF"})
    with FrameRenderer(compile_plan(p)) as r:
        assert tuple(r.render(0)[16, 16]) == (0, 0, 255)


@pytest.mark.parametrize("size", [(1, 1), (2, 3), (7, 5), (33, 17)])
def test_every_filter_copes_with_tiny_and_odd_sizes(size, lut_file):
    from capkit.fx.kernels.cuda import ArrayKernels

    image = sample_frame(size[0], size[1] * 8)[: size[1]] if size[1] > 1 else sample_frame(8, 8)[:1, : size[0]]
    image = np.ascontiguousarray(image[:, : size[0]])
    for fid in filters():
        for backend in ("cpu", ArrayKernels(np)):
            rgb, alpha = FilterChain([FilterRef(fid, settings(fid, lut_file))], size, backend).apply_alpha(image, None, 1)
            assert rgb.shape == image.shape and rgb.dtype == np.uint8, fid
            assert alpha is None or alpha.shape == image.shape[:2], fid


def test_a_resolver_supplies_filters_the_registry_does_not_hold(monkeypatch):
    from capkit.fx import registry

    look = registry.FilterSpec("demo/warm", "Warm", (), lambda values, size, k: FilterChain(
        [FilterRef("temperature", {"temperature": 0.5})], size, k).run)
    monkeypatch.setattr(registry, "_RESOLVERS", [])
    registry.add_resolver(lambda fid: look if fid == "demo/warm" else None)
    warm = FilterChain([FilterRef("demo/warm")], (16, 16), "cpu").apply(flat(128))
    assert warm[0, 0, 0] > 140 and "demo/warm" not in filters()
    with pytest.raises(RenderError, match="unknown filter 'demo/cold'"):
        get("demo/cold")


def test_animated_values_line_up_with_the_references_even_when_one_is_off():
    chain = FilterChain([FilterRef("brightness", {}, 0.0), FilterRef("brightness", {"amount": 0.1})], (4, 4), "cpu")
    assert chain.apply(flat(100, 4, 4), 0, [{"amount": 0.5}, {"amount": 0.2}])[0, 0, 0] == 151
