// Package report renders benchmark results as figures. It is pure: callers
// pass the score values and an io.Writer; nothing here reads files, runs a
// replay or looks at the clock, so the same input always gives the same bytes.
//
// WriteTradeOffSVG draws the replay trade-off curves of docs/benchmarks.md
// with gonum.org/v1/plot: CPU slack against CPU shortfall and memory slack
// against OOM kills, one line per parameter sweep of tailor and one labeled
// point per policy.
package report
