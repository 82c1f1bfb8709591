package prometheus

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// Config configures a Source. Zero fields take the documented defaults.
type Config struct {
	URL string // Prometheus base URL, e.g. http://127.0.0.1:9090
	// RateWindow is the range of rate(container_cpu_usage_seconds_total[...])
	// (default: the query step).
	RateWindow time.Duration
	// MaxPoints bounds the points per series of one range query; longer
	// ranges are split (default 11000, Prometheus refuses more).
	MaxPoints int
	// Retries is how many times a transient failure is retried (default 3),
	// waiting Backoff, then twice as long each time (default 200ms).
	Retries int
	Backoff time.Duration
	// Lookback is the window Containers uses when its Start is zero
	// (default 14 days).
	Lookback time.Duration
}

// Source reads usage from Prometheus. It counts the queries it issued.
type Source struct {
	cfg     Config
	api     v1.API
	queries atomic.Int64
}

// ErrNoMetrics is returned (wrapped, naming the metrics, window and URL)
// when Prometheus holds no container usage series at all.
var ErrNoMetrics = errors.New("metrics missing")

// New returns a Source for cfg.URL; it does not contact Prometheus.
func New(cfg Config) (*Source, error) {
	c, err := api.NewClient(api.Config{Address: cfg.URL})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %q: %w", cfg.URL, err)
	}
	if cfg.MaxPoints <= 0 {
		cfg.MaxPoints = 11000
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 3
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.Lookback <= 0 {
		cfg.Lookback = 14 * 24 * time.Hour
	}
	return &Source{cfg: cfg, api: v1.NewAPI(c)}, nil
}

// Queries is the number of PromQL queries issued so far (retries excluded).
func (s *Source) Queries() int { return int(s.queries.Load()) }

const containerSel = `container!="",container!="POD"`

// Containers lists the containers with a CPU or memory series in w.
func (s *Source) Containers(ctx context.Context, w source.Window) ([]workload.ContainerRef, error) {
	w = s.window(w)
	rng := promDuration(w.End.Sub(w.Start))
	owners, err := s.owners(ctx, "", w)
	if err != nil {
		return nil, err
	}
	var refs []workload.ContainerRef
	for _, m := range []string{MetricCPU, MetricMemory} {
		v, err := s.instant(ctx, fmt.Sprintf(`max by (namespace,pod,container) (max_over_time(%s{%s}[%s]))`, m, containerSel, rng), w.End)
		if err != nil {
			return nil, err
		}
		for _, x := range v {
			refs = append(refs, owners.ref(x.Metric))
		}
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("prometheus at %s: no %s or %s series between %s and %s: %w",
			s.cfg.URL, MetricCPU, MetricMemory, w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339), ErrNoMetrics)
	}
	return source.SortRefs(refs), nil
}

func (s *Source) window(w source.Window) source.Window {
	if w.End.IsZero() {
		w.End = time.Now()
	}
	if w.Start.IsZero() {
		w.Start = w.End.Add(-s.cfg.Lookback)
	}
	return w
}

// Samples queries q's namespace once per metric (per chunk of at most
// MaxPoints steps), grouped by pod and container, and keeps the pods owned
// by q.Workload. A sample is produced at every step with a memory value (or,
// for containers without memory series, with a CPU value).
func (s *Source) Samples(ctx context.Context, q source.Query) (trace.Reader, error) {
	if q.Namespace == "" {
		return nil, fmt.Errorf("prometheus at %s: query needs a namespace", s.cfg.URL)
	}
	if q.Step <= 0 {
		q.Step = 5 * time.Minute
	}
	q.Window = s.window(q.Window)
	owners, err := s.owners(ctx, q.Namespace, q.Window)
	if err != nil {
		return nil, err
	}
	exprs := s.sampleQueries(q, owners)
	b := newBuilder(q, owners)
	span := time.Duration(s.cfg.MaxPoints-1) * q.Step
	for from := q.Start; !from.After(q.End); from = from.Add(span + q.Step) {
		to := from.Add(span)
		if to.After(q.End) {
			to = q.End
		}
		for i, e := range exprs {
			m, err := s.rangeQuery(ctx, e, v1.Range{Start: from, End: to, Step: q.Step})
			if err != nil {
				return nil, err
			}
			b.add(i, m)
		}
	}
	return source.NewSliceReader(b.samples()), nil
}

