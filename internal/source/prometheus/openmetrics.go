package prometheus

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"tailor.dev/tailor/internal/workload"
)

// Metric names (cAdvisor and kube-state-metrics).
const (
	MetricCPU       = "container_cpu_usage_seconds_total"
	MetricMemory    = "container_memory_working_set_bytes"
	MetricPodOwner  = "kube_pod_owner"
	MetricRSOwner   = "kube_replicaset_owner"
	MetricRequests  = "kube_pod_container_resource_requests"
	MetricLimits    = "kube_pod_container_resource_limits"
	MetricRestarts  = "kube_pod_container_status_restarts_total"
	MetricLastTerm  = "kube_pod_container_status_last_terminated_reason"
	MetricPeriods   = "container_cpu_cfs_periods_total"
	MetricThrottled = "container_cpu_cfs_throttled_periods_total"
	cfsPeriod       = 100 * time.Millisecond // the kernel's default CFS period
	replicaSetTail  = "-rs"                  // ReplicaSet name = Deployment name + replicaSetTail
	reasonOOMKilled = "OOMKilled"
)

type point struct {
	t int64 // unix milliseconds
	v float64
}

// family is one OpenMetrics metric family; series are keyed by their label
// text and written in first-seen order.
type family struct {
	name, typ, help string
	order           []string
	series          map[string][]point
}

func (f *family) add(labels string, t time.Time, v float64) {
	if f.series == nil {
		f.series = map[string][]point{}
	}
	if _, ok := f.series[labels]; !ok {
		f.order = append(f.order, labels)
	}
	f.series[labels] = append(f.series[labels], point{t.UnixMilli(), v})
}

