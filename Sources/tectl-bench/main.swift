print("tectl-bench: no benchmarks yet")
