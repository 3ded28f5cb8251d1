"""The model: the kinds of record, their fields, values and vocabularies, and the rules a record must pass."""
