// Package krr replays the `simple` strategy of Robusta KRR (robusta-dev/krr
// v1.29, robusta_krr/strategies/simple.py and core/runner.py; see
// /work/shared/reference/recommenders.md §4.1 and docs/baselines.md) as a
// simulate.Policy.
//
// Recommendation, from the samples of the last history_duration = 336 h
// (14 days):
//   - CPU request = p95 of CPU usage (Prometheus quantile_over_time, i.e.
//     linear interpolation between closest ranks); CPU limit unset.
//   - Memory request = limit = max memory usage × (1 + 15/100).
//   - Rounding up to 1 m CPU and 1 MiB memory, then floors of 10 m and
//     100 MiB (runner.py: cpu_min_value 10, memory_min_value 100 × 1024²).
//   - No recommendation before 3 h of history (history_range_enough), or
//     with fewer than points_required = 100 points at the 75 s query step
//     (timeframe_duration 1.25 min), per resource; the applied value stays.
//   - use_oomkill_data is off by default, so OOM kills do not feed the
//     recommendation (the usage that caused them does, as any sample).
//
// KRR is a report, not a controller: it has no updater. The replay applies
// its recommendation when CPU or memory differs from the applied value by at
// least 10% (the same threshold as VPA's updater, --pod-update-threshold),
// and right after an OOM kill whenever the recommendation raises memory.
//
// The window is a ring buffer of (time, cpu, memory) per container; the
// percentile sorts a copy of the window's CPU values at decision time.
package krr
