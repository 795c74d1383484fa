"""Publishing: parquet shards, the dataset card, the saved configuration and the manifest."""
