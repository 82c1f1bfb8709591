// Package metricsapi is a small aggregated API server for the resource
// metrics API (metrics.k8s.io/v1beta1), the API metrics-server implements and
// the HPA controller reads CPU and memory usage from.
//
// It owns the transport only: TLS with a self-signed serving certificate
// (CABundle goes into the APIService), optional verification of the
// aggregator's front-proxy client certificate, discovery, and the PodMetrics
// list and get endpoints with label selectors, answered as JSON. What the
// samples say comes from a Provider, so a test can script per-pod usage over
// time and drive the real HPA controller through the real API path:
// controller -> kube-apiserver (aggregator) -> this server.
//
// NodeMetrics are not served. See docs/lab.md ("Aggregated APIs").
package metricsapi
