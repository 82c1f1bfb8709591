// Package vpa replays the real Kubernetes Vertical Pod Autoscaler as a
// simulate.Policy: the recommender is the upstream code itself, imported from
// k8s.io/autoscaler/vertical-pod-autoscaler v1.7.1, and the updater's
// decision rule is re-implemented on our values because the upstream one
// works on corev1.Pod objects.
//
// Recommender (upstream, default configuration; see
// /work/shared/reference/recommenders.md §1.1–§1.3 and docs/baselines.md):
//   - pkg/recommender/model: one AggregateContainerState per traced container
//     (decaying exponential histograms: CPU first bucket 0.01 core, memory
//     1e7 B, ratio 1.05, half-life 24 h; one memory peak per 24 h interval,
//     8 intervals) fed through a ContainerState with ContainerUsageSample
//     values (CPU in millicores, memory in bytes, MeasureStart = sample end −
//     interval) and RecordOOM(at, applied memory request) after every OOM.
//     The aggregation configuration is process-global upstream
//     (model.InitializeAggregationsConfig); it is set once, to the defaults
//     of config.DefaultRecommenderConfig, under a sync.Once.
//   - pkg/recommender/logic: CreatePodResourceRecommender with the
//     RecommendationConfig of config.DefaultRecommenderConfig (margin 0.15,
//     pod minimum 25 mCPU / 250 MiB, percentiles 0.9 / 0.5 / 0.95 for target /
//     lower / upper bound, confidence interval 24 h).
//
// Updater (pkg/updater/priority, defaults of config.DefaultUpdaterConfig;
// reference §1.6): the target is applied when a request is outside
// [LowerBound, UpperBound], or the pod is at least 12 h old and
// ResourceDiff = Σ|request − target| / request ≥ 0.1, or the container was
// OOM-killed less than 10 min after it (re)started ("quick OOM") and the
// target differs. An applied change recreates the pod (Recreate mode): the
// pod age restarts and a fresh ContainerState is attached to the same
// aggregate, as the upstream cluster state does for a new pod.
//
// Deliberate departures from a cluster deployment, each forced by replaying
// one traced container at a time:
//   - The updater's --min-replicas=2 rule is ignored: every traced container
//     is treated as one replica of a multi-replica workload. Otherwise VPA
//     would never evict anything on single-VM or single-task traces.
//   - The pod minimum (25 mCPU / 250 MiB) is not split across sibling
//     containers: each traced container is recommended as if it were alone
//     in its pod (the policy cannot see siblings).
//   - On traces without memory the VPA object is taken to control CPU only
//     (controlledResources: [cpu]) and memory stays as applied.
//
// The upstream model stamps AggregateContainerState.CreationTime with
// time.Now(); that field only drives garbage collection of idle aggregates,
// which a replay never runs, so results do not depend on the wall clock.
package vpa
