// Package horizontal is Tailor's model of the Kubernetes Horizontal Pod
// Autoscaler. It owns:
//
//   - value types for an autoscaling/v2 HPA spec (Spec, MetricSpec, Behavior),
//     the API server's defaulting (Spec.WithDefaults) and validation
//     (Spec.Validate), with errors naming the field path;
//   - a controller model (Controller.Step) that reproduces the replica
//     arithmetic of kube-controller-manager's podautoscaler package
//     (replica_calculator.go and horizontal.go): tolerance, missing and
//     not-ready pods, the CPU initialization period, several metrics,
//     stabilization windows, scaling policies and the legacy path used when
//     spec.behavior is unset;
//   - a tiny simulated cluster (Cluster) whose pods need a start-up delay
//     before they are Ready and share the load evenly, and a scenario DSL
//     (ParseScenario, Scenario.Run) in the style of Prometheus' promqltest,
//     documented in docs/hpa-model.md.
//
// The package is pure: no client-go, no I/O beyond the io.Reader a scenario
// is parsed from, no clock and no logging. Time arrives as arguments and the
// caller steps the controller once per sync period (15 s by default).
package horizontal
