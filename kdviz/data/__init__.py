"""Data sets: the 5,000 MNIST digits shipped with kdviz, IDX folders (Fashion-MNIST), the data-set choices, a learner's own digit. Imports only kdviz.base."""
