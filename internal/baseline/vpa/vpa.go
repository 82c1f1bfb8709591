package vpa

import (
	"sync"
	"time"

	recconfig "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/recommender/config"
	"k8s.io/autoscaler/vertical-pod-autoscaler/pkg/recommender/logic"
	"k8s.io/autoscaler/vertical-pod-autoscaler/pkg/recommender/model"
	updconfig "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/updater/config"

	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/workload"
)

// Config is the VPA recommender and updater configuration.
//
// The aggregation configuration (histogram buckets, half-lives, memory
// aggregation interval, OOM bump) is not part of it: upstream keeps it in a
// process-wide variable, which this package sets once to the upstream
// defaults (see aggregations).
type Config struct {
	// Recommendation configures the pod resource recommender.
	Recommendation logic.RecommendationConfig
	// Updater configures the rule that decides when a recommendation is
	// applied.
	Updater Updater
}

// Updater holds the VPA updater parameters that decide whether a pod is
// evicted to apply a new recommendation (pkg/updater/config).
type Updater struct {
	// MinChangePriority is --pod-update-threshold: the minimum ResourceDiff
	// that justifies updating a pod whose requests are within bounds.
	MinChangePriority float64
	// PodLifetimeUpdateThreshold is
	// --in-recommendation-bounds-eviction-lifetime-threshold: pods younger
	// than this are only updated when outside bounds or after a quick OOM.
	PodLifetimeUpdateThreshold time.Duration
	// EvictAfterOOMThreshold is --evict-after-oom-threshold: an OOM kill this
	// soon after the container started is a "quick OOM".
	EvictAfterOOMThreshold time.Duration
}

// Default returns the upstream defaults, read from the upstream constructors
// config.DefaultRecommenderConfig and config.DefaultUpdaterConfig (v1.7.1):
// margin 0.15, pod minimum 25 mCPU / 250 MiB, percentiles 0.9 / 0.5 / 0.95,
// confidence interval 24 h; update threshold 0.1, 12 h lifetime, 10 min
// quick-OOM window.
func Default() Config {
	rc := recconfig.DefaultRecommenderConfig()
	uc := updconfig.DefaultUpdaterConfig()
	return Config{
		Recommendation: logic.RecommendationConfig{
			SafetyMarginFraction:       rc.SafetyMarginFraction,
			PodMinCPUMillicores:        rc.PodMinCPUMillicores,
			PodMinMemoryMb:             rc.PodMinMemoryMb,
			TargetCPUPercentile:        rc.TargetCPUPercentile,
			LowerBoundCPUPercentile:    rc.LowerBoundCPUPercentile,
			UpperBoundCPUPercentile:    rc.UpperBoundCPUPercentile,
			ConfidenceIntervalCPU:      rc.ConfidenceIntervalCPU,
			TargetMemoryPercentile:     rc.TargetMemoryPercentile,
			LowerBoundMemoryPercentile: rc.LowerBoundMemoryPercentile,
			UpperBoundMemoryPercentile: rc.UpperBoundMemoryPercentile,
			ConfidenceIntervalMemory:   rc.ConfidenceIntervalMemory,
		},
		Updater: Updater{
			MinChangePriority:          uc.DefaultUpdateThreshold,
			PodLifetimeUpdateThreshold: uc.PodLifetimeUpdateThreshold,
			EvictAfterOOMThreshold:     uc.EvictAfterOOMThreshold,
		},
	}
}

var aggregationsOnce sync.Once

// aggregations installs the upstream default aggregation configuration
// (memory aggregation interval 24 h × 8, CPU and memory half-life 24 h, OOM
// bump 1.2 / 100 MiB) exactly once. model.InitializeAggregationsConfig sets a
// package variable and is not thread-safe, hence the sync.Once; every
// AggregateContainerState created by this package is created after it.
func aggregations() {
	aggregationsOnce.Do(func() {
		rc := recconfig.DefaultRecommenderConfig()
		model.InitializeAggregationsConfig(model.NewAggregationsConfig(
			rc.MemoryAggregationInterval,
			rc.MemoryAggregationIntervalCount,
			rc.MemoryHistogramDecayHalfLife,
			rc.CpuHistogramDecayHalfLife,
			rc.OOMBumpUpRatio,
			rc.OOMMinBumpUp,
		))
	})
}

type policy struct {
	cfg         Config
	recommender logic.PodResourceRecommender
}

// New returns the VPA baseline policy.
func New(cfg Config) simulate.Policy {
	aggregations()
	return &policy{cfg: cfg, recommender: logic.CreatePodResourceRecommender(cfg.Recommendation)}
}

// Name implements simulate.Policy.
func (*policy) Name() string { return "vpa" }

// NewContainer implements simulate.Policy.
func (p *policy) NewContainer(ref workload.ContainerRef, initial workload.Resources, start time.Time) simulate.ContainerPolicy {
	aggregations()
	agg := model.NewAggregateContainerState()
	return &container{
		name:           ref.Container,
		updater:        p.cfg.Updater,
		recommender:    p.recommender,
		agg:            agg,
		state:          model.NewContainerState(requestOf(initial), agg),
		podStart:       start,
		containerStart: start,
	}
}
