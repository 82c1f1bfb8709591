package prometheus

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/prometheus/common/model"
	k8slabels "k8s.io/apimachinery/pkg/labels"

	"tailor.dev/tailor/internal/workload"
)

// inventoryData is what Inventory's queries returned, by object.
type inventoryData struct {
	pods      map[string]*podSeries // by "namespace/pod"
	owners    workload.Owners
	labels    map[string]map[string]string // by workload Key; names without "label_"
	sawLabels bool                         // some labels series carries a label
	replicas  map[string]int               // by workload Key (Jobs: the Job's own key)
	hpas      map[string]*hpaSeries        // by "namespace/name"
	limits    map[string]map[string]workload.LimitRange
	largest   workload.Amount
}

// podSeries is one pod: its controller, creation time and containers.
type podSeries struct {
	namespace, name string
	controller      workload.Owner
	created         float64
	containers      map[string]*workload.Container
}

// hpaSeries is one HPA and the workload it targets.
type hpaSeries struct {
	namespace string
	target    workload.Owner
	hpa       workload.HPA
}

func newInventoryData() *inventoryData {
	return &inventoryData{
		pods:   map[string]*podSeries{},
		owners: workload.Owners{ReplicaSets: map[string]workload.Owner{}, Jobs: map[string]workload.Owner{}},
		labels: map[string]map[string]string{}, replicas: map[string]int{}, hpas: map[string]*hpaSeries{},
		limits: map[string]map[string]workload.LimitRange{},
	}
}

// none is kube-state-metrics' value for an unset owner label.
const none = "<none>"

// controllerOf is the owner a series names when it is the controller.
func controllerOf(m model.Metric) (workload.Owner, bool) {
	if m["owner_is_controller"] != "true" || m["owner_kind"] == none || m["owner_kind"] == "" {
		return workload.Owner{}, false
	}
	return workload.Owner{Kind: string(m["owner_kind"]), Name: string(m["owner_name"])}, true
}

// addPods records every pod with a kube_pod_owner series; a pod whose
// series name no controller ("<none>", or owners that are not) is bare.
func (d *inventoryData) addPods(v model.Vector) {
	for _, x := range v {
		ns, name := string(x.Metric["namespace"]), string(x.Metric["pod"])
		p := d.pods[ns+"/"+name]
		if p == nil {
			p = &podSeries{namespace: ns, name: name, containers: map[string]*workload.Container{}}
			d.pods[ns+"/"+name] = p
		}
		if c, ok := controllerOf(x.Metric); ok {
			p.controller = c
		}
	}
}

// addOwners records the controllers of ReplicaSets or Jobs.
func (d *inventoryData) addOwners(v model.Vector, objectLabel string, into map[string]workload.Owner) {
	for _, x := range v {
		if c, ok := controllerOf(x.Metric); ok {
			into[string(x.Metric["namespace"])+"/"+string(x.Metric[model.LabelName(objectLabel)])] = c
		}
	}
}

func (d *inventoryData) pod(m model.Metric) *podSeries {
	return d.pods[string(m["namespace"])+"/"+string(m["pod"])]
}

func (d *inventoryData) addCreated(v model.Vector) {
	for _, x := range v {
		if p := d.pod(x.Metric); p != nil {
			p.created = float64(x.Value)
		}
	}
}

// container returns the pod's container, adding it with role if new.
func (p *podSeries) container(name string, role workload.Role) *workload.Container {
	c := p.containers[name]
	if c == nil {
		c = &workload.Container{Name: name, Role: role}
		p.containers[name] = c
	}
	return c
}

// addContainers records info series; an init container with
// restart_policy="Always" is a sidecar.
func (d *inventoryData) addContainers(v model.Vector, role workload.Role) {
	for _, x := range v {
		if p := d.pod(x.Metric); p != nil {
			c := p.container(string(x.Metric["container"]), role)
			if role == workload.RoleInit && x.Metric["restart_policy"] == "Always" {
				c.Role = workload.RoleSidecar
			}
		}
	}
}

// addResources records requests (or limits): cores for cpu, bytes for
// memory.
func (d *inventoryData) addResources(v model.Vector, role workload.Role, limits bool) {
	for _, x := range v {
		p := d.pod(x.Metric)
		if p == nil {
			continue
		}
		r := &p.container(string(x.Metric["container"]), role).Current
		val := float64(x.Value)
		switch res := x.Metric["resource"]; {
		case res == "cpu" && limits:
			r.CPULimit = val
		case res == "cpu":
			r.CPURequest = val
		case res == "memory" && limits:
			r.MemLimit = val
		case res == "memory":
			r.MemRequest = val
		}
	}
}

