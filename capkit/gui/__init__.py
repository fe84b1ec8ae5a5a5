"""The desktop editor: the only package that imports PySide6.

The GUI is thin. Every change to a project is a :mod:`capkit.model.edits` edit applied through the
document's :class:`~capkit.model.history.History` (one gesture, one undo step); pictures come from
the render engine; long work runs off the GUI thread and reports back by signals.

- :mod:`~capkit.gui.app` the QApplication and ``main()``; :mod:`~capkit.gui.theme` the dark look;
  :mod:`~capkit.gui.icons` toolbar icons; :mod:`~capkit.gui.gc_policy` cycle collection on the GUI thread only
- :mod:`~capkit.gui.document` the open project, its undo stack, selection and playhead
- :mod:`~capkit.gui.main_window` menus, toolbar, docks and shortcuts
- :mod:`~capkit.gui.timeline` the multi-track timeline (thumbnails and waveforms from
  :mod:`~capkit.gui.timeline.media_cache`)
- :mod:`~capkit.gui.preview` the engine's frames on a worker thread; :mod:`~capkit.gui.playback` play,
  pause and J/K/L
- :mod:`~capkit.gui.media_bin` imported and project media with thumbnails, missing ones marked;
  :mod:`~capkit.gui.media_import` media to an undoable edit
- :mod:`~capkit.gui.inspector` the selected item's properties, editable (fields in
  :mod:`~capkit.gui.widgets`); :mod:`~capkit.gui.panels` text presets, filters, sounds, captions (rows drag onto the timeline:
  :mod:`~capkit.gui.panels.drag`)
- :mod:`~capkit.gui.export_dialog` presets, checks, progress and cancel; :mod:`~capkit.gui.autosave` and
  :mod:`~capkit.gui.recovery_dialog` nothing lost; :mod:`~capkit.gui.overlays` safe zones and handles;
  :mod:`~capkit.gui.audio_preview` sound while playing; :mod:`~capkit.gui.proxies` light copies for
  fast seeking; :mod:`~capkit.gui.background` jobs off the GUI thread
- :mod:`~capkit.gui.start_screen` recent projects (:mod:`~capkit.gui.recent`) and new-project presets
"""
