"""The scan benchmark: build an N-resource tenant on a local emulator, scan it with the real
CLI in a child process, and measure wall time, CPU, memory, API calls and correctness."""
