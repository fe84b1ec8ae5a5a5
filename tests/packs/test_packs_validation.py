"""Mutator tests: the example pack broken one way at a time gives exactly the message an author reads.

Each rule of a pack's manifest and files has a case here. The example pack (``example_manifest``)
has two filters: ``warm-fade`` exposing ``amount`` (0..1) and linking it into ``grade`` and
``vignette``, and ``mono`` (a plain ``grade``).
"""

import json

import pytest

from capkit import __version__
from capkit.fx.cube import identity_table, write_cube
from capkit.packs import validate
from capkit.packs.testing import example_manifest


def cube_text(tmp_path, size=17) -> str:
    path = tmp_path / "identity.cube"
    write_cube(path, identity_table(size))
    return path.read_text()


def messages(make_pack, manifest, files=None):
    return validate(make_pack(manifest, files)).messages


def test_the_example_pack_is_valid(make_pack, capkit_pack_validator):
    report = capkit_pack_validator(make_pack())
    assert report.ok and report.manifest.id == "com.example.looks"
    assert str(report).endswith("com.example.looks 1.0.0 is a valid pack (2 filters)")


def _set(path, value):
    """A mutation: set the manifest value at ``path`` (keys and indexes) to ``value``."""
    def mutate(m):
        *parent, last = path
        for key in parent:
            m = m[key]
        m[last] = value
    return mutate


def _drop(path):
    def mutate(m):
        *parent, last = path
        for key in parent:
            m = m[key]
        del m[last]
    return mutate


W = ("filters", 0)  # warm-fade
G = ("filters", 0, "graph", 0, "params")  # its grade step's params
V = ("filters", 0, "graph", 1)  # its vignette step
M = ("filters", 1, "graph", 0)  # mono's grade step
P = ("filters", 0, "params", 0)  # the exposed 'amount'

SHAPE = [
    (_set(("id",), "My Looks"),
     "id: must be a lower-case reverse-DNS id such as 'com.example.looks' (got 'My Looks')"),
    (_set(("version",), "1.0"), "version: must be a semantic version such as '1.2.0' (got '1.0')"),
    (_set(("license",), "my own"),
     "license: must be an SPDX licence identifier such as 'MIT' or 'CC-BY-4.0' (got 'my own')"),
    (_set(("capkit",), ">>1"), "capkit: must be a version range such as '>=0.1,<1' (got '>>1')"),
    (_drop(("author",)), "author: required field is missing"),
    (_set(("colour",), "red"),
     "capkit-pack.json: unknown field 'colour' (allowed: format_version, id, name, version, author, license, "
     "capkit, description, filters)"),
    (_set(("format_version",), 2), "format_version: pack format 2 is newer than this capkit reads (1); update capkit"),
    (_set(("filters",), []), "filters: must not be empty"),
    (_set((*M, "op"), 7), "filters[1].graph[0].op: must be text (got 7)"),
    (_set((*V, "strenght"), 1), "filters[0].graph[1]: unknown field 'strenght' (allowed: op, params, intensity)"),
    (_set((*P, "type"), "slider"),
     "filters[0].params[0].type: must be 'float', 'int', 'bool', 'choice', 'color' or 'points' (got 'slider')"),
    (_set((*P, "default"), None), "filters[0].params[0].default: must be a number, true/false, text or a list (got null)"),
    (_set((*V, "params", "strength"), {"param": "amount", "scal": 2}),
     "filters[0].graph[1].params.strength: unknown field 'scal' (allowed: param, scale, offset)"),
    (_set((*V, "params", "strength"), {"param": 3}), "filters[0].graph[1].params.strength.param: must be text (got 3)"),
    (_set(("filters", 1, "id"), "Mono!"),
     "filters[1].id: must be lower-case letters, digits, '-' and '_', such as 'teal-orange' (got 'Mono!')"),
    (_set(("filters", 1, "graph"), []), "filters[1].graph: must not be empty"),
]

