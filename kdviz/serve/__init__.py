"""What a server adds: the training queue and worker processes, one training per class (press), rooms and their socket, the demo's questions, the view in a link."""