// sampleQueries are the range queries of Samples, in builder.add's order:
// CPU, memory, requests, limits, OOM kills, throttled fraction. A query
// naming a workload selects its pods by name.
func (s *Source) sampleQueries(q source.Query, o owners) []string {
	sel := fmt.Sprintf(`namespace=%q,%s`, q.Namespace, containerSel)
	if q.Container != "" {
		sel += fmt.Sprintf(`,container=%q`, q.Container)
	}
	if q.Workload != "" {
		sel += fmt.Sprintf(`,pod=~%q`, strings.Join(o.podsOf(q.Namespace, q.Workload), "|"))
	}
	rate := q.Step
	if s.cfg.RateWindow > 0 {
		rate = s.cfg.RateWindow
	}
	rw, mw := promDuration(rate), promDuration(q.Step-time.Millisecond)
	return []string{
		fmt.Sprintf(`sum by (namespace,pod,container) (rate(%s{%s}[%s]))`, MetricCPU, sel, rw),
		fmt.Sprintf(`max by (namespace,pod,container) (max_over_time(%s{%s}[%s]))`, MetricMemory, sel, mw),
		fmt.Sprintf(`max by (namespace,pod,container,resource) (max_over_time(%s{%s}[%s]))`, MetricRequests, sel, mw),
		fmt.Sprintf(`max by (namespace,pod,container,resource) (max_over_time(%s{%s}[%s]))`, MetricLimits, sel, mw),
		fmt.Sprintf(`max by (namespace,pod,container) (changes(%s{%s}[%s]) > 0 and on (namespace,pod,container) %s{%s,reason=%q} == 1)`,
			MetricRestarts, sel, rw, MetricLastTerm, sel, reasonOOMKilled),
		fmt.Sprintf(`sum by (namespace,pod,container) (rate(%s{%s}[%s])) / sum by (namespace,pod,container) (rate(%s{%s}[%s]))`,
			MetricThrottled, sel, rw, MetricPeriods, sel, rw),
	}
}

// podsOf returns the quoted (regexp) names of the pods of workload wl in
// namespace ns, or wl itself when no owned pod matches (a pod without an
// owner is its own workload).
func (o owners) podsOf(ns, wl string) []string {
	var pods []string
	for key := range o.pods {
		pod := strings.TrimPrefix(key, ns+"/")
		if pod != key && o.ref(model.Metric{"namespace": model.LabelValue(ns), "pod": model.LabelValue(pod)}).Workload == wl {
			pods = append(pods, regexp.QuoteMeta(pod))
		}
	}
	if len(pods) == 0 {
		return []string{regexp.QuoteMeta(wl)}
	}
	sort.Strings(pods)
	return pods
}

// owners maps pods to their workload through kube_pod_owner and
// kube_replicaset_owner (ReplicaSets owned by a Deployment).
type owners struct {
	pods map[string][2]string // ns/pod -> kind, name
	rs   map[string]string    // ns/replicaset -> deployment
}

func (s *Source) owners(ctx context.Context, ns string, w source.Window) (owners, error) {
	o := owners{pods: map[string][2]string{}, rs: map[string]string{}}
	sel := ""
	if ns != "" {
		sel = fmt.Sprintf(`{namespace=%q}`, ns)
	}
	rng := promDuration(w.End.Sub(w.Start))
	v, err := s.instant(ctx, fmt.Sprintf(`max by (namespace,pod,owner_kind,owner_name) (max_over_time(%s%s[%s]))`, MetricPodOwner, sel, rng), w.End)
	if err != nil {
		return o, err
	}
	for _, x := range v {
		m := x.Metric
		o.pods[string(m["namespace"])+"/"+string(m["pod"])] = [2]string{string(m["owner_kind"]), string(m["owner_name"])}
	}
	v, err = s.instant(ctx, fmt.Sprintf(`max by (namespace,replicaset,owner_kind,owner_name) (max_over_time(%s%s[%s]))`, MetricRSOwner, sel, rng), w.End)
	if err != nil {
		return o, err
	}
	for _, x := range v {
		if m := x.Metric; m["owner_kind"] == "Deployment" {
			o.rs[string(m["namespace"])+"/"+string(m["replicaset"])] = string(m["owner_name"])
		}
	}
	return o, nil
}

// ref names the container of a series; a pod without an owner series is
// its own workload (kind "Pod").
func (o owners) ref(m model.Metric) workload.ContainerRef {
	ns, pod := string(m["namespace"]), string(m["pod"])
	r := workload.ContainerRef{Namespace: ns, Kind: "Pod", Workload: pod, Pod: pod, Container: string(m["container"])}
	if k, ok := o.pods[ns+"/"+pod]; ok {
		r.Kind, r.Workload = k[0], k[1]
		if d, ok := o.rs[ns+"/"+k[1]]; ok && k[0] == "ReplicaSet" {
			r.Kind, r.Workload = "Deployment", d
		}
	}
	return r
}