// WriteOpenMetrics writes samples (any order; samples of one container must
// have distinct times) as OpenMetrics text that `promtool tsdb
// create-blocks-from openmetrics` loads, using cAdvisor and
// kube-state-metrics names. docs/formats/prometheus.md describes the mapping.
func WriteOpenMetrics(w io.Writer, samples []workload.Sample) error {
	byRef := map[workload.ContainerRef][]workload.Sample{}
	var refs []workload.ContainerRef
	for _, s := range samples {
		if _, ok := byRef[s.Ref]; !ok {
			refs = append(refs, s.Ref)
		}
		byRef[s.Ref] = append(byRef[s.Ref], s)
	}
	sort.Slice(refs, func(i, j int) bool { return refs[i].Key() < refs[j].Key() })
	fs := newFamilies()
	for _, ref := range refs {
		ss := byRef[ref]
		sort.Slice(ss, func(i, j int) bool { return ss[i].Time.Before(ss[j].Time) })
		fs.addContainer(ref, ss)
	}
	bw := bufio.NewWriter(w)
	for _, f := range fs.all() {
		f.write(bw)
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

// families are the metric families written, in output order.
type families struct {
	cpu, mem, podOwner, rsOwner, req, lim, restarts, lastTerm, periods, throttled *family
}

func newFamilies() *families {
	return &families{
		cpu:       &family{name: "container_cpu_usage_seconds", typ: "counter", help: "Cumulative cpu time consumed in seconds."},
		mem:       &family{name: MetricMemory, typ: "gauge", help: "Current working set in bytes."},
		podOwner:  &family{name: MetricPodOwner, typ: "gauge", help: "Information about the Pod's owner."},
		rsOwner:   &family{name: MetricRSOwner, typ: "gauge", help: "Information about the ReplicaSet's owner."},
		req:       &family{name: MetricRequests, typ: "gauge", help: "The number of requested resource by a container."},
		lim:       &family{name: MetricLimits, typ: "gauge", help: "The number of requested limit resource by a container."},
		restarts:  &family{name: "kube_pod_container_status_restarts", typ: "counter", help: "The number of container restarts per container."},
		lastTerm:  &family{name: MetricLastTerm, typ: "gauge", help: "Describes the last reason the container was in terminated state."},
		periods:   &family{name: "container_cpu_cfs_periods", typ: "counter", help: "Number of elapsed enforcement period intervals."},
		throttled: &family{name: "container_cpu_cfs_throttled_periods", typ: "counter", help: "Number of throttled period intervals."},
	}
}

func (fs *families) all() []*family {
	return []*family{fs.cpu, fs.mem, fs.podOwner, fs.rsOwner, fs.req, fs.lim, fs.restarts, fs.lastTerm, fs.periods, fs.throttled}
}

// addContainer adds the series of one container; ss is in time order.
func (fs *families) addContainer(ref workload.ContainerRef, ss []workload.Sample) {
	c := labels("namespace", ref.Namespace, "pod", ref.Pod, "container", ref.Container)
	kind, owner := ref.Kind, ref.Workload
	if kind == "Deployment" {
		kind, owner = "ReplicaSet", ref.Workload+replicaSetTail
	}
	po := labels("namespace", ref.Namespace, "owner_is_controller", "true", "owner_kind", kind, "owner_name", owner, "pod", ref.Pod)
	rso := labels("namespace", ref.Namespace, "owner_is_controller", "true", "owner_kind", "Deployment", "owner_name", ref.Workload, "replicaset", owner)
	res := func(resource, unit string) string {
		return labels("container", ref.Container, "namespace", ref.Namespace, "pod", ref.Pod, "resource", resource, "unit", unit)
	}
	reqCPU, reqMem, limCPU, limMem := res("cpu", "core"), res("memory", "byte"), res("cpu", "core"), res("memory", "byte")
	oomLabels := labels("container", ref.Container, "namespace", ref.Namespace, "pod", ref.Pod, "reason", reasonOOMKilled)
	cpu, periods := counter{f: fs.cpu, labels: c}, counter{f: fs.periods, labels: c}
	throttled, restarts := counter{f: fs.throttled, labels: c}, counter{f: fs.restarts, labels: c}
	for _, s := range ss {
		start := s.Time.Add(-s.Interval)
		if s.HasCPU() {
			cpu.advance(start, s.Time, s.CPU*s.Interval.Seconds())
		}
		if f := s.ThrottledFraction; !math.IsNaN(f) && f >= 0 {
			n := float64(s.Interval / cfsPeriod)
			periods.advance(start, s.Time, n)
			throttled.advance(start, s.Time, f*n)
		}
		oom := 0.0
		if s.OOMKilled {
			oom = 1
		}
		restarts.advance(start, s.Time, oom)
		if restarts.total > 0 {
			fs.lastTerm.add(oomLabels, s.Time, 1)
		}
		if s.HasMemory() {
			fs.mem.add(c, s.Time, s.Memory)
		}
		fs.podOwner.add(po, s.Time, 1)
		if ref.Kind == "Deployment" {
			fs.rsOwner.add(rso, s.Time, 1)
		}
		fs.req.addPositive(reqCPU, s.Time, s.Provisioned.CPURequest)
		fs.req.addPositive(reqMem, s.Time, s.Provisioned.MemRequest)
		fs.lim.addPositive(limCPU, s.Time, s.Provisioned.CPULimit)
		fs.lim.addPositive(limMem, s.Time, s.Provisioned.MemLimit)
	}
}

// addPositive adds v when it is set (> 0).
func (f *family) addPositive(labels string, t time.Time, v float64) {
	if v > 0 {
		f.add(labels, t, v)
	}
}

// counter is one cumulative series being written.
type counter struct {
	f      *family
	labels string
	total  float64
	last   time.Time
}

// advance adds inc over the interval (start, end], first writing the running
// total at start when the series has no point there (a container's first
// interval, or the first after a gap), so the rate over the interval is
// defined.
func (c *counter) advance(start, end time.Time, inc float64) {
	if !c.last.Equal(start) {
		c.f.add(c.labels, start, c.total)
	}
	c.total += inc
	c.f.add(c.labels, end, c.total)
	c.last = end
}

func (f *family) write(w *bufio.Writer) {
	if len(f.order) == 0 {
		return
	}
	fmt.Fprintf(w, "# TYPE %s %s\n# HELP %s %s\n", f.name, f.typ, f.name, f.help)
	sample := f.name
	if f.typ == "counter" {
		sample += "_total"
	}
	for _, l := range f.order {
		pts := f.series[l]
		sort.SliceStable(pts, func(i, j int) bool { return pts[i].t < pts[j].t })
		pts = slices.CompactFunc(pts, func(a, b point) bool { return a.t == b.t })
		for _, p := range pts {
			if math.IsNaN(p.v) {
				continue
			}
			fmt.Fprintf(w, "%s{%s} %s %s\n", sample, l, strconv.FormatFloat(p.v, 'g', -1, 64),
				strconv.FormatFloat(float64(p.t)/1000, 'f', -1, 64))
		}
	}
}

// labels renders name/value pairs, in the given order, as label text.
func labels(kv ...string) string {
	var b strings.Builder
	for i := 0; i < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		b.WriteString(escape(kv[i+1]))
		b.WriteByte('"')
	}
	return b.String()
}

var escaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escape(s string) string { return escaper.Replace(s) }
