"""The numbers: distillation losses, softening and loss curves, the TCKD/NCKD decomposition, metrics, summaries over seeds. Tensors in, tensors or DataFrames out; no training, no files."""
