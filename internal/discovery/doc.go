// Package discovery reads a workload.Inventory from a Kubernetes API server
// with client-go: Deployments, StatefulSets, DaemonSets, Jobs (those of a
// CronJob appear as the CronJob), CronJobs, ReplicaSets without a
// Deployment, bare Pods, and workloads of other controllers known through
// their pods; the containers of each pod template (init, sidecar = init
// with restartPolicy Always, main) with their requests and limits; the
// autoscaling/v2 HPA targeting each workload; the namespaces' LimitRanges
// and the largest node's allocatable CPU and memory.
//
// It only lists (GET, paginated): nothing is ever written to the cluster.
// A list the caller may not make becomes a warning naming the verb,
// resource and namespace, and the rest is still discovered; an unreachable
// API server is an error naming its URL. Client builds a client from the
// usual kubeconfig loading rules.
//
// The kube-state-metrics equivalent, for when there is no cluster access,
// is (*prometheus.Source).Inventory (internal/source/prometheus); both
// resolve pods to workloads with workload.Owners.
package discovery
