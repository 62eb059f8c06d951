// Distributed module: placeholder until its issue lands.
