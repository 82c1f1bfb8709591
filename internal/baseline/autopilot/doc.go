// Package autopilot replays the moving-window vertical recommender of Google
// Autopilot (Rzadca et al., "Autopilot: workload autoscaling at Google",
// EuroSys '20, §3.2, DOI 10.1145/3342195.3387524; summarised in
// /work/shared/reference/recommenders.md §2.1–§2.2 and docs/baselines.md) as
// a simulate.Policy.
//
// Signal (§3.2.1): usage is aggregated into 5-minute windows. For CPU each
// window contributes a histogram of usage; the trace only has interval
// means, so every sample adds its mean with weight interval/5 min. For memory
// each window contributes only its peak.
//
// Statistics (§3.2.2): decayed histograms with weights w[τ] = 2^(−τ/t½),
// t½ = 12 h for CPU and 48 h for memory, over about 400 fixed buckets
// (exponential here: 1 m…1000 cores and 1 MiB…4 TiB, so that any trace fits
// at ≈3.5–3.9% resolution). Percentiles are taken on the load-adjusted
// histogram h[k] = b[k]·Σ_τ w[τ]·s[t−τ][k], b[k] being the bucket's value
// (its upper boundary), and return a bucket value.
//   - CPU, serving job: S_p95.
//   - Memory: S_p98 ("low OOM tolerance", the paper's default for large jobs)
//     by default. The paper applies "minimal tolerance" S_max to small jobs
//     and mentions max(S_p60, 0.5·S_max) for intermediate tolerance; both are
//     selectable with Config.Memory. We default to p98 because the baseline
//     is meant to show Autopilot's steady-state behaviour on long-running
//     services; S_max looks back MaxHorizon (48 h, our choice: the reference
//     gives no N).
//   - Post-processing: +10% safety margin, then the maximum of the
//     recommendations over the last hour (one per closed window, plus one
//     computed at decision time over the current window).
//
// Replay choice: Autopilot changes Borg limits in place, without restarting
// tasks, so every hourly recommendation is applied, per resource, when it
// differs from the applied value by more than 1%. The moving window has no
// OOM rule of its own; an OOM only triggers an extra decision.
package autopilot