// builder assembles range-query results into samples.
type builder struct {
	q      source.Query
	owners owners
	byRef  map[workload.ContainerRef]map[int64]*workload.Sample
	hasMem map[workload.ContainerRef]bool
}

func newBuilder(q source.Query, o owners) *builder {
	return &builder{q: q, owners: o, byRef: map[workload.ContainerRef]map[int64]*workload.Sample{}, hasMem: map[workload.ContainerRef]bool{}}
}

// add folds the result of exprs[i] (cpu, memory, requests, limits, oom,
// throttled fraction).
func (b *builder) add(i int, m model.Matrix) {
	for _, ss := range m {
		ref := b.owners.ref(ss.Metric)
		if b.q.Workload != "" && ref.Workload != b.q.Workload {
			continue
		}
		if i == 1 {
			b.hasMem[ref] = true
		}
		for _, p := range ss.Values {
			x := b.at(ref, p.Timestamp.Time())
			v := float64(p.Value)
			res := ss.Metric["resource"]
			switch {
			case i == 0:
				x.CPU = v
			case i == 1:
				x.Memory = v
			case i == 2 && res == "cpu":
				x.Provisioned.CPURequest = v
			case i == 2 && res == "memory":
				x.Provisioned.MemRequest = v
			case i == 3 && res == "cpu":
				x.Provisioned.CPULimit = v
			case i == 3 && res == "memory":
				x.Provisioned.MemLimit = v
			case i == 4:
				x.OOMKilled = v > 0
			case i == 5 && !math.IsNaN(v):
				x.ThrottledFraction = v
			}
		}
	}
}

func (b *builder) at(ref workload.ContainerRef, t time.Time) *workload.Sample {
	m := b.byRef[ref]
	if m == nil {
		m = map[int64]*workload.Sample{}
		b.byRef[ref] = m
	}
	x := m[t.UnixMilli()]
	if x == nil {
		x = &workload.Sample{Ref: ref, Time: t.UTC(), Interval: b.q.Step, CPU: math.NaN(), Memory: math.NaN(), ThrottledFraction: math.NaN()}
		m[t.UnixMilli()] = x
	}
	return x
}

func (b *builder) samples() []workload.Sample {
	var out []workload.Sample
	for ref, m := range b.byRef {
		for _, x := range m {
			if b.hasMem[ref] && x.HasMemory() || !b.hasMem[ref] && x.HasCPU() {
				out = append(out, *x)
			}
		}
	}
	source.SortSamples(out)
	return out
}

func (s *Source) instant(ctx context.Context, expr string, at time.Time) (model.Vector, error) {
	var v model.Vector
	err := s.retry(ctx, expr, func() error {
		r, _, err := s.api.Query(ctx, expr, at)
		if err == nil {
			var ok bool
			if v, ok = r.(model.Vector); !ok {
				return fmt.Errorf("unexpected result type %s", r.Type())
			}
		}
		return err
	})
	return v, err
}

func (s *Source) rangeQuery(ctx context.Context, expr string, r v1.Range) (model.Matrix, error) {
	var m model.Matrix
	err := s.retry(ctx, expr, func() error {
		res, _, err := s.api.QueryRange(ctx, expr, r)
		if err == nil {
			var ok bool
			if m, ok = res.(model.Matrix); !ok {
				return fmt.Errorf("unexpected result type %s", res.Type())
			}
		}
		return err
	})
	return m, err
}

// retry runs call, retrying transient failures with exponential backoff.
func (s *Source) retry(ctx context.Context, expr string, call func() error) error {
	s.queries.Add(1)
	wait := s.cfg.Backoff
	var err error
	for attempt := 0; ; attempt++ {
		if err = call(); err == nil || !transient(err) || attempt >= s.cfg.Retries {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait *= 2
	}
	if err == nil {
		return nil
	}
	if unreachable(err) {
		return fmt.Errorf("prometheus at %s unreachable (after %d retries): %w: %w", s.cfg.URL, s.cfg.Retries, source.ErrUnreachable, err)
	}
	return fmt.Errorf("prometheus at %s: query %s: %w", s.cfg.URL, expr, err)
}

func transient(err error) bool {
	var ae *v1.Error
	if errors.As(err, &ae) {
		return ae.Type == v1.ErrServer || ae.Type == v1.ErrTimeout
	}
	return unreachable(err)
}

func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue)
}

// promDuration renders d as a PromQL duration in milliseconds.
func promDuration(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms"
}
