// Package e2e holds the end-to-end tests of `tailor recommend` and
// `tailor export` against real parts: the lab cluster (internal/lab), a
// real Prometheus over real trace history (internal/lab/promserver) and
// kustomize's Go API. It has no non-test code.
package e2e