func (d *inventoryData) hasContainers() bool {
	for _, p := range d.pods {
		if len(p.containers) > 0 {
			return true
		}
	}
	return false
}

// objectKey is the workload Key of a kindLabel-tagged series.
func objectKey(m model.Metric) (string, bool) {
	kind := string(m[kindLabel])
	for _, k := range kindSeries {
		if k.kind == kind && m[model.LabelName(k.label)] != "" {
			return string(m["namespace"]) + "/" + kind + "/" + string(m[model.LabelName(k.label)]), true
		}
	}
	return "", false
}

// addLabels records the label_* labels of kube_<kind>_labels series.
func (d *inventoryData) addLabels(v model.Vector) {
	for _, x := range v {
		key, ok := objectKey(x.Metric)
		if !ok {
			continue
		}
		for name, value := range x.Metric {
			if n, ok := strings.CutPrefix(string(name), "label_"); ok && value != "" {
				if d.labels[key] == nil {
					d.labels[key] = map[string]string{}
				}
				d.labels[key][n], d.sawLabels = string(value), true
			}
		}
	}
}

func (d *inventoryData) addReplicas(v model.Vector) {
	for _, x := range v {
		if key, ok := objectKey(x.Metric); ok {
			d.replicas[key] = int(x.Value)
		}
	}
}

// hpa returns the HPA a series is about, adding it if new.
func (d *inventoryData) hpa(m model.Metric) *hpaSeries {
	ns, name := string(m["namespace"]), string(m["horizontalpodautoscaler"])
	h := d.hpas[ns+"/"+name]
	if h == nil {
		h = &hpaSeries{namespace: ns, hpa: workload.HPA{Name: name, MinReplicas: 1}}
		d.hpas[ns+"/"+name] = h
	}
	return h
}

func (d *inventoryData) addHPAInfo(v model.Vector) {
	for _, x := range v {
		d.hpa(x.Metric).target = workload.Owner{Kind: string(x.Metric["scaletargetref_kind"]), Name: string(x.Metric["scaletargetref_name"])}
	}
}

func (d *inventoryData) addHPAReplicas(v model.Vector, maximum bool) {
	for _, x := range v {
		if h := d.hpa(x.Metric); maximum {
			h.hpa.MaxReplicas = int(x.Value)
		} else {
			h.hpa.MinReplicas = int(x.Value)
		}
	}
}

var targetTypes = map[model.LabelValue]workload.TargetType{
	"utilization": workload.TargetUtilization, "average": workload.TargetAverageValue, "value": workload.TargetValue,
}

// addHPAMetrics records target series. typ is the metric type the family
// implies; "" (kube_horizontalpodautoscaler_spec_target_metric, which
// holds Resource, Pods and External metrics) means: Resource for cpu and
// memory, else Pods for an average target and External for a value.
func (d *inventoryData) addHPAMetrics(v model.Vector, typ workload.MetricType) {
	for _, x := range v {
		m := x.Metric
		name := string(m["metric_name"])
		x := workload.HPAMetric{Type: typ, TargetType: targetTypes[m["metric_target_type"]], TargetValue: float64(x.Value)}
		switch {
		case typ == workload.MetricContainerResource:
			x.Resource, x.Container = name, string(m["container_name"])
		case typ == workload.MetricObject:
			x.Name = name
		case name == workload.ResourceCPU || name == workload.ResourceMemory:
			x.Type, x.Resource = workload.MetricResource, name
		case x.TargetType == workload.TargetValue:
			x.Type, x.Name = workload.MetricExternal, name
		default:
			x.Type, x.Name = workload.MetricPods, name
		}
		h := d.hpa(m)
		h.hpa.Metrics = append(h.hpa.Metrics, x)
	}
}

// addLimitRanges records Container constraints per LimitRange.
func (d *inventoryData) addLimitRanges(v model.Vector) {
	for _, x := range v {
		ns, name := string(x.Metric["namespace"]), string(x.Metric["limitrange"])
		if d.limits[ns] == nil {
			d.limits[ns] = map[string]workload.LimitRange{}
		}
		lr := d.limits[ns][name]
		var a *workload.Amount
		switch x.Metric["constraint"] {
		case "min":
			a = &lr.Min
		case "max":
			a = &lr.Max
		case "default":
			a = &lr.Default
		case "defaultRequest":
			a = &lr.DefaultRequest
		default:
			continue
		}
		setAmount(a, x.Metric["resource"], float64(x.Value))
		d.limits[ns][name] = lr
	}
}

func (d *inventoryData) addNodes(v model.Vector) {
	for _, x := range v {
		var a workload.Amount
		setAmount(&a, x.Metric["resource"], float64(x.Value))
		d.largest.CPU, d.largest.Memory = max(d.largest.CPU, a.CPU), max(d.largest.Memory, a.Memory)
	}
}

