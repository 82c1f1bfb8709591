package workload

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Workload kinds. KindPod is a pod without a controller. A workload known
// only through its pods (a custom controller, such as an Argo Rollout owning
// ReplicaSets) keeps its controller's kind.
const (
	KindDeployment  = "Deployment"
	KindStatefulSet = "StatefulSet"
	KindDaemonSet   = "DaemonSet"
	KindJob         = "Job"
	KindCronJob     = "CronJob"
	KindReplicaSet  = "ReplicaSet"
	KindPod         = "Pod"
)

// Kinds are the workload kinds an Inventory lists by name.
var Kinds = []string{KindDeployment, KindStatefulSet, KindDaemonSet, KindJob, KindCronJob, KindReplicaSet, KindPod}

// Inventory modes: where the inventory was read from.
const (
	ModeCluster    = "cluster"    // the Kubernetes API
	ModePrometheus = "prometheus" // kube-state-metrics series
)

// Resource names, as Kubernetes spells them.
const (
	ResourceCPU    = "cpu"
	ResourceMemory = "memory"
)

// Inventory is what runs where, with the constraints a recommendation must
// respect, as read from one source at one time.
type Inventory struct {
	Mode      string     // ModeCluster or ModePrometheus
	Workloads []Workload // sorted by Key
	Clamps    Clamps
	// Warnings name what could not be read, e.g. "forbidden: list
	// cronjobs in namespace shop"; the rest of the inventory is complete.
	Warnings []string
}

// Workload is one owner of pods: a Deployment, StatefulSet, DaemonSet, Job,
// CronJob, ReplicaSet without a Deployment, or a bare Pod.
type Workload struct {
	Kind      string
	Namespace string
	Name      string
	Labels    map[string]string
	// Replicas is the number of pods the workload asks for: spec.replicas
	// (Deployment, StatefulSet, ReplicaSet), the desired number of scheduled
	// pods (DaemonSet), parallelism (Job; a CronJob's job template), 1 for
	// a bare pod, the number of pods for a workload known only through them.
	Replicas int
	// Containers are the pod's init and sidecar containers, then its main
	// containers.
	Containers []Container
	HPA        *HPA // nil when no HorizontalPodAutoscaler targets the workload
}

// Key is "namespace/Kind/name", unique within an Inventory.
func (w Workload) Key() string { return w.Namespace + "/" + w.Kind + "/" + w.Name }

// SortWorkloads orders workloads by Key.
func SortWorkloads(ws []Workload) {
	slices.SortFunc(ws, func(a, b Workload) int { return strings.Compare(a.Key(), b.Key()) })
}

// Role is what a container does in its pod.
type Role string

const (
	RoleMain    Role = "main"
	RoleInit    Role = "init"    // runs to completion before the main containers start
	RoleSidecar Role = "sidecar" // an init container with restartPolicy Always: runs beside them
)

// Container is one container of a workload's pods.
type Container struct {
	Name    string
	Role    Role
	Current Resources // requests and limits in force (cores, bytes; 0 = not set)
}

// MetricType is the kind of an HPA metric, as autoscaling/v2 names it.
type MetricType string

const (
	MetricResource          MetricType = "Resource"          // a resource averaged over the pod's containers
	MetricContainerResource MetricType = "ContainerResource" // a resource of one container
	MetricPods              MetricType = "Pods"
	MetricObject            MetricType = "Object"
	MetricExternal          MetricType = "External"
)

// TargetType is how an HPA metric's target is expressed.
type TargetType string

const (
	TargetUtilization  TargetType = "Utilization" // percent of the request
	TargetAverageValue TargetType = "AverageValue"
	TargetValue        TargetType = "Value"
)

// HPA is the HorizontalPodAutoscaler targeting a workload.
type HPA struct {
	Name                     string
	MinReplicas, MaxReplicas int
	Metrics                  []HPAMetric // in SortMetrics order
}

// HPAMetric is one metric an HPA scales on.
type HPAMetric struct {
	Type      MetricType
	Resource  string // ResourceCPU or ResourceMemory (Resource, ContainerResource)
	Container string // ContainerResource only
	Name      string // the metric's name (Pods, Object, External)
	// TargetType says what TargetValue is.
	TargetType TargetType
	// TargetValue is a percentage for TargetUtilization; otherwise cores
	// (cpu), bytes (memory) or the metric's own unit.
	TargetValue float64
}

// Drives reports whether h scales its workload on c's use of resource. A
// Resource metric covers every container running beside the main ones
// (main and sidecar containers: Kubernetes' replica calculator leaves
// plain init containers out of the pod's request); a ContainerResource
// metric covers only its container. A nil HPA drives nothing.
func (h *HPA) Drives(c Container, resource string) bool {
	if h == nil {
		return false
	}
	for _, m := range h.Metrics {
		if m.Resource != resource {
			continue
		}
		if m.Type == MetricResource && c.Role != RoleInit || m.Type == MetricContainerResource && m.Container == c.Name {
			return true
		}
	}
	return false
}

// SortMetrics puts metrics in a canonical order (type, resource, container,
// name, target type), so that inventories from different sources compare
// equal; the order of an HPA's metrics does not change what it does.
func SortMetrics(ms []HPAMetric) {
	slices.SortFunc(ms, func(a, b HPAMetric) int {
		return cmp.Or(strings.Compare(string(a.Type), string(b.Type)), strings.Compare(a.Resource, b.Resource),
			strings.Compare(a.Container, b.Container), strings.Compare(a.Name, b.Name),
			strings.Compare(string(a.TargetType), string(b.TargetType)))
	})
}

