// Package plan turns usage history and, when there is one, an inventory of
// the workloads (current requests and limits, HPAs, LimitRanges, nodes) into
// a right-sizing plan: one Row per workload container with the current and
// recommended requests and limits, the HPA-aware treatment of resources an
// HPA scales on, the clamps, the risk flags, the monthly cost change and the
// evidence behind it. It only gathers values and calls the pure engine
// (internal/recommend); it never talks to a cluster itself: samples come
// through source.Source, the inventory as a value.
package plan
