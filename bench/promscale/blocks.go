package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/workload"
)

// dataInfo is written as DONE in a complete data directory.
type dataInfo struct {
	Params     params        `json:"params"`
	Containers int           `json:"containers"`
	Pods       int           `json:"pods"`
	Series     int           `json:"series"`
	Samples    int64         `json:"samples"`
	Bytes      int64         `json:"bytes"`
	Took       time.Duration `json:"took_ns"`
	Blocks     []string      `json:"blocks"`
}

const doneFile = "DONE.json"

// ensureData returns the data set of f under root/f.p.key(), writing it
// first when it is missing or incomplete.
func ensureData(root string, f *fleet, logf func(string, ...any)) (string, dataInfo, error) {
	dir := filepath.Join(root, f.p.key())
	var info dataInfo
	if b, err := os.ReadFile(filepath.Join(dir, doneFile)); err == nil && json.Unmarshal(b, &info) == nil {
		return dir, info, nil
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", info, err
	}
	blocks := filepath.Join(dir, "blocks")
	if err := os.MkdirAll(blocks, 0o755); err != nil {
		return "", info, err
	}
	logf("generating %s (%d pod containers, %d days of %s samples)", dir, len(f.containers), f.p.Days, f.p.Step)
	began := time.Now()
	info, err := writeBlocks(blocks, f, logf)
	if err != nil {
		return "", info, err
	}
	info.Took = time.Since(began)
	if info.Bytes, err = dirSize(blocks); err != nil {
		return "", info, err
	}
	b, _ := json.MarshalIndent(info, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, doneFile), b, 0o644); err != nil {
		return "", info, err
	}
	return dir, info, nil
}

// writeBlocks writes one TSDB block per day: grid points (d*P, (d+1)*P]
// of day d (P points a day), plus the counters' zero point in day 0.
func writeBlocks(dir string, f *fleet, logf func(string, ...any)) (dataInfo, error) {
	info := dataInfo{Params: f.p, Containers: len(f.containers)}
	w := newSeriesWriter(f)
	perDay := int(24 * time.Hour / f.p.Step)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for d := range f.p.Days {
		began := time.Now()
		// The head takes samples down to half its chunk range before its
		// newest one; series are appended one after the other, each for
		// the whole day, so the range must be more than twice a day.
		bw, err := tsdb.NewBlockWriter(logger, dir, (96 * time.Hour).Milliseconds())
		if err != nil {
			return info, err
		}
		from, to := d*perDay+1, (d+1)*perDay
		if d == 0 {
			from = 0
		}
		n, err := w.day(bw, from, to)
		if err == nil {
			var id fmt.Stringer
			id, err = bw.Flush(context.Background())
			info.Blocks = append(info.Blocks, id.String())
		}
		if cerr := bw.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return info, fmt.Errorf("day %d: %w", d, err)
		}
		info.Samples += n
		logf("day %d/%d: %d samples in %s", d+1, f.p.Days, n, time.Since(began).Round(time.Millisecond))
	}
	info.Series, info.Pods = w.series, w.pods
	for _, ps := range w.ps {
		for _, cs := range ps.cs {
			if cs.oomSeen { // its last_terminated_reason series exists
				info.Series++
			}
		}
	}
	return info, nil
}

// seriesWriter appends the series of the fleet, carrying the counters'
// running totals from one day to the next.
type seriesWriter struct {
	f      *fleet
	step   float64 // seconds
	ps     []*podSeries
	static []staticSeries
	series int
	pods   int
}

// containerSeries are the series of one container and its running totals.
type containerSeries struct {
	c                                *container
	cpu, mem, reqCPU, reqMem, limCPU labels.Labels
	limMem, restarts, lastTerm, info labels.Labels
	periods, throttled               labels.Labels
	cpuTotal, periodsTotal, thrTotal float64
	restartsTotal                    float64
	oomSeen                          bool
}

// podSeries are a pod's owner and creation series and cAdvisor's pod-level
// cgroup (container="") usage.
type podSeries struct {
	p              *pod
	cs             []*containerSeries
	owner, created labels.Labels
	cpu, mem       labels.Labels
	cpuTotal       float64
}

// staticSeries hold one value for the whole history (workload, HPA and
// node series of kube-state-metrics).
type staticSeries struct {
	l labels.Labels
	v float64
}

const ksmJob, ksmInstance = "kube-state-metrics", "10.0.0.10:8080"

func newSeriesWriter(f *fleet) *seriesWriter {
	w := &seriesWriter{f: f, step: f.p.Step.Seconds()}
	for _, wl := range f.workloads {
		w.addWorkload(wl)
		for _, p := range wl.pods {
			ps := w.addPod(p)
			for _, c := range p.containers {
				ps.cs = append(ps.cs, w.addContainer(c))
			}
		}
	}
	for _, n := range f.nodes {
		w.addStatic(16, "__name__", prometheus.MetricNodeAllocatable, "node", n, "resource", "cpu", "unit", "core")
		w.addStatic(64*workload.GiB, "__name__", prometheus.MetricNodeAllocatable, "node", n, "resource", "memory", "unit", "byte")
		w.addStatic(110, "__name__", prometheus.MetricNodeAllocatable, "node", n, "resource", "pods", "unit", "integer")
	}
	return w
}

