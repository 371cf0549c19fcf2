"""Everything the grader knows about each notebook's graded items, one module per notebook,
merged here: ITEMS (how the judge checks each function), MISTAKES (the catalogued mistakes it
looks for), EDITS and PARTIAL (the mutants grader.authoring.mutants makes of the solution), and
VISIBLE (name -> a function computing what a visible test compares with, grader.learner.expected)."""
from . import nb01_chain_rule, nb02_worked_example, nb03_multi_output, nb04_l_layers, nb05_vanishing

MODULES = (nb01_chain_rule, nb02_worked_example, nb03_multi_output, nb04_l_layers, nb05_vanishing)

ITEMS = {name: item for module in MODULES for name, item in module.ITEMS.items()}
MISTAKES = {name: found for module in MODULES for name, found in module.MISTAKES.items()}
EDITS = {name: edits for module in MODULES for name, edits in module.EDITS.items()}
PARTIAL = {name: kinds for module in MODULES for name, kinds in module.PARTIAL.items()}
VISIBLE = {name: compute for module in MODULES for name, compute in module.VISIBLE.items()}
