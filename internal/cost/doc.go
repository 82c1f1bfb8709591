// Package cost prices resource requests. It is pure: prices arrive as values
// (defaults are OpenCost's published on-demand rates) and nothing is fetched.
package cost
