"""The dataset on disk: where files go (storage), shards and their stats (shards), the manifest
and shard index (manifest), the dataset card (card), and the checks that a folder is intact
(verify)."""
