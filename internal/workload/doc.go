// Package workload holds the value types every other package speaks: container
// references, resource settings and usage samples. It has no behaviour beyond
// small accessors and imports nothing but the standard library.
package workload
