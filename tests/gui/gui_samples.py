"""The small project the GUI tests open (import: ``from gui_samples import sample_project``)."""

import capkit

def sample_project():
    """A red and a blue colour clip on the main track (0-2 s, 3-5 s) and text above (0-2 s)."""
    project = capkit.new_project(1080, 1920, fps=30)
    capkit.add_color(project, "#E02020", start=0, duration=2)
    capkit.add_color(project, "#2040E0", start=3, duration=2)
    capkit.add_text(project, "Hello", start=0, duration=2)
    return project
