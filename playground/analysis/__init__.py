"""Using a trained run: predictions, traces of its intermediates, gradients, embeddings, attention."""
