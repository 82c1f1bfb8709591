// Package lab runs a throwaway local Kubernetes cluster for tests and demos.
//
// It owns two things. Build compiles etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler and kwok from the Go module proxy
// into a per-version cache directory outside the repository (once; later
// calls reuse the cache). Start runs those binaries on 127.0.0.1 with fresh
// certificates, a static token file, RBAC and N kwok-managed fake nodes, and
// returns a Cluster whose Stop leaves no process and no directory behind.
// With Options.Aggregator the API server gets a front proxy, and
// RegisterAPIService routes an API group to a server in the test process
// (package metricsapi serves metrics.k8s.io that way).
//
// See docs/lab.md for versions, timings, ports and known limits.
package lab
