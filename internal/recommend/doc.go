// Package recommend is Tailor's vertical recommendation engine. It keeps a
// compact streaming state per container (a decaying CPU histogram, per-window
// memory peaks, OOM and throttling signals), merges replicas of a workload,
// and turns the state into requests and limits through small composable
// steps (estimate, margin, OOM bump, floor, clamp) and a stability gate that
// decides whether a change is worth applying. Every step reports a Reason.
//
// The package is pure: no I/O, no clock, no logging; time arrives in samples
// and arguments.
package recommend
