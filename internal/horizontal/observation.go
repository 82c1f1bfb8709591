package horizontal

import "time"

// PodPhase is the phase of a pod.
type PodPhase string

// Pod phases that matter to the controller.
const (
	PodPending PodPhase = "Pending"
	PodRunning PodPhase = "Running"
	PodFailed  PodPhase = "Failed"
)

// ReadyCondition is a pod's PodReady condition.
type ReadyCondition struct {
	Status         bool
	LastTransition time.Time
}

// Container is a container of a pod spec.
type Container struct {
	Name     string
	Requests map[ResourceName]Milli
	// Sidecar marks a restartable init container (restartPolicy: Always); the
	// controller counts its requests with the regular containers.
	Sidecar bool
}

// ContainerUsage is one container's sample in the resource metrics API.
type ContainerUsage struct {
	Name  string
	Usage map[ResourceName]Milli
}

// PodMetrics is a pod's sample in the resource metrics API (metrics-server).
type PodMetrics struct {
	Timestamp  time.Time
	Window     time.Duration
	Containers []ContainerUsage
}

// Pod is what the controller sees of one pod selected by the target.
type Pod struct {
	Name       string
	Phase      PodPhase
	Deleting   bool      // deletionTimestamp set
	StartTime  time.Time // zero when status.startTime is unset
	Ready      *ReadyCondition
	Containers []Container
	// Metrics is the pod's resource metrics sample; nil when metrics-server
	// has none for it, which makes it a "missing" pod.
	Metrics *PodMetrics
	// Custom holds the pod's values of Pods metrics by metric name; a name
	// that is absent is a missing sample for this pod.
	Custom map[string]Milli
}

// Observation is everything the controller reads in one sync.
type Observation struct {
	// SpecReplicas is scale.spec.replicas, the current replica count.
	SpecReplicas int32
	// StatusReplicas is scale.status.replicas, the pods the workload reports;
	// Object and External AverageValue targets divide by it.
	StatusReplicas int32
	Pods           []Pod
	// Objects holds Object metric values by metric name.
	Objects map[string]Milli
	// External holds the series of each External metric by metric name;
	// the controller sums them.
	External map[string][]Milli
}
