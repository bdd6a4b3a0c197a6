"""Models, their files, the training loop, the teacher, the shared read-only resources, the reference students, runs and sweeps."""
