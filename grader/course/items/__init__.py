"""Everything the grader knows about each graded function (grader.course.item.Item), one module
per notebook, each defining a list ITEMS, merged here by function name."""

from . import nb01_chain_rule, nb02_worked_example, nb03_multi_output, nb04_l_layers, nb05_vanishing

MODULES = (nb01_chain_rule, nb02_worked_example, nb03_multi_output, nb04_l_layers, nb05_vanishing)


def _by_id(items):
    merged = {}
    for item in items:
        if item.id in merged:
            raise ValueError(f"graded item {item.id!r} is defined twice")
        merged[item.id] = item
    return merged


ITEMS = _by_id(item for module in MODULES for item in module.ITEMS)
