"""When each item on a track is actually seen and heard, transitions included.

A transition on clip B (``B.transition_in``) joins it to clip A when A ends exactly where B
starts. It is centred on the cut: A plays on for ``d/2`` past its end and B starts ``d/2`` early,
so nothing else on the timeline moves. ``d`` is clamped so that a transition never needs more than
the whole of either clip. The picture and the sound use these same spans, which keeps them in sync.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from capkit.model.items import Item, Transition
from capkit.model.project import Track


@dataclass(frozen=True)
class Span:
    item: Item
    start: Fraction  # first moment the item is seen/heard (before item.start when a transition brings it in)
    end: Fraction
    trans_in: Transition | None = None  # active over [start, start + in_duration)
    in_duration: Fraction = Fraction(0)
    trans_out: Transition | None = None  # the next clip's transition, active over [end - out_duration, end)
    out_duration: Fraction = Fraction(0)

    def transition_progress(self, t: Fraction) -> tuple[Transition | None, float, bool]:
        """At time ``t``: the transition in force, its progress 0..1 and whether this item is the incoming one."""
        if self.trans_in is not None and t < self.start + self.in_duration:
            return self.trans_in, float((t - self.start) / self.in_duration), True
        if self.trans_out is not None and t >= self.end - self.out_duration:
            return self.trans_out, float((t - (self.end - self.out_duration)) / self.out_duration), False
        return None, 1.0, True


def track_spans(track: Track) -> list[Span]:
    """The spans of a track's items in timeline order."""
    items = sorted(track.items, key=lambda i: i.start)
    joins: dict[int, tuple[Transition, Fraction]] = {}
    for k in range(1, len(items)):
        a, b = items[k - 1], items[k]
        trans = getattr(b, "transition_in", None)
        if trans is not None and a.end == b.start:
            d = min(trans.duration, a.duration, b.duration)
            joins[k] = (trans, d)
    spans = []
    for k, item in enumerate(items):
        start, end = item.start, item.end
        tin, din, tout, dout = None, Fraction(0), None, Fraction(0)
        if k in joins:
            tin, din = joins[k]
            start -= din / 2
        if k + 1 in joins:
            tout, dout = joins[k + 1]
            end += dout / 2
        spans.append(Span(item, start, end, tin, din, tout, dout))
    return spans
