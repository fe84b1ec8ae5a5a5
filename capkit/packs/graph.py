"""A pack filter as a :class:`~capkit.fx.registry.FilterSpec`: its graph run as a chain of built-in ops.

The spec's parameters are the filter's exposed parameters. Its ``prepare(values, size, k)`` turns
the values a project gives into one :class:`~capkit.model.items.FilterRef` per graph step
(literals as written, links as ``scale * value + offset``, pack files as absolute paths, the step's
intensity) and hands them to a :class:`~capkit.fx.chain.FilterChain` on the same kernels: the
built-in ops prepare themselves, steps that change nothing are skipped, and each step is mixed by
its intensity exactly as a stack of filters on a clip would be. Nothing from the pack runs: the
graph only picks built-in ops and the values they get.
"""

from __future__ import annotations

from capkit.fx.registry import FilterSpec
from capkit.packs.check import Pack
from capkit.packs.manifest import PackFilter, ParamLink


def pack_filter_spec(pack: Pack, filt: PackFilter) -> FilterSpec:
    from capkit.fx.registry import get

    ops = [get(step.op) for step in filt.graph]
    whole = {(j, p.name) for j, spec in enumerate(ops) for p in spec.params if p.kind == "int"}
    files = {(j, name): str(pack.root.joinpath(*value.split("/")))
             for j, (step, spec) in enumerate(zip(filt.graph, ops)) for name, value in step.params.items()
             if spec.param(name).kind == "path"}

    def value_of(raw, values: dict, j: int, name: str):
        if (j, name) in files:
            return files[j, name]
        if not isinstance(raw, ParamLink):
            return raw
        mapped = raw.apply(values[raw.param])
        return round(mapped) if (j, name) in whole else mapped

    def prepare(values: dict, size: tuple[int, int], k):
        from capkit.fx.chain import FilterChain
        from capkit.model.items import FilterRef

        refs = [FilterRef(step.op, {name: value_of(raw, values, j, name) for name, raw in step.params.items()},
                          float(value_of(step.intensity, values, j, "intensity")))
                for j, step in enumerate(filt.graph)]
        chain = FilterChain(refs, size, k)
        return None if chain.is_identity else chain.run

    return FilterSpec(id=f"{pack.id}/{filt.id}", name=filt.name, params=tuple(p.to_param() for p in filt.params),
                      prepare=prepare, doc=filt.description, category="look")
