"""Corpora (the toy language, the reviews), the tokenizer, task tensors, uploads and example sentences."""