MEANING = [
    (_set((*M, "op"), "sparkle"), "filters[1].graph[0].op: unknown operation 'sparkle' (capkit filters list shows the built-in ones)"),
    (_set((*M, "op"), "vignete"), "filters[1].graph[0].op: unknown operation 'vignete'; did you mean 'vignette'?"),
    (_set((*M, "params", "saturaton"), 0), "filters[1].graph[0].params.saturaton: 'grade' has no parameter 'saturaton'; did you mean 'saturation'?"),
    (_set((*M, "params", "contrast"), 5), "filters[1].graph[0].params.contrast: contrast must be at most 3 (got 5)"),
    (_set((*M, "params", "contrast"), "lots"), "filters[1].graph[0].params.contrast: contrast must be a number (got 'lots')"),
    (_set((*V, "intensity"), 1.5), "filters[0].graph[1].intensity: intensity must be at most 1 (got 1.5)"),
    (_set((*G, "saturation"), {"param": "amout"}),
     "filters[0].graph[0].params.saturation: refers to 'amout', which filters[0].params does not declare; did you mean 'amount'?"),
    (_set((*V, "params", "strength"), {"param": "amount", "scale": 2}),
     "filters[0].graph[1].params.strength: with amount at its max (1) this gives 2: strength must be at most 1 (got 2)"),
    (_set((*V, "intensity"), {"param": "amount", "offset": -0.5}),
     "filters[0].graph[1].intensity: with amount at its min (0) this gives -0.5: intensity must be at least 0 (got -0.5)"),
    (_set((*P, "default"), 2), "filters[0].params[0].default: amount must be at most 1 (got 2)"),
    (_set((*P, "min"), 1), "filters[0].params[0]: min (1) must be below max (1)"),
    (_drop((*P, "max")), "filters[0].params[0]: a float parameter needs min and max"),
    (_set((*P, "widget"), "checkbox"), "filters[0].params[0].widget: a float parameter uses the slider widget, not checkbox"),
    (_set(("filters", 1, "id"), "warm-fade"), "filters[1].id: duplicate filter id 'warm-fade' (also filters[0].id)"),
    (_set(("capkit",), ">=9"), f"capkit: the pack needs capkit >=9, and this is capkit {__version__}"),
    (_set((*W, "thumbnail"), "../thumb.png"),
     "filters[0].thumbnail: '../thumb.png' must be a path inside the pack, relative to capkit-pack.json"),
    (_set((*W, "thumbnail"), "/etc/thumb.png"),
     "filters[0].thumbnail: '/etc/thumb.png' must be a path inside the pack, relative to capkit-pack.json"),
    (_set((*W, "thumbnail"), "thumbs/warm.jpg"), "filters[0].thumbnail: 'thumbs/warm.jpg' must be a .png file"),
    (_set((*W, "thumbnail"), "thumbs/missing.png"), "filters[0].thumbnail: thumbs/missing.png is not in the pack"),
    (_set((*W, "thumbnail"), "thumbs"), "filters[0].thumbnail: 'thumbs' must be a .png file"),
]


@pytest.mark.parametrize("mutate, message", SHAPE + MEANING, ids=[m for _, m in SHAPE + MEANING])
def test_one_broken_rule_gives_one_exact_message(make_pack, mutate, message):
    manifest = example_manifest()
    mutate(manifest)
    assert messages(make_pack, manifest) == [message]


def test_a_parameter_declared_twice(make_pack):
    m = example_manifest()
    m["filters"][0]["params"].append(dict(m["filters"][0]["params"][0]))
    assert messages(make_pack, m) == ["filters[0].params[1].name: duplicate parameter name 'amount'"]


@pytest.mark.parametrize("declared, link, message", [
    ({"name": "on", "type": "bool", "default": True}, {"param": "on"},
     "filters[0].graph[0].params.contrast: 'on' is a bool parameter; contrast needs a number"),
    ({"name": "look", "type": "choice", "default": "a", "choices": ["a", "b"]}, {"param": "look"},
     "filters[0].graph[0].params.contrast: 'look' is a choice parameter; contrast needs a number"),
    ({"name": "steps", "type": "int", "default": 1, "min": 0, "max": 2.5}, {"param": "steps"},
     "filters[0].params[1].max: an int parameter takes whole numbers (got 2.5)"),
])
def test_links_must_fit_the_kind_of_value(make_pack, declared, link, message):
    m = example_manifest()
    m["filters"][0]["params"].append(declared)
    m["filters"][0]["graph"][0]["params"]["contrast"] = link
    assert messages(make_pack, m) == [message]


