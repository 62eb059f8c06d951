// TestSupport module: placeholder until its issue lands.
