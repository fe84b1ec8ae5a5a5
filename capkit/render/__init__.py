"""The render engine: project snapshot -> plan -> frames, mixed sound and encoded files.

- :mod:`~capkit.render.plan` immutable plans; :mod:`~capkit.render.frames` the frame renderer
- :mod:`~capkit.render.compositor` pixel placement and blending; :mod:`~capkit.render.animate` looks over time
- :mod:`~capkit.render.text` / :mod:`~capkit.render.fonts` text rasterising and font fallback
- :mod:`~capkit.render.audio_mix` the audio mix; :mod:`~capkit.render.export` / :mod:`~capkit.render.encode` files
"""
