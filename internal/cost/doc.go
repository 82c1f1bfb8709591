// Package cost prices resources. It is pure: prices and instance types
// arrive as values or readers (defaults are OpenCost's published on-demand
// rates) and nothing is fetched. It owns:
//
//   - Prices, per requested core-hour and GiB-hour (OpenCost's rates);
//   - InstanceType and Catalog, node shapes with their Kubernetes
//     allocatable resources (KarpenterAllocatable: capacity minus
//     kube-reserved and the eviction threshold, max pods from the VPC CNI
//     limit) and $/hour, read from the shared EC2 table
//     (ReadInstanceTypes);
//   - Pack, first-fit decreasing of pods onto the nodes of a NodePool: the
//     nodes per type and their $/hour and $/month.
package cost