func (w *seriesWriter) addStatic(v float64, kv ...string) {
	kv = append(kv, "job", ksmJob, "instance", ksmInstance)
	w.static = append(w.static, staticSeries{l: labels.FromStrings(kv...), v: v})
	w.series++
}

func (w *seriesWriter) addWorkload(wl *wl) {
	app := "label_app"
	switch wl.kind {
	case "Deployment":
		w.addStatic(float64(wl.replicas), "__name__", "kube_deployment_spec_replicas", "namespace", wl.ns, "deployment", wl.name)
		w.addStatic(1, "__name__", "kube_deployment_labels", "namespace", wl.ns, "deployment", wl.name, app, wl.name)
		w.addStatic(float64(wl.replicas), "__name__", "kube_replicaset_spec_replicas", "namespace", wl.ns, "replicaset", wl.rs)
		w.addStatic(1, "__name__", "kube_replicaset_labels", "namespace", wl.ns, "replicaset", wl.rs, app, wl.name,
			"label_pod_template_hash", wl.rs[len(wl.name)+1:])
		w.addStatic(1, "__name__", prometheus.MetricRSOwner, "namespace", wl.ns, "replicaset", wl.rs,
			"owner_kind", "Deployment", "owner_name", wl.name, "owner_is_controller", "true")
	case "StatefulSet":
		w.addStatic(float64(wl.replicas), "__name__", "kube_statefulset_replicas", "namespace", wl.ns, "statefulset", wl.name)
		w.addStatic(1, "__name__", "kube_statefulset_labels", "namespace", wl.ns, "statefulset", wl.name, app, wl.name)
	}
	if wl.hpa {
		hpa := []string{"namespace", wl.ns, "horizontalpodautoscaler", wl.name}
		w.addStatic(1, append([]string{"__name__", prometheus.MetricHPAInfo, "scaletargetref_kind", wl.kind,
			"scaletargetref_name", wl.name, "scaletargetref_api_version", "apps/v1"}, hpa...)...)
		w.addStatic(float64(wl.replicas), append([]string{"__name__", prometheus.MetricHPAMinReplicas}, hpa...)...)
		w.addStatic(float64(3*wl.replicas), append([]string{"__name__", prometheus.MetricHPAMaxReplicas}, hpa...)...)
		w.addStatic(70, append([]string{"__name__", prometheus.MetricHPATarget, "metric_name", "cpu",
			"metric_target_type", "utilization"}, hpa...)...)
	}
}

func (w *seriesWriter) addPod(p *pod) *podSeries {
	kind, owner := p.wl.kind, p.wl.name
	if kind == "Deployment" {
		kind, owner = "ReplicaSet", p.wl.rs
	}
	ksm := func(kv ...string) labels.Labels {
		return labels.FromStrings(append(kv, "job", ksmJob, "instance", ksmInstance, "namespace", p.wl.ns, "pod", p.name, "uid", p.uid)...)
	}
	cadvisor := func(name string) labels.Labels {
		return labels.FromStrings("__name__", name, "container", "", "id", "/kubepods/burstable/pod"+p.uid,
			"instance", p.node, "job", "kubelet", "metrics_path", "/metrics/cadvisor", "namespace", p.wl.ns, "pod", p.name)
	}
	ps := &podSeries{p: p,
		owner:   ksm("__name__", prometheus.MetricPodOwner, "owner_kind", kind, "owner_name", owner, "owner_is_controller", "true"),
		created: ksm("__name__", "kube_pod_created"),
		cpu:     cadvisor(prometheus.MetricCPU),
		mem:     cadvisor(prometheus.MetricMemory),
	}
	w.ps = append(w.ps, ps)
	w.series += 4
	w.pods++
	return ps
}

func (w *seriesWriter) addContainer(c *container) *containerSeries {
	p := c.pod
	cid := "containerd://" + p.uid[:8] + c.name
	ksm := func(kv ...string) labels.Labels {
		return labels.FromStrings(append(kv, "job", ksmJob, "instance", ksmInstance, "namespace", p.wl.ns, "pod", p.name,
			"uid", p.uid, "container", c.name)...)
	}
	cadvisor := func(name string) labels.Labels {
		return labels.FromStrings("__name__", name, "container", c.name, "id", "/kubepods/burstable/pod"+p.uid+"/"+cid[13:],
			"image", c.image, "instance", p.node, "job", "kubelet", "metrics_path", "/metrics/cadvisor",
			"name", cid[13:], "namespace", p.wl.ns, "pod", p.name)
	}
	cs := &containerSeries{c: c,
		cpu:      cadvisor(prometheus.MetricCPU),
		mem:      cadvisor(prometheus.MetricMemory),
		reqCPU:   ksm("__name__", prometheus.MetricRequests, "resource", "cpu", "unit", "core"),
		reqMem:   ksm("__name__", prometheus.MetricRequests, "resource", "memory", "unit", "byte"),
		restarts: ksm("__name__", prometheus.MetricRestarts),
		lastTerm: ksm("__name__", prometheus.MetricLastTerm, "reason", "OOMKilled"),
		info:     ksm("__name__", prometheus.MetricContainerInfo, "image", c.image, "image_spec", c.image, "container_id", cid),
	}
	w.series += 6 // lastTerm counts once the container was OOM-killed
	if c.memLim > 0 {
		cs.limMem = ksm("__name__", prometheus.MetricLimits, "resource", "memory", "unit", "byte")
		w.series++
	}
	if c.cpuLim > 0 {
		cs.limCPU = ksm("__name__", prometheus.MetricLimits, "resource", "cpu", "unit", "core")
		cs.periods = cadvisor(prometheus.MetricPeriods)
		cs.throttled = cadvisor(prometheus.MetricThrottled)
		w.series += 3
	}
	return cs
}

