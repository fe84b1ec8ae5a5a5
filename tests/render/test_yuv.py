"""The RGB -> YUV 4:2:0 conversion used for encoding follows BT.709 and round-trips through a file."""

import av
import numpy as np
import pytest

from capkit import api
from capkit.render.yuv import I420Converter, rgb_to_i420


@pytest.mark.parametrize("rgb, yuv", [
    ((0, 0, 0), (16, 128, 128)),
    ((255, 255, 255), (235, 128, 128)),
    ((255, 0, 0), (63, 102, 240)),  # BT.709 limited range
    ((0, 0, 255), (32, 240, 118)),
])
def test_bt709_values(rgb, yuv):
    frame = np.empty((4, 6, 3), np.uint8)
    frame[:] = rgb
    out = rgb_to_i420(frame)
    assert out.shape == (6, 6)
    assert abs(int(out[0, 0]) - yuv[0]) <= 1
    u, v = out[4:5].reshape(-1)[:6], out[5:6].reshape(-1)[:6]
    assert abs(int(u[0]) - yuv[1]) <= 1 and abs(int(v[0]) - yuv[2]) <= 1


def test_converter_reuses_buffers_and_matches_one_shot():
    rng = np.random.default_rng(1)
    conv = I420Converter(64, 32)
    a, b = (rng.integers(0, 256, (32, 64, 3), dtype=np.uint8) for _ in range(2))
    first = conv(a).copy()
    assert conv(b) is conv(a)  # same buffer each call
    assert np.array_equal(conv(a), first) and np.array_equal(first, rgb_to_i420(a))


def test_colours_survive_export_and_decode(tmp_path):
    p = api.new_project(64, 64, 30)
    api.add_color(p, "#C83C28", duration=1)
    out = api.export(p, tmp_path / "c.mp4", crf=12)
    with av.open(str(out.path)) as c:
        frame = next(c.decode(video=0))
        assert frame.colorspace == 1 and frame.color_range == 1  # tagged BT.709, limited range
        rgb = frame.to_ndarray(format="rgb24", src_colorspace="ITU709", dst_colorspace="ITU709")
    assert np.abs(rgb[32, 32].astype(int) - (200, 60, 40)).max() <= 4
