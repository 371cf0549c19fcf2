"""Everything the grader knows about each notebook's graded items, one module per notebook, each
defining five dicts, merged here:

    ITEMS     graded function -> how the judge checks it (grader.course.item.Item)
    MISTAKES  graded function -> [(misconception id, the function a learner who made it would write)]
    EDITS     graded function -> [(misconception id, [(old, new), ...])], edits of the solution code
    PARTIAL   graded function -> [(kind, what it gets wrong, when, how)], wrong on one branch only
    VISIBLE   name -> a function giving what a visible test compares with (grader.learner.expected)

EDITS and PARTIAL are the mutants grader.authoring.mutants makes of the solutions."""
from . import nb01_chain_rule, nb02_worked_example, nb03_multi_output, nb04_l_layers, nb05_vanishing

MODULES = (nb01_chain_rule, nb02_worked_example, nb03_multi_output, nb04_l_layers, nb05_vanishing)

ITEMS = {name: item for module in MODULES for name, item in module.ITEMS.items()}
MISTAKES = {name: found for module in MODULES for name, found in module.MISTAKES.items()}
EDITS = {name: edits for module in MODULES for name, edits in module.EDITS.items()}
PARTIAL = {name: kinds for module in MODULES for name, kinds in module.PARTIAL.items()}
VISIBLE = {name: compute for module in MODULES for name, compute in module.VISIBLE.items()}
