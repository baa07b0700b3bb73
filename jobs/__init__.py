"""Background jobs that never strand: what imports and exports share (their status, attempts,
heartbeat and times) and how they are started, owned, taken over and given up."""
