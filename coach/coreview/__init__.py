"""Live co-review: a coach leads a replay's review; teammates who join follow the playhead."""
