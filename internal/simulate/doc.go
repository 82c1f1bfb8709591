// Package simulate replays usage traces against resource policies and scores
// them with the contract in docs/benchmarks.md ("Replay scoring"): slack,
// shortfall, throttling, OOM kills, changes and cost, per container and in
// total. It is pure: no I/O, no clock, no logging.
package simulate