func setAmount(a *workload.Amount, resource model.LabelValue, v float64) {
	switch resource {
	case workload.ResourceCPU:
		a.CPU = v
	case workload.ResourceMemory:
		a.Memory = v
	}
}

// podGroup is the pods of one workload.
type podGroup struct {
	owner  workload.Owner
	newest *podSeries
	pods   int
}

// newer orders pods by creation time, then name.
func newer(a, b *podSeries) bool {
	return cmp.Or(cmp.Compare(a.created, b.created), strings.Compare(a.name, b.name)) > 0
}

// groups resolves every pod to its workload, by Key.
func (d *inventoryData) groups() map[string]*podGroup {
	out := map[string]*podGroup{}
	for _, p := range d.pods {
		o := d.owners.Resolve(p.namespace, p.name, p.controller)
		key := p.namespace + "/" + o.Kind + "/" + o.Name
		g := out[key]
		if g == nil {
			g = &podGroup{owner: o}
			out[key] = g
		}
		g.pods++
		if g.newest == nil || newer(p, g.newest) {
			g.newest = p
		}
	}
	return out
}

// assemble builds the inventory of the workloads f and sel select.
func (d *inventoryData) assemble(f workload.Filter, sel k8slabels.Selector) workload.Inventory {
	inv := workload.Inventory{Mode: workload.ModePrometheus, Clamps: d.clamps()}
	byKey := map[string]*workload.Workload{}
	for key, g := range d.groups() {
		w := d.workload(key, g)
		if f.MatchKind(w.Kind) && f.MatchName(w.Name) && sel.Matches(k8slabels.Set(w.Labels)) {
			byKey[key] = &w
		}
	}
	for _, name := range slices.Sorted(maps.Keys(d.hpas)) {
		h := d.hpas[name]
		w := byKey[h.namespace+"/"+h.target.Kind+"/"+h.target.Name]
		switch {
		case w == nil:
		case w.HPA != nil:
			inv.Warnings = append(inv.Warnings, fmt.Sprintf("HPAs %s and %s both target %s %s/%s; using %s",
				w.HPA.Name, h.hpa.Name, w.Kind, w.Namespace, w.Name, w.HPA.Name))
		default:
			hpa := h.hpa
			workload.SortMetrics(hpa.Metrics)
			w.HPA = &hpa
		}
	}
	for _, w := range byKey {
		inv.Workloads = append(inv.Workloads, *w)
	}
	workload.SortWorkloads(inv.Workloads)
	return inv
}

// workload is the workload of a group: containers and, for custom
// controllers and bare pods, labels from its newest pod.
func (d *inventoryData) workload(key string, g *podGroup) workload.Workload {
	p := g.newest
	w := workload.Workload{Kind: g.owner.Kind, Namespace: p.namespace, Name: g.owner.Name, Labels: d.labels[key],
		Replicas: g.pods, Containers: p.sortedContainers()}
	switch {
	case w.Kind == workload.KindPod:
		w.Replicas = 1
	case !slices.Contains(workload.Kinds, w.Kind):
		w.Labels = d.labels[p.namespace+"/"+workload.KindPod+"/"+p.name]
	case w.Kind == workload.KindCronJob && p.controller.Kind == workload.KindJob:
		key = p.namespace + "/" + workload.KindJob + "/" + p.controller.Name // the newest Job's parallelism
	}
	if n, ok := d.replicas[key]; ok && w.Kind != workload.KindPod {
		w.Replicas = n
	}
	return w
}

// sortedContainers are the init and sidecar containers by name, then the
// main containers by name (series do not keep the pod spec's order).
func (p *podSeries) sortedContainers() []workload.Container {
	out := make([]workload.Container, 0, len(p.containers))
	for _, c := range p.containers {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b workload.Container) int {
		return cmp.Or(cmp.Compare(mainRank(a), mainRank(b)), strings.Compare(a.Name, b.Name))
	})
	return out
}

// mainRank puts main containers after init and sidecar containers.
func mainRank(c workload.Container) int {
	if c.Role == workload.RoleMain {
		return 1
	}
	return 0
}

// clamps merges each namespace's LimitRanges in name order.
func (d *inventoryData) clamps() workload.Clamps {
	c := workload.Clamps{LimitRanges: map[string]workload.LimitRange{}, LargestNode: d.largest}
	for ns, byName := range d.limits {
		for _, name := range slices.Sorted(maps.Keys(byName)) {
			c.LimitRanges[ns] = c.LimitRanges[ns].Merge(byName[name])
		}
	}
	return c
}