def test_links_to_choices_bools_colours_and_whole_numbers(make_pack):
    m = example_manifest()
    m["filters"][0]["params"] += [
        {"name": "kind", "type": "choice", "default": "box", "choices": ["gaussian", "box"]},
        {"name": "tint", "type": "color", "default": "#102030"},
        {"name": "seed", "type": "int", "default": 3, "min": 0, "max": 10},
        {"name": "fine", "type": "float", "default": 1, "min": 0, "max": 10},
    ]
    m["filters"][0]["graph"] += [
        {"op": "blur", "params": {"kind": {"param": "kind"}, "radius": 1}},
        {"op": "duotone", "params": {"shadows": {"param": "tint"}}},
        {"op": "grain", "params": {"seed": {"param": "seed", "scale": 2, "offset": 1}}},
    ]
    assert messages(make_pack, m) == []
    m["filters"][0]["params"][1]["choices"].append("motion")
    m["filters"][0]["graph"][4]["params"]["seed"] = {"param": "fine"}
    m["filters"][0]["graph"][3]["params"]["shadows"] = {"param": "tint", "scale": 2}
    assert messages(make_pack, m) == [
        "filters[0].graph[2].params.kind: 'kind' offers 'motion': kind must be one of gaussian, box (got 'motion')",
        "filters[0].graph[3].params.shadows: scale and offset apply to numbers only",
        "filters[0].graph[4].params.seed: seed takes whole numbers: link an int parameter with a whole scale and offset",
    ]


def test_every_problem_is_listed_at_once(make_pack):
    m = example_manifest()
    m["filters"][1]["graph"][0]["op"] = "sparkle"
    m["filters"][0]["graph"][1]["intensity"] = 2
    assert messages(make_pack, m) == [
        "filters[0].graph[1].intensity: intensity must be at most 1 (got 2)",
        "filters[1].graph[0].op: unknown operation 'sparkle' (capkit filters list shows the built-in ones)",
    ]


