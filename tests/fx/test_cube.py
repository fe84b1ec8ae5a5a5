"""3D LUTs: the strict .cube reader (one test per rule, exact messages) and the baked lookup
checked against identity, a channel swap and a direct per-pixel interpolation."""

import numpy as np
import pytest
from fxcase import run, sample_frame

from capkit.errors import RenderError
from capkit.fx import cube, lut3d
from capkit.fx.cube import (
    CubeLut,
    LutError,
    identity_table,
    parse_cube,
    read_cube,
    write_cube,
)

VALID = "TITLE \"ok\"\n# a comment\nLUT_3D_SIZE 17\n" + "\n".join(
    f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in identity_table(17).transpose(2, 1, 0, 3).reshape(-1, 3)) + "\n"


def broken(old: str, new: str, count: int = 1) -> str:
    assert old in VALID
    return VALID.replace(old, new, count)


def test_the_valid_file_parses():
    lut = parse_cube(VALID, "ok.cube")
    assert lut.size == 17 and lut.title == "ok" and lut.table.shape == (17, 17, 17, 3)
    assert np.allclose(lut.table, identity_table(17), atol=1e-6)


@pytest.mark.parametrize("text,message", [
    (broken("LUT_3D_SIZE 17", "LUT_3D_SIZE 9"),
     "bad.cube: line 3: LUT_3D_SIZE must be a whole number from 17 to 65 (got 9)"),
    (broken("LUT_3D_SIZE 17", "LUT_3D_SIZE 70"),
     "bad.cube: line 3: LUT_3D_SIZE must be a whole number from 17 to 65 (got 70)"),
    (broken("LUT_3D_SIZE 17", "LUT_3D_SIZE 17.5"),
     "bad.cube: line 3: LUT_3D_SIZE must be a whole number from 17 to 65 (got 17.5)"),
    (broken("LUT_3D_SIZE 17\n", ""), "bad.cube: line 3: data before LUT_3D_SIZE"),
    (broken("LUT_3D_SIZE 17", "LUT_1D_SIZE 17"),
     "bad.cube: line 3: this is a 1D LUT; capkit reads 3D LUTs (LUT_3D_SIZE) only"),
    (broken("# a comment", "LUT_SIZE 3"), "bad.cube: line 2: unknown keyword 'LUT_SIZE'"),
    (VALID.rsplit("\n", 2)[0] + "\n", "bad.cube: LUT_3D_SIZE 17 needs 4913 entries, found 4912 (data starts on line 4)"),
    (VALID + "1 1 1\n", "bad.cube: more than the 4913 entries LUT_3D_SIZE 17 needs (the extra one is on line 4917)"),
    (broken("0.062500 0.000000 0.000000", "0.062500 0.000000"), "bad.cube: line 5: an entry needs 3 numbers, found 2"),
    (broken("0.062500 0.000000 0.000000", "0.062500 nan 0.000000"),
     "bad.cube: line 5: an entry must be finite numbers (got '0.062500 nan 0.000000')"),
    (broken("0.062500 0.000000 0.000000", "0.062500 inf 0.000000"),
     "bad.cube: line 5: an entry must be finite numbers (got '0.062500 inf 0.000000')"),
    (broken("0.062500 0.000000 0.000000", "0.062500 0.0 zero"),
     "bad.cube: line 5: an entry has something that is not a number: '0.062500 0.0 zero'"),
    (broken("0.062500 0.000000 0.000000", "1.5 0 0"),
     "bad.cube: line 5: value 1.5 is out of range; entries must be within 0..1"),
    (broken("0.062500 0.000000 0.000000", "-0.2 0 0"),
     "bad.cube: line 5: value -0.2 is out of range; entries must be within 0..1"),
    (VALID + "TITLE \"late\"\n", "bad.cube: line 4917: keyword TITLE after the data (keywords come first)"),
    ("TITLE \"x\"\n", "bad.cube: no LUT_3D_SIZE line (is this a .cube 3D LUT?)"),
    (broken("# a comment", "DOMAIN_MIN 0 0"), "bad.cube: line 2: DOMAIN_MIN needs 3 numbers, found 2"),
    (broken("# a comment", "DOMAIN_MAX 0 0 0"), "bad.cube: DOMAIN_MIN must be below DOMAIN_MAX in every channel"),
])
def test_each_broken_rule_has_its_own_message(text, message):
    with pytest.raises(LutError) as err:
        parse_cube(text, "bad.cube")
    assert str(err.value) == message


def test_tiny_rounding_outside_0_1_is_accepted_and_clipped():
    lut = parse_cube(broken("0.000000 0.000000 0.000000", "-0.00001 0 1.00005"), "ok.cube")
    assert lut.table[0, 0, 0].tolist() == [0.0, 0.0, 1.0]


def test_files_too_big_or_missing_or_binary_are_refused(tmp_path, monkeypatch):
    with pytest.raises(LutError, match=r"^.*nope\.cube: cannot read the LUT file \(No such file or directory\)$"):
        read_cube(tmp_path / "nope.cube")
    big = tmp_path / "big.cube"
    big.write_text(VALID)
    monkeypatch.setattr(cube, "MAX_BYTES", 1000)
    with pytest.raises(LutError) as err:
        read_cube(big)
    assert str(err.value) == f"{big}: the file is {len(VALID)} bytes; .cube files over 1000 bytes are refused"
    monkeypatch.undo()
    binary = tmp_path / "bin.cube"
    binary.write_bytes(b"\xff\xfe\x00LUT")
    with pytest.raises(LutError, match=r"bin\.cube: not a text file \(a \.cube LUT is plain text\)$"):
        read_cube(binary)


