"""Frontal face detection with the Haar cascade that opencv-python ships.

OpenCV 4 includes ``cv2.CascadeClassifier`` and ``haarcascade_frontalface_default.xml`` (in
``cv2.data.haarcascades``); OpenCV 5 dropped both from its wheels, which is why capkit pins
``opencv-python-headless<5``.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from capkit.errors import CapkitError

CASCADE_FILE = "haarcascade_frontalface_default.xml"

Box = tuple[int, int, int, int]  # x, y, w, h in pixels


def _classifier():
    make = getattr(cv2, "CascadeClassifier", None)
    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    path = Path(folder or "") / CASCADE_FILE
    if make is None or not folder or not path.is_file():
        raise CapkitError(f"OpenCV {cv2.__version__} has no face detector (CascadeClassifier and {CASCADE_FILE}); "
                          "install opencv-python-headless 4.x: pip install 'opencv-python-headless<5'")
    classifier = make(str(path))
    if classifier.empty():
        raise CapkitError(f"OpenCV could not read its face cascade {path}; reinstall opencv-python-headless")
    return classifier


class FaceDetector:
    """Frontal faces in grey images, by OpenCV's ``detectMultiScale``."""

    backend = "opencv"

    def __init__(self, *, scale_factor: float = 1.1, min_neighbors: int = 3, min_size: int = 24) -> None:
        self.scale_factor = scale_factor
        self.min_neighbors = min_neighbors
        self.min_size = max(min_size, 24)
        self._native = _classifier()

    def detect(self, grey: np.ndarray, *, min_size: int | None = None, max_size: int | None = None) -> list[Box]:
        """Faces in a grey picture as (x, y, w, h), of sizes between ``min_size`` and ``max_size``."""
        low = max(24, min_size or self.min_size)
        if grey.shape[0] < low or grey.shape[1] < low:
            return []
        high = (max_size, max_size) if max_size else (0, 0)
        found = self._native.detectMultiScale(grey, self.scale_factor, self.min_neighbors,
                                              minSize=(low, low), maxSize=high)
        return [tuple(int(v) for v in box) for box in found]


__all__ = ["Box", "FaceDetector"]
