"""Operations on the registry: adding, editing, linking, searching and reading records, and the example."""
