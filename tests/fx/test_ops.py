"""Every built-in operation on known pixels, with the answer worked out independently."""

import numpy as np
import pytest
from fxcase import flat, run, sample_frame

from capkit.fx import filters
from capkit.fx.chain import FilterChain
from capkit.model.items import FilterRef


def out(filter_id, image, params=None, **kw):
    return run(filter_id, image, params, **kw)[0]


def srgb_to_linear(v):
    v = np.asarray(v, np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def spread(rgb):
    rgb = np.asarray(rgb, int)
    return rgb.max(axis=-1) - rgb.min(axis=-1)


def test_every_registered_operation_has_a_test_here():
    tested = {name[5:] for name in globals() if name.startswith("test_")}
    missing = [fid for fid in filters() if not any(t.startswith(fid) for t in tested)]
    assert not missing


# --- colour ------------------------------------------------------------------------------------

def test_grade_keeps_its_meaning_for_existing_projects():
    assert abs(int(out("grade", flat(128), {"brightness": 0.2})[0, 0, 0]) - (128 + 51)) <= 1
    grey = out("grade", flat((255, 0, 0)), {"saturation": 0.0})[0, 0]
    assert spread(grey) == 0 and abs(int(grey[0]) - 54) <= 1  # Rec. 709 luma of pure red


@pytest.mark.parametrize("stops", [1.0, -1.0, 2.0])
def test_exposure_scales_linear_light_by_two_per_stop(stops):
    levels = np.arange(0, 256, 5, dtype=np.uint8)
    image = np.repeat(levels[None, :, None], 3, axis=2)
    result = out("exposure", image, {"stops": stops})[0, :, 0]
    want = srgb_to_linear(levels) * 2.0 ** stops
    ok = want < 0.98  # not clipped at white
    got = srgb_to_linear(result)
    # one 8-bit level of the encoded result, expressed in linear light
    step = srgb_to_linear(np.minimum(result.astype(int) + 1, 255)) - got
    assert np.all(np.abs(got - want)[ok] <= step[ok] + 1e-9)
    if stops > 0:
        assert np.all(result[~ok] == 255)


def test_brightness_adds_a_fraction_of_white():
    assert out("brightness", flat(100), {"amount": 0.2})[0, 0, 0] == 151
    assert out("brightness", flat(100), {"amount": -0.5})[0, 0, 0] == 0


def test_contrast_spreads_levels_around_the_pivot():
    result = out("contrast", np.array([[[64] * 3, [128] * 3, [192] * 3]], np.uint8), {"amount": 2.0})[0, :, 0]
    assert list(result) == [0, 128, 255]  # 64 -> 0.5 rounds to even
    assert out("contrast", flat(200), {"amount": 0.0, "pivot": 0.25})[0, 0, 0] == 64


def test_saturation_zero_gives_equal_channels_and_two_doubles_the_distance_from_grey():
    image = sample_frame()
    grey = out("saturation", image, {"amount": 0.0})
    assert spread(grey).max() <= 1
    luma = image.astype(float) @ np.array([0.2126, 0.7152, 0.0722])
    assert np.abs(grey[..., 0] - luma).max() <= 1
    pixel = np.array([[[100, 140, 120]]], np.uint8)
    y = pixel[0, 0] @ np.array([0.2126, 0.7152, 0.0722])
    doubled = out("saturation", pixel, {"amount": 2.0})[0, 0].astype(float)
    assert np.allclose(doubled - y, 2 * (pixel[0, 0] - y), atol=1)


def test_vibrance_boosts_muted_colours_more_than_vivid_ones_and_leaves_grey():
    muted, vivid, grey = (120, 140, 130), (230, 40, 40), (90, 90, 90)
    image = np.array([[muted, vivid, grey]], np.uint8)
    result = out("vibrance", image, {"amount": 1.0})[0]
    gain = spread(result) / np.maximum(spread(image[0]), 1)
    assert gain[0] > 1.5 and gain[1] < 1.1
    assert tuple(result[2]) == grey


def test_temperature_warms_and_tint_shifts_green_magenta():
    warm = out("temperature", flat(128), {"temperature": 0.5})[0, 0].astype(int)
    assert warm[0] > 128 + 10 and warm[2] < 128 - 10 and warm[1] == 128
    magenta = out("temperature", flat(128), {"tint": 0.5})[0, 0].astype(int)
    assert magenta[1] < 128 - 10 and magenta[0] == magenta[2] == 128


@pytest.mark.parametrize("degrees,source,target", [
    (120, (255, 0, 0), (0, 255, 0)), (120, (0, 255, 0), (0, 0, 255)), (-120, (255, 0, 0), (0, 0, 255)),
    (180, (128, 128, 128), (128, 128, 128)),
])
def test_hue_shift_turns_the_colour_wheel(degrees, source, target):
    result = out("hue_shift", flat(source, 4, 4), {"degrees": degrees})[0, 0].astype(int)
    assert np.abs(result - target).max() <= 1


def test_black_white_mixes_channels_into_grey():
    image = sample_frame()
    default = out("black_white", image)
    assert spread(default).max() == 0
    red_filter = out("black_white", image, {"red": 1.0, "green": 0.0, "blue": 0.0})
    assert np.array_equal(red_filter[..., 1], image[..., 0])


def test_sepia_turns_grey_brown_and_zero_does_nothing():
    r, g, b = out("sepia", flat(128))[0, 0].astype(int)
    assert r > g > b and (r, g, b) == tuple(np.clip(np.rint(np.array([1.351, 1.203, 0.937]) * 128), 0, 255))
    assert FilterChain([FilterRef("sepia", {"amount": 0.0})], (8, 8), "cpu").is_identity


# --- tone --------------------------------------------------------------------------------------

def test_highlights_shadows_move_only_their_end_of_the_range():
    levels = np.array([[[0] * 3, [60] * 3, [128] * 3, [200] * 3, [255] * 3]], np.uint8)
    lifted = out("highlights_shadows", levels, {"shadows": 1.0})[0, :, 0].astype(int)
    assert lifted[0] == 0 and lifted[1] > 60 + 15 and lifted[4] == 255 and lifted[3] - 200 < lifted[1] - 60
    recovered = out("highlights_shadows", levels, {"highlights": -1.0})[0, :, 0].astype(int)
    assert recovered[3] < 200 - 15 and recovered[4] == 255 and recovered[0] == 0 and 60 - recovered[1] < 8
    colour = out("highlights_shadows", flat((60, 30, 15), 2, 2), {"shadows": 1.0})[0, 0].astype(float)
    assert np.allclose(colour / colour[0], np.array([60, 30, 15]) / 60, atol=0.05)  # hue kept


def test_curves_follow_the_control_points_monotonically():
    ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
    result = out("curves", ramp, {"master": [[0, 0], [0.5, 0.75], [1, 1]]})[0]
    assert abs(int(result[128, 0]) - 191) <= 2 and result[0, 0] == 0 and result[255, 0] == 255
    assert np.all(np.diff(result[:, 0].astype(int)) >= 0)
    inverted = out("curves", ramp, {"red": [[0, 1], [1, 0]]})[0]
    assert np.array_equal(inverted[:, 0], 255 - ramp[0, :, 0]) and np.array_equal(inverted[:, 1], ramp[0, :, 1])
    steps = out("curves", ramp, {"master": [[0, 0], [0.4, 0.5], [0.6, 0.5], [1, 1]]})[0, :, 0].astype(int)
    assert np.all(np.diff(steps) >= 0) and steps[128] == 128  # flat part stays flat: no overshoot


def test_duotone_maps_black_and_white_onto_its_two_colours():
    image = np.array([[[0, 0, 0], [255, 255, 255]]], np.uint8)
    result = out("duotone", image, {"shadows": "#102030", "highlights": "#F0E0D0"})[0]
    assert tuple(result[0]) == (0x10, 0x20, 0x30) and tuple(result[1]) == (0xF0, 0xE0, 0xD0)


def test_lut3d_applies_the_file(lut_file):
    image = sample_frame()
    looked = out("lut3d", image, {"path": lut_file})
    assert np.abs(looked.astype(int) - image).mean() > 3  # the test look changes the picture


# --- detail ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["gaussian", "box"])
def test_blur_leaves_flat_areas_and_spreads_edges(kind):
    assert np.array_equal(out("blur", flat((30, 90, 200), 108, 108), {"radius": 40.0, "kind": kind}),
                          flat((30, 90, 200), 108, 108))
    edge = np.zeros((108, 108, 3), np.uint8)
    edge[:, 54:] = 255
    row = out("blur", edge, {"radius": 40.0, "kind": kind})[54, :, 0].astype(int)
    assert row[0] == 0 and row[-1] == 255 and 0 < row[52] < 128 < row[56] < 255
    assert np.all(np.diff(row) >= 0)


def test_box_blur_of_a_dot_is_a_box():
    dot = np.zeros((108, 108, 3), np.uint8)
    dot[54, 54] = 255
    result = out("blur", dot, {"radius": 20.0, "kind": "box"})[..., 0]  # radius 2 px at this size: 5x5
    ys, xs = np.nonzero(result)
    assert (ys.min(), ys.max(), xs.min(), xs.max()) == (52, 56, 52, 56)
    assert np.all(result[52:57, 52:57] == round(255 / 25))


def test_sharpen_overshoots_at_edges_and_leaves_flat_areas():
    edge = np.full((108, 108, 3), 80, np.uint8)
    edge[:, 54:] = 160
    row = out("sharpen", edge, {"amount": 1.0, "radius": 5.0})[54, :, 0].astype(int)
    assert row[53] < 80 and row[54] > 160 and row[0] == 80 and row[-1] == 160


def test_glow_lights_up_around_bright_parts_only():
    image = np.full((108, 108, 3), 40, np.uint8)
    assert np.array_equal(out("glow", image, {"threshold": 0.5}), image)  # nothing bright: no glow
    image[50:58, 50:58] = 255
    result = out("glow", image, {"threshold": 0.5, "radius": 100.0, "strength": 1.0})[..., 0].astype(int)
    assert result[54, 62] > 40 + 5 and result[54, 62] > result[54, 80] and result[2, 2] <= 41


def test_skin_smooth_smooths_skin_and_keeps_edges_and_other_colours():
    rng = np.random.default_rng(1)
    skin = np.clip(np.array([200, 150, 120]) + rng.normal(0, 6, (108, 108, 3)), 0, 255).astype(np.uint8)
    skin[:, 80:] = (30, 20, 20)  # a dark edge (hair) on the right
    result = out("skin_smooth", skin, {"amount": 1.0})
    assert result[10:90, 10:60].std(axis=(0, 1)).mean() < 0.6 * skin[10:90, 10:60].std(axis=(0, 1)).mean()
    assert np.abs(result[:, 78].astype(int) - skin[:, 78]).mean() < 8  # the edge is not smeared
    assert np.abs(result[:, 82].astype(int) - skin[:, 82]).mean() < 8
    blue = np.clip(np.array([40, 60, 200]) + rng.normal(0, 6, (108, 108, 3)), 0, 255).astype(np.uint8)
    assert np.array_equal(out("skin_smooth", blue, {"amount": 1.0, "skin_only": True}), blue)


# --- stylize -----------------------------------------------------------------------------------

def test_vignette_darkens_corners_and_keeps_the_centre():
    result = out("vignette", flat(200, 108, 108), {"strength": 0.6, "radius": 0.2})
    assert result[54, 54, 0] >= 198 and result[0, 0, 0] < 100


def test_grain_is_the_same_for_a_frame_and_new_for_the_next():
    image = flat(128, 108, 108)
    a = out("grain", image, {"amount": 0.5}, index=7)
    again = out("grain", image, {"amount": 0.5}, index=7)
    other = out("grain", image, {"amount": 0.5}, index=8)
    reseeded = out("grain", image, {"amount": 0.5, "seed": 1}, index=7)
    assert np.array_equal(a, again)
    assert not np.array_equal(a, other) and not np.array_equal(a, reseeded)
    assert abs(a.mean() - 128) < 1.5 and 10 < a.astype(float).std() < 22  # 0.5 * 32 levels
    assert spread(a).max() == 0  # grey grain by default
    assert spread(out("grain", image, {"amount": 0.5, "color": True})).max() > 0


def test_pixelate_makes_constant_blocks():
    image = sample_frame(108, 108)
    result = out("pixelate", image, {"size": 100.0})  # 10 px blocks at this size
    for y in range(0, 108, 10):
        for x in range(0, 108, 10):
            block = result[y:y + 10, x:x + 10].reshape(-1, 3)
            assert (block == block[0]).all()
            if y + 10 <= 108 and x + 10 <= 108:  # a whole block is the mean of its pixels
                assert np.abs(block[0].astype(int) - image[y:y + 10, x:x + 10].reshape(-1, 3).mean(axis=0)).max() <= 1


def test_rgb_split_moves_red_and_blue_apart():
    line = np.zeros((108, 108, 3), np.uint8)
    line[:, 50] = 255
    result = out("rgb_split", line, {"amount": 50.0})  # 5 px at this size, to the right for red
    cols = [int(np.argmax(result[54, :, c])) for c in range(3)]
    assert cols == [55, 50, 45]


def test_glitch_bands_are_seeded_by_the_frame():
    image = sample_frame(108, 108)
    params = {"amount": 0.0, "glitch": 1.0}
    a, again, other = (out("rgb_split", image, params, index=i) for i in (3, 3, 4))
    assert np.array_equal(a, again) and not np.array_equal(a, other)
    moved = [y for y in range(108) if not np.array_equal(a[y], image[y])]
    assert 0 < len(moved) < 108
    assert all(any(np.array_equal(np.roll(image[y], s, axis=0)[20:-20], a[y][20:-20]) for s in range(-10, 11))
               for y in moved)


# --- keying ------------------------------------------------------------------------------------

def test_chroma_key_makes_the_key_colour_transparent_on_a_clip():
    image = np.array([[[0, 255, 0], [20, 230, 30], [255, 0, 0], [200, 180, 160]]], np.uint8)
    rgb, alpha = run("chroma_key", image, {"color": "#00FF00", "spill": 0.0})
    assert list(alpha[0]) == [0, 0, 255, 255]
    assert np.array_equal(rgb, image)


def test_chroma_key_replaces_the_key_colour_on_a_layer():
    image = np.array([[[0, 255, 0], [255, 0, 0]]], np.uint8)
    rgb, alpha = run("chroma_key", image, {"fill": "#0000FF", "spill": 0.0}, alpha_allowed=False)
    assert alpha is None and tuple(rgb[0, 0]) == (0, 0, 255) and tuple(rgb[0, 1]) == (255, 0, 0)


def test_chroma_key_spill_suppression_removes_the_green_cast():
    hair = np.array([[[110, 160, 100]]], np.uint8)  # kept (far from pure green) but green-tinted
    rgb, alpha = run("chroma_key", hair, {"spill": 1.0, "similarity": 0.1})
    assert alpha[0, 0] == 255 and tuple(rgb[0, 0]) == (110, 110, 100)


def test_chroma_key_multiplies_existing_alpha():
    image = np.array([[[0, 255, 0], [255, 0, 0]]], np.uint8)
    _, alpha = run("chroma_key", image, alpha=np.array([[255, 128]], np.uint8))
    assert list(alpha[0]) == [0, 128]
