"""Namespaces, pinned EU vocabularies, label lookup and value normalisation."""
