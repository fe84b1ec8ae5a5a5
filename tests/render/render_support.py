"""Pixel helpers shared by the render tests (import: ``from render_support import ...``)."""


def pixel(frame, x, y):
    return tuple(int(c) for c in frame[y, x])


def close(a, b, tol=12):
    return all(abs(int(p) - int(q)) <= tol for p, q in zip(a, b))