// appender appends to one head, remembering series references for the day.
type appender struct {
	app  storage.Appender
	refs map[*labels.Labels]storage.SeriesRef
	t    []int64 // timestamps of the day's grid points, from k0
	k0   int
	n    int64
}

func (a *appender) add(l *labels.Labels, k int, v float64) error {
	ref, err := a.app.Append(a.refs[l], *l, a.t[k-a.k0], v)
	if err != nil {
		return fmt.Errorf("append %s: %w", l, err)
	}
	a.refs[l] = ref
	a.n++
	return nil
}

// day appends grid points from..to of every series to bw.
func (w *seriesWriter) day(bw *tsdb.BlockWriter, from, to int) (int64, error) {
	a := &appender{refs: map[*labels.Labels]storage.SeriesRef{}, k0: from}
	for k := from; k <= to; k++ {
		a.t = append(a.t, w.f.p.at(k).UnixMilli())
	}
	a.app = bw.Appender(context.Background())
	first := max(from, 1) // gauges have no zero point
	for i, ps := range w.ps {
		if err := w.pod(a, ps, from, first, to); err != nil {
			return a.n, err
		}
		if i%100 == 99 { // bound the uncommitted batch
			if err := a.app.Commit(); err != nil {
				return a.n, err
			}
			a.app = bw.Appender(context.Background())
		}
	}
	for i := range w.static {
		s := &w.static[i]
		for k := first; k <= to; k++ {
			if err := a.add(&s.l, k, s.v); err != nil {
				return a.n, err
			}
		}
	}
	return a.n, a.app.Commit()
}

// pod appends the series of one pod and its containers.
func (w *seriesWriter) pod(a *appender, ps *podSeries, from, first, to int) error {
	n := to - first + 1
	podMem := make([]float64, n)
	podCPU := make([]float64, n)
	for _, cs := range ps.cs {
		if err := w.container(a, cs, from, first, to, podCPU, podMem); err != nil {
			return err
		}
	}
	created := float64(ps.p.created.Unix())
	if from == 0 {
		if err := a.add(&ps.cpu, 0, 0); err != nil {
			return err
		}
	}
	for k := first; k <= to; k++ {
		ps.cpuTotal += podCPU[k-first] * w.step
		for _, x := range []struct {
			l *labels.Labels
			v float64
		}{{&ps.owner, 1}, {&ps.created, created}, {&ps.cpu, ps.cpuTotal}, {&ps.mem, podMem[k-first]}} {
			if err := a.add(x.l, k, x.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// container appends the series of one container and adds its usage to the
// pod's.
func (w *seriesWriter) container(a *appender, cs *containerSeries, from, first, to int, podCPU, podMem []float64) error {
	c := cs.c
	var err error
	add := func(l *labels.Labels, k int, v float64) {
		if err == nil {
			err = a.add(l, k, v)
		}
	}
	if from == 0 {
		add(&cs.cpu, 0, 0)
		add(&cs.restarts, 0, 0)
		if c.cpuLim > 0 {
			add(&cs.periods, 0, 0)
			add(&cs.throttled, 0, 0)
		}
	}
	periods := float64(w.f.p.Step / (100 * time.Millisecond))
	for k := first; k <= to; k++ {
		cpu, thr, mem, oom := c.usage(k)
		podCPU[k-first] += cpu
		podMem[k-first] += mem
		cs.cpuTotal += cpu * w.step
		add(&cs.cpu, k, cs.cpuTotal)
		add(&cs.mem, k, mem)
		add(&cs.reqCPU, k, c.cpuRequest(k))
		add(&cs.reqMem, k, c.memReq)
		add(&cs.info, k, 1)
		if oom {
			cs.restartsTotal++
			cs.oomSeen = true
		}
		add(&cs.restarts, k, cs.restartsTotal)
		if cs.oomSeen {
			add(&cs.lastTerm, k, 1)
		}
		if c.memLim > 0 {
			add(&cs.limMem, k, c.memLim)
		}
		if c.cpuLim > 0 {
			add(&cs.limCPU, k, c.cpuLim)
			cs.periodsTotal += periods
			cs.thrTotal += thr * periods
			add(&cs.periods, k, cs.periodsTotal)
			add(&cs.throttled, k, cs.thrTotal)
		}
	}
	return err
}

func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	return n, err
}
