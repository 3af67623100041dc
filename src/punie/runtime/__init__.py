"""Runtime: where models live, how child engine processes are started, watched and stopped."""