@pytest.mark.parametrize("text, message", [
    ('{"format_version": 1, "id": "a.b", "version": "1.0.0", "id": "c.d"}',
     "capkit-pack.json: the key 'id' appears twice in one object"),
    ("{", "capkit-pack.json: is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
    ("[1, 2]", "capkit-pack.json: must be an object (got a list)"),
])
def test_manifest_text_that_is_not_a_manifest(make_pack, text, message):
    assert messages(make_pack, {}, {"capkit-pack.json": text}) == [message]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_nan_and_infinity_are_refused_wherever_they_are(make_pack, literal):
    text = json.dumps(example_manifest(), indent=1).replace('"contrast": 1.2', f'"contrast": {literal}')
    assert messages(make_pack, {}, {"capkit-pack.json": text}) == [
        "filters[1].graph[0].params.contrast: NaN and infinity are not allowed; use a finite number"]


def test_manifest_not_utf8_missing_or_huge(make_pack):
    assert messages(make_pack, {}, {"capkit-pack.json": b"\xff\xfe{}"}) == ["capkit-pack.json: is not UTF-8 text"]
    assert messages(make_pack, {}, {"capkit-pack.json": None}) == ["no capkit-pack.json at the top of the pack"]
    huge = json.dumps(example_manifest()) + " " * 1_000_000
    assert messages(make_pack, {}, {"capkit-pack.json": huge}) == [
        "capkit-pack.json: is 1.0 MB; a manifest may be at most 1 MB"]


def test_thumbnail_must_be_a_png(make_pack):
    assert messages(make_pack, None, {"thumbs/warm-fade.png": b"GIF89a...."}) == [
        "filters[0].thumbnail: thumbs/warm-fade.png is not a PNG image"]
    assert messages(make_pack, None, {"thumbs/warm-fade.png": None}) == [
        "filters[0].thumbnail: thumbs/warm-fade.png is not in the pack"]


def lut_pack(step_params: dict) -> dict:
    m = example_manifest()
    m["filters"].append({"id": "film", "name": "Film", "graph": [{"op": "lut3d", "params": step_params}]})
    return m


def test_a_lut_step_is_valid(make_pack, tmp_path, capkit_pack_validator):
    path = make_pack(lut_pack({"path": "luts/film.cube", "interpolation": "trilinear"}),
                     {"luts/film.cube": cube_text(tmp_path)})
    assert capkit_pack_validator(path).ok


@pytest.mark.parametrize("params, content, message", [
    ({"path": "luts/film.cube"}, None, "filters[2].graph[0].params.path: luts/film.cube is not in the pack"),
    ({}, None, "filters[2].graph[0].params: 'lut3d' needs 'path': a file in the pack (.cube)"),
    ({"path": {"param": "amount"}}, None, "filters[2].graph[0].params.path: must be the path of a file in the pack (.cube)"),
    ({"path": "luts/film.3dl"}, None, "filters[2].graph[0].params.path: 'luts/film.3dl' must be a .cube file"),
    ({"path": "../film.cube"}, None,
     "filters[2].graph[0].params.path: '../film.cube' must be a path inside the pack, relative to capkit-pack.json"),
    ({"path": "luts/film.cube"}, "LUT_3D_SIZE 17\n0 0\n",
     "filters[2].graph[0].params.path: luts/film.cube: line 2: an entry needs 3 numbers, found 2"),
    ({"path": "luts/film.cube"}, "LUT_3D_SIZE 129\n",
     "filters[2].graph[0].params.path: luts/film.cube: line 1: LUT_3D_SIZE must be a whole number from 17 to 65 (got 129)"),
    ({"path": "luts/film.cube"}, "LUT_3D_SIZE 17\nnan 0 0\n",
     "filters[2].graph[0].params.path: luts/film.cube: line 2: an entry must be finite numbers (got 'nan 0 0')"),
    ({"path": "luts/film.cube"}, "LUT_1D_SIZE 1024\n",
     "filters[2].graph[0].params.path: luts/film.cube: line 1: this is a 1D LUT; capkit reads 3D LUTs (LUT_3D_SIZE) only"),
    ({"path": "luts/film.cube", "interpolation": "cubic"}, "ok",
     "filters[2].graph[0].params.interpolation: interpolation must be one of tetrahedral, trilinear (got 'cubic')"),
])
def test_lut_steps(make_pack, tmp_path, params, content, message):
    files = {"luts/film.cube": cube_text(tmp_path) if content == "ok" else content}
    assert messages(make_pack, lut_pack(params), files) == [message]


def test_a_huge_lut_file_is_refused_unread(make_pack):
    from capkit.fx.cube import MAX_BYTES

    files = {"luts/film.cube": b"#" * (MAX_BYTES + 1)}
    assert messages(make_pack, lut_pack({"path": "luts/film.cube"}), files) == [
        f"filters[2].graph[0].params.path: luts/film.cube: the file is {MAX_BYTES + 1} bytes; "
        f".cube files over {MAX_BYTES} bytes are refused"]


def test_curves_take_points_literally_and_as_an_exposed_parameter(make_pack, capkit_pack_validator):
    m = example_manifest()
    m["filters"][1]["params"] = [{"name": "curve", "type": "points", "default": [[0, 0.1], [1, 0.9]]}]
    m["filters"][1]["graph"].append({"op": "curves", "params": {"master": [[0, 0], [0.5, 0.6], [1, 1]],
                                                                 "red": {"param": "curve"}}})
    assert capkit_pack_validator(make_pack(m)).ok
    m["filters"][1]["graph"][1]["params"]["master"] = [[0.5, 0], [0.2, 1]]
    assert messages(make_pack, m) == [
        "filters[1].graph[1].params.master: master: x must increase from point to point (got 0.2 after 0.5)"]


def test_the_documented_example_is_valid(make_pack, tmp_path, capkit_pack_validator):
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[2] / "docs" / "filter-packs.md").read_text()
    manifest = json.loads(re.search(r"```json\n(.*?)```", page, re.DOTALL).group(1))
    pack = make_pack(manifest, {"luts/film.cube": cube_text(tmp_path)})
    assert capkit_pack_validator(pack).ok
