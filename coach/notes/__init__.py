"""Notes and drawings pinned to frames of a replay: shapes, services, views and exports."""
