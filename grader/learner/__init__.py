"""What learners get, and all that the notebooks import. Nothing here knows an answer.

grader.learner.checks          the helpers that test cells call; messages say what differs
grader.learner.misconceptions  the typical mistakes the messages name, and why they are mistakes
grader.learner.gradcheck       central differences and relative errors
grader.learner.tolerances      every tolerance the checks use, and why it has that size
grader.learner.activations     activation functions and their derivatives
grader.learner.costs           costs and their gradients
grader.learner.data            the 8x8 digits data set, split and one-hot encoded
grader.learner.worked_example  the 2-2-2 example's starting values and verified numbers
grader.learner.diagrams        network pictures
grader.learner.recipes         functions the hidden tests pass as arguments, rebuilt from a name and numbers
grader.learner.figures         the figures' style: sharp, readable, told apart without colour
grader.learner.fallbacks       the course's working versions, for a learner stuck on one exercise
grader.learner.manifest        the course manifest (course.toml): notebooks, graded items, points
grader.learner.cell_roles      what a cell is to the course (answer, test), from its nbgrader metadata
grader.learner.selfcheck       `python -m grader check NOTEBOOK.ipynb`: each graded item's result
"""
