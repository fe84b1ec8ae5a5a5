"""Text rasterisation, checked on real pixels: placement, colours, stroke, shadow, box, wrapping,
alignment, scale, typewriter, complex scripts and font fallback."""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from PIL import ImageFont

from capkit.errors import RenderError
from capkit.model.items import Shadow, Stroke, TextBox, TextStyle
from capkit.render import fonts
from capkit.render.text import render_text
from capkit.resources import resource_path

CANVAS = 1080


def plain(**changes) -> TextStyle:
    """A style with no stroke, shadow or box unless asked for."""
    return dataclasses.replace(TextStyle(size=72), **changes)


def ink(raster, threshold: int = 0) -> np.ndarray:
    return raster.rgba[..., 3] > threshold


def bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the True pixels, x1/y1 exclusive."""
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def installed(family: str) -> fonts.FontFace:
    face = fonts.find_family(family)
    if face is None:
        if os.environ.get("CI"):  # scripts/bootstrap installs Amiri, Lohit and WenQuanYi for these tests
            pytest.fail(f"font family {family!r} should be installed in CI by scripts/bootstrap test")
        pytest.skip(f"font family {family!r} is not installed here")
    return face


def canvas_bbox(raster, threshold: int = 0) -> np.ndarray:
    """Ink bounding box relative to the anchor (where the compositor puts the item's position)."""
    x0, y0, x1, y1 = bbox(ink(raster, threshold))
    ax, ay = raster.anchor
    return np.array([x0 - ax, y0 - ay, x1 - ax, y1 - ay])


# --- where and in what colour ---------------------------------------------------------------------


def test_text_is_drawn_around_the_anchor_in_the_style_colour():
    raster = render_text("Hello", plain(color="#12AB34"), canvas_width=CANVAS)
    h, w, channels = raster.rgba.shape
    assert channels == 4 and raster.rgba.dtype == np.uint8
    x0, y0, x1, y1 = bbox(ink(raster))
    ax, ay = raster.anchor
    assert (x0, y0) == (0, 0) and (x1, y1) == (w, h)  # tightly cropped
    assert abs((x0 + x1) / 2 - ax) < 4  # centred text: ink centred on the anchor
    assert y0 < ay < y1
    assert 150 < w < 300 and 45 < h < 80  # "Hello" in 72px bold Inter
    # Straight alpha with one colour: every touched pixel, edge or interior, has exactly that colour.
    assert np.all(raster.rgba[ink(raster)][:, :3] == (0x12, 0xAB, 0x34))
    assert (raster.rgba[..., 3] == 255).sum() > 1000


def test_colour_alpha_is_honoured():
    raster = render_text("Hello", plain(color="#FFFFFF80"), canvas_width=CANVAS)
    assert raster.rgba[..., 3].max() == 0x80


def test_stroke_colour_is_at_the_glyph_edges_and_fill_inside():
    style = plain(color="#FFFFFF", stroke=Stroke(color="#FF0000", width=6))
    raster = render_text("HOLD", style, canvas_width=CANVAS)
    rgba = raster.rgba.astype(int)
    red = (rgba[..., 0] > 200) & (rgba[..., 1] < 60) & (rgba[..., 3] > 200)
    white = (rgba[..., :3].min(axis=2) > 240) & (rgba[..., 3] == 255)
    assert red.sum() > 2000 and white.sum() > 2000
    # Walking in from the left on every row through the letters, the first solid pixel is stroke.
    rows = [y for y in range(raster.height) if white[y].any()]
    for y in rows[len(rows) // 4 : 3 * len(rows) // 4]:
        first = np.argmax(rgba[y, :, 3] > 200)
        assert red[y, first], f"row {y}: the outermost pixel is not the stroke colour"
    plain_raster = render_text("HOLD", plain(color="#FFFFFF"), canvas_width=CANVAS)
    assert raster.width >= plain_raster.width + 10 and raster.height >= plain_raster.height + 10


def test_translucent_fill_does_not_show_the_stroke_through():
    style = plain(color="#FFFFFF80", stroke=Stroke(color="#FF0000", width=6))
    rgba = render_text("HOLD", style, canvas_width=CANVAS).rgba.astype(int)
    interior = (rgba[..., :3] == 255).all(axis=2)
    assert interior.sum() > 1000
    assert np.all(rgba[interior][:, 3] == 0x80)


def test_box_fills_behind_the_text_with_its_colour_and_alpha():
    style = plain(color="#FFFFFF", box=TextBox(color="#FF000080", padding=20, radius=16))
    raster = render_text("Box", style, canvas_width=CANVAS)
    rgba = raster.rgba.astype(int)
    h, w = raster.height, raster.width
    # The box is the whole raster: the padding strip has exactly the box colour and alpha ...
    assert tuple(rgba[h // 2, 5]) == (255, 0, 0, 0x80)
    assert tuple(rgba[5, w // 2]) == (255, 0, 0, 0x80)
    assert tuple(rgba[h - 6, w - 40]) == (255, 0, 0, 0x80)
    # ... its corners are rounded (transparent), and the text sits on top, opaque white.
    assert rgba[0, 0, 3] == 0 and rgba[h - 1, w - 1, 3] == 0
    assert ((rgba[..., :3] == 255).all(axis=2) & (rgba[..., 3] == 255)).sum() > 500
    # The anchor is the box's centre.
    assert raster.anchor == pytest.approx((w / 2, h / 2), abs=1)


@pytest.mark.parametrize("offset", [(14, 18), (-10, -12)])
def test_shadow_falls_in_the_direction_of_its_offset(offset):
    dx, dy = offset
    shadow = Shadow(color="#0000FF", offset_x=dx, offset_y=dy, blur=0)
    text_only = render_text("Shadow", plain(), canvas_width=CANVAS)
    shadow_only = render_text("Shadow", plain(color="#FFFFFF00", shadow=shadow), canvas_width=CANVAS)
    assert np.all(shadow_only.rgba[ink(shadow_only)][:, :3] == (0, 0, 255))
    shift = canvas_bbox(shadow_only, 127) - canvas_bbox(text_only, 127)
    assert shift == pytest.approx([dx, dy, dx, dy], abs=1.5)

    both = render_text("Shadow", plain(shadow=dataclasses.replace(shadow, blur=6)), canvas_width=CANVAS)
    rgba = both.rgba.astype(int)
    blue = (rgba[..., 2] > 200) & (rgba[..., 0] < 80) & (rgba[..., 3] > 0)
    white = (rgba[..., :3] > 240).all(axis=2) & (rgba[..., 3] > 0)
    by, bx = np.argwhere(blue).mean(axis=0)
    wy, wx = np.argwhere(white).mean(axis=0)
    assert np.sign(bx - wx) == np.sign(dx) and np.sign(by - wy) == np.sign(dy)


# --- layout -----------------------------------------------------------------------------------------

LONG = "The quick brown fox jumps over the lazy dog and keeps on running far away"


def test_a_smaller_wrap_width_gives_more_lines():
    wide = render_text(LONG, plain(size=48, max_width=0.9), canvas_width=CANVAS)
    narrow = render_text(LONG, plain(size=48, max_width=0.4), canvas_width=CANVAS)
    pitch = 48 * 1.15
    assert narrow.height > wide.height + 2 * pitch
    assert wide.width <= 0.9 * CANVAS + 4 and narrow.width <= 0.4 * CANVAS + 4


def test_words_are_not_split_unless_one_alone_is_too_wide():
    style = plain(size=48, max_width=0.4)
    whole_words = render_text("Antidisestablishment is long", style, canvas_width=CANVAS)
    assert whole_words.width <= 0.4 * CANVAS + 4
    # A word wider than the line is cut, so the raster still respects the width.
    huge = render_text("Supercalifragilisticexpialidocious", plain(size=96, max_width=0.5), canvas_width=CANVAS)
    assert huge.width <= 0.5 * CANVAS + 4 and huge.height > 2 * 96
    # Explicit newlines always break.
    one = render_text("one two", plain(), canvas_width=CANVAS)
    two = render_text("one\ntwo", plain(), canvas_width=CANVAS)
    assert two.height > one.height + 60


def line_extents(raster, lines: int, style: TextStyle) -> list[tuple[int, int]]:
    """Ink x-extent of each line, using the layout's line pitch around the anchor."""
    pitch = style.size * style.line_spacing
    top = raster.anchor[1] - lines * pitch / 2
    extents = []
    for i in range(lines):
        band = ink(raster)[max(int(top + i * pitch + 2), 0) : int(top + (i + 1) * pitch - 2)]
        cols = np.nonzero(band.any(axis=0))[0]
        extents.append((int(cols.min()), int(cols.max()) + 1))
    return extents


@pytest.mark.parametrize("align", ["left", "center", "right"])
def test_each_line_is_aligned(align):
    style = plain(align=align, bold=False)
    raster = render_text("lily\nHHHHHHHHHH", style, canvas_width=CANVAS)
    (s0, s1), (l0, l1) = line_extents(raster, 2, style)
    assert s1 - s0 < (l1 - l0) / 2
    if align == "left":
        assert abs(s0 - l0) <= 8 and s1 < l1 - 100
    elif align == "right":
        assert abs(s1 - l1) <= 8 and s0 > l0 + 100
    else:
        assert abs((s0 + s1) / 2 - (l0 + l1) / 2) <= 4


def test_half_scale_is_half_the_size_with_the_same_line_breaks():
    style = plain(size=72, stroke=Stroke(width=6), shadow=Shadow(), max_width=0.5)
    full = render_text(LONG, style, canvas_width=CANVAS)
    half = render_text(LONG, style, canvas_width=CANVAS, scale=0.5)
    assert half.width == pytest.approx(full.width / 2, rel=0.08)
    assert half.height == pytest.approx(full.height / 2, rel=0.08)
    assert half.anchor[1] == pytest.approx(full.anchor[1] / 2, rel=0.08)


def test_visible_chars_draws_fewer_letters_on_the_same_layout():
    style = plain(box=TextBox(color="#00000080"), shadow=Shadow())
    full = render_text("Typewriter text", style, canvas_width=CANVAS)
    counts = []
    for n in (0, 4, 9, 15):
        part = render_text("Typewriter text", style, canvas_width=CANVAS, visible_chars=n)
        assert part.rgba.shape == full.rgba.shape and part.anchor == full.anchor
        counts.append(int((part.rgba[..., 3] == 255).sum()))
    assert counts == sorted(counts) and len(set(counts)) == 4
    assert render_text("Typewriter text", style, canvas_width=CANVAS, visible_chars=15) is full
    nothing = render_text("Typewriter text", plain(), canvas_width=CANVAS, visible_chars=0)
    assert not nothing.rgba[..., 3].any()
    # The first letters keep their place: the visible part is the full text's left part.
    four = render_text("Typewriter text", plain(), canvas_width=CANVAS, visible_chars=4)
    whole = render_text("Typewriter text", plain(), canvas_width=CANVAS)
    x1 = bbox(ink(four))[2]
    assert np.array_equal(four.rgba[:, : x1 - 2], whole.rgba[:, : x1 - 2])


def test_empty_and_blank_text_give_an_empty_raster():
    for text in ("", "   ", "\n"):
        raster = render_text(text, plain(box=TextBox()), canvas_width=CANVAS)
        assert raster.rgba.shape[2] == 4 and not raster.rgba[..., 3].any()


# --- scripts and fonts ----------------------------------------------------------------------------


def test_arabic_is_shaped_joined_and_right_to_left():
    installed("Amiri")
    style = plain(size=64)
    [(arabic_face, _)] = fonts.font_runs("ببب", style)
    assert ord("ب") in fonts.coverage(arabic_face)
    joined = render_text("ببب", style, canvas_width=CANVAS)
    alone = render_text("ب", style, canvas_width=CANVAS)
    # Joined (initial, medial, final forms) is far narrower than three isolated letters ...
    assert joined.width < 0.7 * 3 * alone.width
    # ... and narrower than Pillow's basic (unshaped) layout of the same string.
    basic = ImageFont.truetype(str(arabic_face.path), 64, index=arabic_face.index,
                               layout_engine=ImageFont.Layout.BASIC)
    assert joined.width < 0.7 * basic.getlength("ببب")
    # Right to left: the first letter typed appears at the right.
    word = "مرحبا"
    first = render_text(word, style, canvas_width=CANVAS, visible_chars=1)
    x0, _, x1, _ = bbox(ink(first))
    assert x0 > first.width / 2


def test_bidi_orders_runs_by_the_paragraph_direction():
    installed("Amiri")
    style = plain(size=56)
    # An Arabic paragraph with a Latin word: the Arabic word typed first sits at the right.
    rtl = "مرحبا Hello"
    arabic_only = render_text(rtl, style, canvas_width=CANVAS, visible_chars=5)
    assert bbox(ink(arabic_only))[0] > arabic_only.width / 2
    # A Latin paragraph with an Arabic word: Latin first, at the left.
    ltr = "Hi مرحبا"
    latin_only = render_text(ltr, style, canvas_width=CANVAS, visible_chars=2)
    assert bbox(ink(latin_only))[2] < latin_only.width / 2
    # Numbers inside Arabic read left to right and sit after (left of) the word before them.
    year = render_text("عام 2024", style, canvas_width=CANVAS, visible_chars=3)
    assert bbox(ink(year))[0] > year.width / 2


def test_devanagari_forms_conjuncts():
    installed("Lohit Devanagari")
    style = plain(size=64, bold=False)
    conjunct = render_text("क्ष", style, canvas_width=CANVAS)
    parts = render_text("क्", style, canvas_width=CANVAS).width + render_text("ष", style, canvas_width=CANVAS).width
    assert conjunct.width < 0.75 * parts


@pytest.mark.parametrize("text,family", [("नमस्ते दुनिया", "Lohit Devanagari"), ("你好世界", "WenQuanYi Micro Hei")])
def test_hindi_and_chinese_draw_real_glyphs_not_boxes(text, family):
    installed(family)
    style = plain(size=64)
    for face, run in fonts.font_runs(text, style):
        for char in run.replace(" ", ""):
            assert ord(char) in fonts.coverage(face), f"{char!r} drawn with {face}, which lacks it"
    # Each letter differs from the .notdef box that a character no font has is drawn with.
    tofu = render_text("\u0378", style, canvas_width=CANVAS)
    for char in set(text) - {" "}:
        glyph = render_text(char, style, canvas_width=CANVAS)
        assert ink(glyph).sum() > 50
        assert glyph.rgba.shape != tofu.rgba.shape or not np.array_equal(glyph.rgba, tofu.rgba)


def test_latin_and_cjk_in_one_string_use_two_fonts_and_every_char_has_ink():
    installed("WenQuanYi Micro Hei")
    text = "Hello 世界 OK"
    style = plain(size=56)
    runs = fonts.font_runs(text, style)
    assert "".join(run for _, run in runs) == text
    used = {face for face, _ in runs}
    assert len(used) == 2 and fonts.find_family("Inter", 700) in used
    full = render_text(text, style, canvas_width=CANVAS)
    previous = 0
    for n in range(1, len(text) + 1):
        count = int(render_text(text, style, canvas_width=CANVAS, visible_chars=n).rgba[..., 3].sum())
        assert count == previous if text[n - 1] == " " else count > previous, f"no ink for {text[n - 1]!r}"
        previous = count
    assert previous == int(full.rgba[..., 3].sum())


def test_cjk_wraps_between_characters_but_not_before_closing_punctuation():
    installed("WenQuanYi Micro Hei")
    text = "这是一个很长的中文句子，用来测试自动换行是否在字符之间正确断开。"
    style = plain(size=48, max_width=0.5)
    raster = render_text(text, style, canvas_width=CANVAS)
    assert raster.width <= 0.5 * CANVAS + 4 and raster.height > 3 * 48
    from capkit.render.text import _breaks

    lines = _breaks(text, style.font, style.bold, style.italic, style.size, 0.5 * CANVAS).lines
    assert len(lines) >= 3
    assert all(text[line.start] not in "，。" for line in lines)


def test_an_unknown_family_falls_back_to_the_default_font():
    missing = render_text("Fallback", plain(font="No Such Family 123"), canvas_width=CANVAS)
    default = render_text("Fallback", plain(font="Inter"), canvas_width=CANVAS)
    assert np.array_equal(missing.rgba, default.rgba)


def test_a_missing_font_file_is_a_clear_error(tmp_path):
    path = tmp_path / "fonts" / "Missing-Bold.ttf"
    with pytest.raises(RenderError, match="font file not found") as err:
        render_text("x", plain(font=str(path)), canvas_width=CANVAS)
    assert str(path) in str(err.value)


def test_a_font_file_path_is_used_as_given():
    path = resource_path("fonts", "Inter-Black.otf")
    by_path = render_text("Heavy", plain(font=str(path)), canvas_width=CANVAS)
    by_name = render_text("Heavy", plain(font="Inter Black"), canvas_width=CANVAS)
    bold = render_text("Heavy", plain(font="Inter"), canvas_width=CANVAS)
    assert np.array_equal(by_path.rgba, by_name.rgba)
    assert ink(by_path, 127).sum() > ink(bold, 127).sum()


def test_family_lookup_picks_weight_and_slant():
    assert fonts.find_family("Inter", 700, False).path.name == "Inter-Bold.otf"
    assert fonts.find_family("inter", 400, True).path.name == "Inter-Italic.otf"
    assert fonts.find_family("Inter", 700, True).path.name == "Inter-BoldItalic.otf"
    assert fonts.find_family("Inter Black").path.name == "Inter-Black.otf"
    assert fonts.find_family("Inter Bold Italic").path.name == "Inter-BoldItalic.otf"
    assert fonts.find_family("No Such Family") is None
    # Bundled fonts come first even where the same family is installed.
    assert fonts.find_family("Inter").path.parent == resource_path("fonts").resolve()


def test_font_folders_can_be_scanned_without_fontconfig():
    found = fonts.scan_font_dirs([resource_path("fonts")])
    names = {(info.face.path.name, info.weight, info.italic) for info in found}
    assert ("Inter-Regular.otf", 400, False) in names and ("Inter-BoldItalic.otf", 700, True) in names
    assert all("Inter" in info.families for info in found)


def test_without_fontconfig_installed_fonts_are_found_by_scanning(monkeypatch):
    installed("Amiri")
    installed("WenQuanYi Micro Hei")
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)  # as on Windows and macOS
    fonts.rescan()
    try:
        assert fonts.find_family("Amiri", 700).path.name == "Amiri-Bold.ttf"
        used = {face.path.name for face, _ in fonts.font_runs("Hi مرحبا 世界", plain())}
        assert used == {"Inter-Bold.otf", "Amiri-Bold.ttf", "wqy-microhei.ttc"}
    finally:
        monkeypatch.undo()
        fonts.rescan()


def test_cmap_reader_agrees_with_fonttools():
    ttlib = pytest.importorskip("fontTools.ttLib")
    faces = [info.face for info in fonts.bundled_faces()]
    faces += [f for f in (fonts.find_family(n) for n in ("Amiri", "Lohit Devanagari", "WenQuanYi Micro Hei")) if f]
    for face in faces:
        font = ttlib.TTFont(face.path, fontNumber=face.index, lazy=True)
        notdef = font.getGlyphOrder()[0]
        expected = {cp for cp, glyph in font.getBestCmap().items() if glyph != notdef}
        assert fonts.coverage(face).code_points() == expected, face


# --- caching --------------------------------------------------------------------------------------


def test_a_cache_hit_returns_the_identical_read_only_raster():
    style = plain(stroke=Stroke(), shadow=Shadow())
    first = render_text("Cached\ntitle", style, canvas_width=CANVAS)
    assert render_text("Cached\ntitle", style, canvas_width=CANVAS) is first
    assert render_text("Cached\ntitle", dataclasses.replace(style), canvas_width=CANVAS) is first
    assert not first.rgba.flags.writeable
    style.color = "#FF0000"  # styles are mutable: the key is their value, not their identity
    red = render_text("Cached\ntitle", style, canvas_width=CANVAS)
    assert red is not first
    assert ((red.rgba == (255, 0, 0, 255)).all(axis=2)).sum() > 500


def test_bad_arguments_are_render_errors():
    with pytest.raises(RenderError, match="canvas width"):
        render_text("x", plain(), canvas_width=0)
    with pytest.raises(RenderError, match="scale"):
        render_text("x", plain(), canvas_width=CANVAS, scale=0)
    with pytest.raises(RenderError, match="colour"):
        render_text("x", plain(color="reddish"), canvas_width=CANVAS)