def test_a_broken_lut_in_a_render_is_a_render_error(tmp_path):
    path = tmp_path / "bad.cube"
    path.write_text(broken("LUT_3D_SIZE 17", "LUT_3D_SIZE 9"))
    with pytest.raises(RenderError, match=r"bad\.cube: line 3: LUT_3D_SIZE must be"):
        run("lut3d", sample_frame(), {"path": str(path)})


# --- the lookup --------------------------------------------------------------------------------

def every_level_pair():
    """A frame holding many (r, g, b) combinations, including 0 and 255 on every channel."""
    levels = np.array([0, 1, 7, 63, 64, 127, 128, 129, 200, 254, 255])
    r, g, b = np.meshgrid(levels, levels, levels, indexing="ij")
    return np.stack([r, g, b], axis=-1).reshape(-1, 1, 3).astype(np.uint8)


@pytest.mark.parametrize("size,interpolation", [(17, "tetrahedral"), (33, "trilinear"), (65, "tetrahedral")])
def test_an_identity_lut_returns_the_input_within_one(tmp_path, size, interpolation):
    path = tmp_path / "id.cube"
    write_cube(path, identity_table(size))
    for image in (every_level_pair(), sample_frame()):
        result = run("lut3d", image, {"path": str(path), "interpolation": interpolation})[0]
        assert np.abs(result.astype(int) - image).max() <= 1


def test_a_lut_that_swaps_red_and_blue_does_so(tmp_path):
    path = tmp_path / "swap.cube"
    write_cube(path, identity_table(33)[..., ::-1])
    image = sample_frame()
    result = run("lut3d", image, {"path": str(path)})[0]
    assert np.abs(result.astype(int) - image[..., ::-1]).max() <= 1


def reference(table: np.ndarray, rgb: np.ndarray, interpolation: str) -> np.ndarray:
    """Textbook interpolation of one colour (0..1 floats), written for clarity not speed."""
    n = table.shape[0]
    x = rgb * (n - 1)
    i = np.minimum(np.floor(x).astype(int), n - 2)
    f = x - i

    def c(dr, dg, db):
        return table[i[0] + dr, i[1] + dg, i[2] + db]

    if interpolation == "trilinear":
        out = 0.0
        for dr in (0, 1):
            for dg in (0, 1):
                for db in (0, 1):
                    w = (f[0] if dr else 1 - f[0]) * (f[1] if dg else 1 - f[1]) * (f[2] if db else 1 - f[2])
                    out = out + w * c(dr, dg, db)
        return out
    # Tetrahedral: walk from the cell's origin along the axes in decreasing order of fraction.
    order = np.argsort(-f, kind="stable")
    out = (1 - f[order[0]]) * c(0, 0, 0)
    corner = [0, 0, 0]
    for step, axis in enumerate(order):
        corner[axis] = 1
        nxt = f[order[step + 1]] if step < 2 else 0.0
        out = out + (f[axis] - nxt) * c(*corner)
    return out


@pytest.mark.parametrize("interpolation", lut3d.INTERPOLATIONS)
def test_baked_lookup_matches_direct_interpolation(interpolation):
    rng = np.random.default_rng(4)
    table = rng.random((17, 17, 17, 3)).astype(np.float32)  # a wild LUT: interpolation shows
    baked = lut3d.bake(CubeLut(17, table), interpolation)
    pixels = rng.integers(0, 256, (400, 1, 3), dtype=np.uint8)
    got = baked.apply(pixels)[:, 0].astype(int)
    want = np.array([reference(table, p[0] / 255.0, interpolation) for p in pixels.astype(float)])
    assert np.abs(got - np.clip(np.rint(want * 255), 0, 255)).max() <= 1


def test_tetrahedral_and_trilinear_differ_on_a_wild_lut():
    table = np.random.default_rng(5).random((17, 17, 17, 3)).astype(np.float32)
    pixels = np.random.default_rng(6).integers(0, 256, (400, 1, 3), dtype=np.uint8)
    a, b = (lut3d.bake(CubeLut(17, table), i).apply(pixels) for i in lut3d.INTERPOLATIONS)
    assert np.abs(a.astype(int) - b).max() > 5


def test_domain_rescales_the_input():
    lut = CubeLut(17, identity_table(17), (0.0, 0.0, 0.0), (0.5, 0.5, 0.5))
    out = lut3d.bake(lut, "trilinear").apply(np.array([[[64, 128, 255]]], np.uint8))
    assert np.abs(out[0, 0].astype(int) - [128, 255, 255]).max() <= 1


def test_baked_luts_are_kept_while_the_file_is_unchanged(tmp_path):
    path = tmp_path / "id.cube"
    write_cube(path, identity_table(17))
    first = lut3d.load(str(path))
    assert lut3d.load(str(path)) is first
    assert lut3d.load(str(path), "trilinear") is not first
    write_cube(path, identity_table(17)[..., ::-1])
    import os

    os.utime(path, ns=(1, 1))
    assert lut3d.load(str(path)) is not first


def test_intensity_mixes_the_look_in(tmp_path):
    path = tmp_path / "swap.cube"
    write_cube(path, identity_table(17)[..., ::-1])
    image = np.array([[[200, 100, 0]]], np.uint8)
    half = run("lut3d", image, {"path": str(path)}, intensity=0.5)[0]
    assert np.abs(half[0, 0].astype(int) - [100, 100, 100]).max() <= 1
