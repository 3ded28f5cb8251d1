"""Publishing: the public copy without private data, its downloads, and Datasette serving it."""
