// Package prometheus is the source.Source that reads cAdvisor and
// kube-state-metrics series from a Prometheus HTTP API, and the OpenMetrics
// writer that turns samples into those series (for loading traces into a
// real Prometheus with promtool). docs/formats/prometheus.md describes the
// metric names, labels, queries and rounding.
package prometheus
