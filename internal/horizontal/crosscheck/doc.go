// Package crosscheck runs HPA scenarios against the real Kubernetes HPA
// controller and against Tailor's model (package horizontal) and compares
// the replica timelines.
//
// A scenario is a horizontal scenario file (docs/hpa-model.md) restricted to
// what a lab cluster can reproduce: CPU load in cores, Resource metrics, pods
// Ready as soon as they run. For the real side it owns the conversion of the
// scenario into a Deployment and an autoscaling/v2 HorizontalPodAutoscaler,
// a metricsapi.Provider that serves the k-th controller sync the load the
// model sees at k sync periods (split across the Ready pods as the model's
// simulated cluster splits it), and the recording of spec.replicas, HPA
// status and pod readiness. The comparison (Compare) requires the same
// sequence of replica counts with each change within one sync period of the
// model's.
//
// Unlike the engine it checks, this package talks to a cluster (client-go);
// the cross-check test lives in crosscheck_test.go and docs/hpa-model.md
// records its results.
package crosscheck