// Amount is an amount of CPU (cores) and memory (bytes); 0 = not set.
type Amount struct {
	CPU    float64
	Memory float64
}

// Clamps are the bounds a recommendation must fit in.
type Clamps struct {
	// LimitRanges are the per-container constraints of each namespace's
	// LimitRanges (type Container), merged with LimitRange.Merge.
	LimitRanges map[string]LimitRange
	// LargestNode is the largest allocatable CPU and the largest
	// allocatable memory of any node (each resource's own maximum).
	LargestNode Amount
}

// LimitRange is what a namespace's LimitRanges impose on each container.
type LimitRange struct {
	Min, Max       Amount // bounds on requests and limits
	Default        Amount // limit given to a container that sets none
	DefaultRequest Amount // request given to a container that sets none
}

// Merge combines two LimitRanges of one namespace: a container must satisfy
// all of them, so the larger minimum and the smaller maximum win; defaults
// come from l where it sets them, else from o (admission applies the
// first default it finds).
func (l LimitRange) Merge(o LimitRange) LimitRange {
	return LimitRange{
		Min:            Amount{max(l.Min.CPU, o.Min.CPU), max(l.Min.Memory, o.Min.Memory)},
		Max:            Amount{minSet(l.Max.CPU, o.Max.CPU), minSet(l.Max.Memory, o.Max.Memory)},
		Default:        Amount{cmp.Or(l.Default.CPU, o.Default.CPU), cmp.Or(l.Default.Memory, o.Default.Memory)},
		DefaultRequest: Amount{cmp.Or(l.DefaultRequest.CPU, o.DefaultRequest.CPU), cmp.Or(l.DefaultRequest.Memory, o.DefaultRequest.Memory)},
	}
}

// minSet is the smaller of the set (non-zero) values, 0 when neither is.
func minSet(a, b float64) float64 {
	if a == 0 || b != 0 && b < a {
		return b
	}
	return a
}

// Owner names a Kubernetes object that controls others.
type Owner struct {
	Kind, Name string
}

// Owners holds what sits between a workload and its pods: the controller
// of each ReplicaSet and Job that has one, keyed "namespace/name". Both
// discovery paths (the API server and kube-state-metrics) resolve pods
// with it.
type Owners struct {
	ReplicaSets map[string]Owner
	Jobs        map[string]Owner
}

// Resolve returns the workload owning pod, given the pod's controller
// (zero when it has none): a ReplicaSet resolves to its Deployment (or
// other controller), a Job to its CronJob, a pod without a controller, or
// a static pod mirrored by its Node, to itself (KindPod). A ReplicaSet or
// Job with no known controller is the workload.
func (o Owners) Resolve(namespace, pod string, controller Owner) Owner {
	var up map[string]Owner
	switch controller.Kind {
	case "", "Node":
		return Owner{KindPod, pod}
	case KindReplicaSet:
		up = o.ReplicaSets
	case KindJob:
		up = o.Jobs
	}
	if w, ok := up[namespace+"/"+controller.Name]; ok {
		return w
	}
	return controller
}

// Filter selects workloads. Empty fields select everything.
type Filter struct {
	Namespaces []string
	// LabelSelector is a Kubernetes label selector ("app=web,tier!=db")
	// matched against the workload's own labels; each source parses it.
	LabelSelector string
	// Kinds are workload kinds, in any case, singular or plural, or
	// kubectl's short names (deploy, sts, ds, cj, rs, po). A workload known
	// only through its pods (custom controller) is selected only when Kinds
	// is empty.
	Kinds []string
	Names []string
}

var kindAliases = map[string]string{"deploy": KindDeployment, "sts": KindStatefulSet, "ds": KindDaemonSet,
	"cj": KindCronJob, "rs": KindReplicaSet, "po": KindPod}

// KindOf returns the kind that s names (see Filter.Kinds).
func KindOf(s string) (string, bool) {
	s = strings.ToLower(s)
	if k, ok := kindAliases[s]; ok {
		return k, true
	}
	for _, k := range Kinds {
		if l := strings.ToLower(k); s == l || s == l+"s" {
			return k, true
		}
	}
	return "", false
}

// Validate rejects kinds KindOf does not know.
func (f Filter) Validate() error {
	for _, k := range f.Kinds {
		if _, ok := KindOf(k); !ok {
			return fmt.Errorf("unknown workload kind %q (want one of %s)", k, strings.Join(Kinds, ", "))
		}
	}
	return nil
}

// MatchNamespace reports whether ns is selected.
func (f Filter) MatchNamespace(ns string) bool {
	return len(f.Namespaces) == 0 || slices.Contains(f.Namespaces, ns)
}

// MatchKind reports whether kind is selected; kinds outside Kinds (custom
// controllers) only by an empty Kinds.
func (f Filter) MatchKind(kind string) bool {
	if len(f.Kinds) == 0 {
		return true
	}
	return slices.ContainsFunc(f.Kinds, func(s string) bool { k, _ := KindOf(s); return k == kind })
}

// MatchName reports whether name is selected.
func (f Filter) MatchName(name string) bool {
	return len(f.Names) == 0 || slices.Contains(f.Names, name)
}
