package prometheus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
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
	// Parallel is how many queries one Samples call has in flight at a time
	// (default DefaultParallel).
	Parallel int
}

// DefaultParallel is the default Config.Parallel: two queries keep a
// Prometheus busy on one core while the reader decodes the previous answer.
const DefaultParallel = 2

// Source reads usage from Prometheus. It counts the queries it issued.
type Source struct {
	cfg     Config
	client  api.Client
	api     v1.API
	http    *http.Client // Samples' own requests, with the client's transport
	results sync.Pool    // of *queryResult, whose buffers outlive a Samples call
	queries atomic.Int64
}

// ErrNoMetrics is returned (wrapped, naming the metrics, window and URL)
// when Prometheus holds no container usage series at all.
var ErrNoMetrics = errors.New("metrics missing")

// New returns a Source for cfg.URL; it does not contact Prometheus.
func New(cfg Config) (*Source, error) {
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
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	rt := transport(cfg.URL, cfg.Parallel)
	c, err := api.NewClient(api.Config{Address: cfg.URL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %q: %w", cfg.URL, err)
	}
	s := &Source{cfg: cfg, client: c, api: v1.NewAPI(c), http: &http.Client{Transport: rt}}
	s.results.New = func() any { return new(queryResult) }
	return s, nil
}

// transport is client_golang's default transport keeping a connection per
// query in flight, without gzip for a Prometheus on a loopback address:
// there, compressing tens of megabytes of JSON per namespace costs the
// server more CPU than the transfer saves.
func transport(rawURL string, parallel int) http.RoundTripper {
	t, ok := api.DefaultRoundTripper.(*http.Transport)
	if !ok {
		return api.DefaultRoundTripper
	}
	t = t.Clone()
	t.MaxIdleConnsPerHost = max(parallel, http.DefaultMaxIdleConnsPerHost)
	if u, err := url.Parse(rawURL); err == nil && loopback(u.Hostname()) {
		t.DisableCompression = true
	}
	return t
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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

// Samples reads q's namespace (or workload, container) with a fixed set of
// queries whatever its number of containers, Config.Parallel at a time
// (docs/formats/prometheus.md lists them): the owners and the series of
// requests, limits and OOM terminations from the series API; CPU and CFS
// rates as range queries; working sets, and the requests and limits of the
// few pods whose values change, as raw points when there is about one per
// step; the other requests and limits as their value at the last step. The
// series of one container are folded as sum by / max by would. A sample is
// produced at every step with a memory value (or, for containers without
// memory series, with a CPU value); the Reader streams them container by
// container, each in time order.
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
	r := newRead(s, q, owners)
	if err := r.run(ctx); err != nil {
		return nil, err
	}
	return r.reader(), nil
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

// owners maps pods to their workload through kube_pod_owner,
// kube_replicaset_owner (ReplicaSets owned by a Deployment) and
// kube_job_owner (Jobs owned by a CronJob), as the inventory does.
type owners struct {
	pods map[string][2]string // ns/pod -> kind, name
	rs   map[string]string    // ns/replicaset -> deployment
	jobs map[string]string    // ns/job -> cronjob
}

func (s *Source) owners(ctx context.Context, ns string, w source.Window) (owners, error) {
	o := owners{pods: map[string][2]string{}, rs: map[string]string{}, jobs: map[string]string{}}
	sel := ""
	if ns != "" {
		sel = fmt.Sprintf(`{namespace=%q}`, ns)
	}
	sets, err := s.series(ctx, []string{MetricPodOwner + sel, MetricRSOwner + sel, MetricJobOwner + sel}, w.Start, w.End)
	if err != nil {
		return o, err
	}
	for _, m := range sets {
		switch m[model.MetricNameLabel] {
		case MetricPodOwner:
			o.pods[string(m["namespace"])+"/"+string(m["pod"])] = [2]string{string(m["owner_kind"]), string(m["owner_name"])}
		case MetricRSOwner:
			if m["owner_kind"] == "Deployment" {
				o.rs[string(m["namespace"])+"/"+string(m["replicaset"])] = string(m["owner_name"])
			}
		case MetricJobOwner:
			if m["owner_kind"] == "CronJob" {
				o.jobs[string(m["namespace"])+"/"+string(m["job_name"])] = string(m["owner_name"])
			}
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
		if c, ok := o.jobs[ns+"/"+k[1]]; ok && k[0] == "Job" {
			r.Kind, r.Workload = "CronJob", c
		}
	}
	return r
}

// nsRead is one Samples call: every series of the query folded, on the step
// grid startMs + k*stepMs (k < n), into one usageColumn per container.
type nsRead struct {
	s              *Source
	q              source.Query
	owners         owners
	sel            string // the label matchers of every query
	rate           time.Duration
	startMs, endMs int64
	stepMs         int64
	n              int

	mu   sync.Mutex
	cols map[[2]string]*usageColumn // pod, container
}

// usageColumn is the history of one container on the grid.
type usageColumn struct {
	ref      workload.ContainerRef
	cpu, mem []float64 // NaN where there is no value
	hasMem   bool      // some working-set series matched
	thr, per []float64 // throttled and elapsed CFS period rates; nil without CFS series
	oom      []bool    // nil without OOM kills
	prov     [4]provValue
}

// Indices into usageColumn.prov.
const (
	provCPURequest = iota
	provCPULimit
	provMemRequest
	provMemLimit
)

// provValue is one request or limit of a container: a constant for the
// whole window, or, when full is set, read at every step (NaN = unknown).
type provValue struct {
	v    float64
	full []float64
}

func newRead(s *Source, q source.Query, o owners) *nsRead {
	r := &nsRead{s: s, q: q, owners: o, rate: q.Step, cols: map[[2]string]*usageColumn{}}
	if s.cfg.RateWindow > 0 {
		r.rate = s.cfg.RateWindow
	}
	r.sel = fmt.Sprintf(`namespace=%q,%s`, q.Namespace, containerSel)
	if q.Container != "" {
		r.sel += fmt.Sprintf(`,container=%q`, q.Container)
	}
	if q.Workload != "" {
		r.sel += fmt.Sprintf(`,pod=~%q`, strings.Join(o.podsOf(q.Namespace, q.Workload), "|"))
	}
	r.stepMs = max(q.Step.Milliseconds(), 1)
	r.startMs = (q.Start.UnixNano() + int64(time.Millisecond) - 1) / int64(time.Millisecond) // the first millisecond in the window
	r.endMs = q.End.UnixMilli()
	if r.endMs >= r.startMs {
		r.n = int((r.endMs-r.startMs)/r.stepMs) + 1
	}
	return r
}

// run issues the queries, Config.Parallel at a time; each worker reuses one
// result buffer.
func (r *nsRead) run(ctx context.Context) error {
	if r.n == 0 {
		return nil
	}
	tasks := []func(context.Context, *queryResult) error{
		r.cpu, r.memory, r.provisioned, r.cfs(MetricThrottled), r.cfs(MetricPeriods), r.oomKills,
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	todo := make(chan func(context.Context, *queryResult) error, len(tasks))
	for _, t := range tasks {
		todo <- t
	}
	close(todo)
	errs := make(chan error, len(tasks))
	var wg sync.WaitGroup
	for range min(r.s.cfg.Parallel, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := r.s.results.Get().(*queryResult)
			defer r.s.results.Put(res)
			for t := range todo {
				if err := t(ctx, res); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when closed and empty
}

// column returns the column of a series' container (nil when the query
// names a workload the series' pod is not part of).
func (r *nsRead) column(m model.Metric) *usageColumn {
	key := [2]string{string(m["pod"]), string(m["container"])}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cols[key]; ok {
		return c
	}
	ref := r.owners.ref(m)
	if r.q.Workload != "" && ref.Workload != r.q.Workload {
		r.cols[key] = nil
		return nil
	}
	c := &usageColumn{ref: ref, cpu: nanSlice(r.n), mem: nanSlice(r.n)}
	r.cols[key] = c
	return c
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// chunks calls fn with the first and last grid index of each span of at
// most MaxPoints steps.
func (r *nsRead) chunks(fn func(k0, k1 int) error) error {
	for k0 := 0; k0 < r.n; k0 += r.s.cfg.MaxPoints {
		if err := fn(k0, min(k0+r.s.cfg.MaxPoints, r.n)-1); err != nil {
			return err
		}
	}
	return nil
}

// rangeQuery evaluates expr at grid points k0..k1 and calls fold for every
// point with its grid index.
func (r *nsRead) rangeQuery(ctx context.Context, res *queryResult, expr string, k0, k1 int, fold func(c *usageColumn, m model.Metric, k int, v float64)) error {
	args := url.Values{"query": {expr}, "start": {msTime(r.startMs + int64(k0)*r.stepMs)},
		"end": {msTime(r.startMs + int64(k1)*r.stepMs)}, "step": {msTime(r.stepMs)}}
	if err := r.s.fetch(ctx, res, "/api/v1/query_range", args, "matrix"); err != nil {
		return err
	}
	r.eachPoint(res, func(c *usageColumn, m model.Metric, t int64, v float64) {
		if d := t - r.startMs; d >= 0 && d%r.stepMs == 0 && int(d/r.stepMs) < r.n {
			fold(c, m, int(d/r.stepMs), v)
		}
	})
	return nil
}

// eachPoint calls fn for every point of every series of res that belongs to
// a container of this read.
func (r *nsRead) eachPoint(res *queryResult, fn func(c *usageColumn, m model.Metric, t int64, v float64)) {
	for _, ss := range res.series {
		c := r.column(ss.metric)
		if c == nil {
			continue
		}
		for _, p := range res.pts[ss.lo:ss.hi] {
			fn(c, ss.metric, p.t, p.v)
		}
	}
}

// instantQuery evaluates expr at the end of the window.
func (r *nsRead) instantQuery(ctx context.Context, res *queryResult, expr, want string) error {
	args := url.Values{"query": {expr}, "time": {msTime(r.startMs + int64(r.n-1)*r.stepMs)}}
	return r.s.fetch(ctx, res, "/api/v1/query", args, want)
}

// whole is a range covering every grid point's window, plus extra.
func (r *nsRead) whole(extra time.Duration) string {
	return promDuration(time.Duration(int64(r.n-1)*r.stepMs)*time.Millisecond + extra)
}

// last is the range of the windows of the last k grid points.
func (r *nsRead) last(k int) string {
	return promDuration(time.Duration(int64(k)*r.stepMs) * time.Millisecond)
}

// span is the time range of every grid point's window, widened by extra.
func (r *nsRead) span(extra time.Duration) (time.Time, time.Time) {
	return time.UnixMilli(r.startMs).Add(-extra), time.UnixMilli(r.startMs + int64(r.n-1)*r.stepMs)
}

// cpu is the sum, per container, of the rate of its CPU counters.
func (r *nsRead) cpu(ctx context.Context, res *queryResult) error {
	expr := fmt.Sprintf(`rate(%s{%s}[%s])`, MetricCPU, r.sel, promDuration(r.rate))
	return r.chunks(func(k0, k1 int) error {
		return r.rangeQuery(ctx, res, expr, k0, k1, func(c *usageColumn, _ model.Metric, k int, v float64) { c.cpu[k] = addNaN(c.cpu[k], v) })
	})
}

// cfs is the sum, per container, of the rate of one CFS period counter.
func (r *nsRead) cfs(metric string) func(context.Context, *queryResult) error {
	return func(ctx context.Context, res *queryResult) error {
		expr := fmt.Sprintf(`rate(%s{%s}[%s])`, metric, r.sel, promDuration(r.rate))
		return r.chunks(func(k0, k1 int) error {
			return r.rangeQuery(ctx, res, expr, k0, k1, func(c *usageColumn, _ model.Metric, k int, v float64) {
				col := &c.thr
				if metric == MetricPeriods {
					col = &c.per
				}
				if *col == nil {
					*col = nanSlice(r.n)
				}
				(*col)[k] = addNaN((*col)[k], v)
			})
		})
	}
}

// memory is the peak working set of each step's window (T-STEP, T], the
// maximum over the container's series.
func (r *nsRead) memory(ctx context.Context, res *queryResult) error {
	return r.peaks(ctx, res, fmt.Sprintf(`%s{%s}`, MetricMemory, r.sel), func(c *usageColumn, _ model.Metric, k int, v float64) {
		c.hasMem = true
		if math.IsNaN(c.mem[k]) || v > c.mem[k] {
			c.mem[k] = v
		}
	})
}

// peaks folds, for every series of sel and grid point T, the largest value
// in (T-STEP, T]. When the series hold at most about one point per step
// (probed over the last hour of steps or, when no series has a point there,
// the whole window), their raw points are read and bucketed here, which
// costs Prometheus a fraction of evaluating max_over_time at every step
// (it seeks every series in every block anew at each step); otherwise
// max_over_time(sel[STEP-1ms]) is evaluated.
func (r *nsRead) peaks(ctx context.Context, res *queryResult, sel string, fold func(c *usageColumn, m model.Metric, k int, v float64)) error {
	probe := min(r.n, 12)
	if err := r.instantQuery(ctx, res, fmt.Sprintf(`max(count_over_time(%s[%s]))`, sel, r.last(probe)), "vector"); err != nil {
		return err
	}
	if len(res.series) == 0 && probe < r.n {
		probe = r.n
		if err := r.instantQuery(ctx, res, fmt.Sprintf(`max(count_over_time(%s[%s]))`, sel, r.last(probe)), "vector"); err != nil {
			return err
		}
	}
	if len(res.series) == 0 {
		return nil // no series
	}
	if dense := res.pts[0].v > 1.5*float64(probe); dense {
		expr := fmt.Sprintf(`max_over_time(%s[%s])`, sel, promDuration(r.q.Step-time.Millisecond))
		return r.chunks(func(k0, k1 int) error { return r.rangeQuery(ctx, res, expr, k0, k1, fold) })
	}
	return r.chunks(func(k0, k1 int) error {
		last := r.startMs + int64(k1)*r.stepMs
		// Points in (first grid point - STEP, last grid point].
		expr := fmt.Sprintf(`%s[%s]`, sel, r.last(k1-k0+1))
		args := url.Values{"query": {expr}, "time": {msTime(last)}}
		if err := r.s.fetch(ctx, res, "/api/v1/query", args, "matrix"); err != nil {
			return err
		}
		r.eachPoint(res, func(c *usageColumn, m model.Metric, t int64, v float64) {
			// The step whose window (T-STEP, T] holds the point.
			if k := ceilDiv(t-r.startMs, r.stepMs); k >= int64(k0) && k <= int64(k1) {
				fold(c, m, int(k), v)
			}
		})
		return nil
	})
}

// provisioned reads the requests and limits of every container. Most never
// change: the series API lists the series (index only), and constants
// sets their value for the whole window. The pods it returns have the peak
// of each step's window read (peaks).
func (r *nsRead) provisioned(ctx context.Context, res *queryResult) error {
	metrics := []string{MetricRequests, MetricLimits}
	sels := []string{fmt.Sprintf(`%s{%s}`, MetricRequests, r.sel), fmt.Sprintf(`%s{%s}`, MetricLimits, r.sel)}
	from, to := r.span(r.q.Step)
	listed, err := r.s.series(ctx, sels, from, to)
	if err != nil || len(listed) == 0 {
		return err
	}
	varying, err := r.constants(ctx, res, sels, listed)
	if err != nil || len(varying) == 0 {
		return err
	}
	for _, metric := range metrics {
		sel := fmt.Sprintf(`%s{%s}`, metric, r.sel+podMatcher(varying))
		err := r.peaks(ctx, res, sel, func(c *usageColumn, m model.Metric, k int, v float64) {
			if j := resourceIndex(m["resource"], metric == MetricLimits); j >= 0 {
				p := &c.prov[j]
				if p.full == nil {
					p.full = nanSlice(r.n)
				}
				if math.IsNaN(p.full[k]) || v > p.full[k] {
					p.full[k] = v
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// constants reads which pods have a request or limit series (of sels,
// listed) that changed in the window, one query, and the values at the
// last step, another. A pod with a series that changed, two series for one
// container and resource (a pod recreated under the same name) or a series
// gone before the last step is returned, to be read at every step; the
// other pods' values hold for the whole window.
func (r *nsRead) constants(ctx context.Context, res *queryResult, sels []string, listed []model.Metric) (map[string]bool, error) {
	expr := fmt.Sprintf(`changes(%s[%s]) > 0 or changes(%s[%s]) > 0`, sels[0], r.whole(r.q.Step), sels[1], r.whole(r.q.Step))
	if err := r.instantQuery(ctx, res, expr, "vector"); err != nil {
		return nil, err
	}
	varying := map[string]bool{}
	for _, ss := range res.series {
		varying[string(ss.metric["pod"])] = true
	}
	expr = fmt.Sprintf(`{__name__=~"%s|%s",%s}`, MetricRequests, MetricLimits, r.sel)
	if err := r.instantQuery(ctx, res, expr, "vector"); err != nil {
		return nil, err
	}
	now := map[model.Fingerprint]bool{} // series with a value at the last step
	for _, ss := range res.series {
		now[ss.metric.Fingerprint()] = true
	}
	type key struct{ metric, pod, container, resource model.LabelValue }
	seen := map[key]bool{}
	for _, m := range listed {
		k := key{m[model.MetricNameLabel], m["pod"], m["container"], m["resource"]}
		if !now[m.Fingerprint()] || seen[k] {
			varying[string(k.pod)] = true
		}
		seen[k] = true
	}
	for _, ss := range res.series {
		if i := provIndex(ss.metric); i >= 0 && !varying[string(ss.metric["pod"])] {
			if c := r.column(ss.metric); c != nil {
				c.prov[i].v = res.pts[ss.lo].v
			}
		}
	}
	return varying, nil
}

// provIndex is where in usageColumn.prov a request or limit series goes
// (-1 for other resources).
func provIndex(m model.Metric) int {
	return resourceIndex(m["resource"], m[model.MetricNameLabel] == MetricLimits)
}

func resourceIndex(resource model.LabelValue, limit bool) int {
	switch resource {
	case "cpu":
		if limit {
			return provCPULimit
		}
		return provCPURequest
	case "memory":
		if limit {
			return provMemLimit
		}
		return provMemRequest
	}
	return -1
}

// oomKills lists the pods with a container whose last termination was an
// OOM kill (series API) and, if any, reads at which steps such a container
// restarted.
func (r *nsRead) oomKills(ctx context.Context, res *queryResult) error {
	from, to := r.span(r.rate)
	listed, err := r.s.series(ctx, []string{fmt.Sprintf(`%s{%s,reason=%q}`, MetricLastTerm, r.sel, reasonOOMKilled)}, from, to)
	if err != nil || len(listed) == 0 {
		return err
	}
	killed := map[string]bool{}
	for _, m := range listed {
		killed[string(m["pod"])] = true
	}
	sel := r.sel + podMatcher(killed)
	expr := fmt.Sprintf(`changes(%s{%s}[%s]) > 0 and on (namespace,pod,container) %s{%s,reason=%q} == 1`,
		MetricRestarts, sel, promDuration(r.rate), MetricLastTerm, sel, reasonOOMKilled)
	return r.chunks(func(k0, k1 int) error {
		return r.rangeQuery(ctx, res, expr, k0, k1, func(c *usageColumn, _ model.Metric, k int, v float64) {
			if v > 0 {
				if c.oom == nil {
					c.oom = make([]bool, r.n)
				}
				c.oom[k] = true
			}
		})
	})
}

// maxPodMatcher is the most pods a query names; a query about more reads
// every pod of the selection instead (a regexp of thousands of names costs
// Prometheus more than the extra series).
const maxPodMatcher = 200

// podMatcher is the matcher `,pod=~"P1|P2|..."` naming exactly the pods
// given, or "" for more than maxPodMatcher pods.
func podMatcher(pods map[string]bool) string {
	if len(pods) > maxPodMatcher {
		return ""
	}
	quoted := make([]string, 0, len(pods))
	for p := range pods {
		quoted = append(quoted, regexp.QuoteMeta(p))
	}
	sort.Strings(quoted)
	return fmt.Sprintf(`,pod=~%q`, strings.Join(quoted, "|"))
}

// addNaN adds v to a NaN-initialized total.
func addNaN(total, v float64) float64 {
	if math.IsNaN(total) {
		return v
	}
	return total + v
}

// ceilDiv is ⌈a/b⌉ for b > 0.
func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a > 0 {
		q++
	}
	return q
}

// msTime renders Unix milliseconds as the seconds the HTTP API takes.
func msTime(ms int64) string {
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	return fmt.Sprintf("%s%d.%03d", sign, ms/1000, ms%1000)
}

// reader streams the columns' samples, container by container in Key
// order, each in time order.
func (r *nsRead) reader() trace.Reader {
	cols := make([]*usageColumn, 0, len(r.cols))
	for _, c := range r.cols {
		if c != nil {
			cols = append(cols, c)
		}
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].ref.Key() < cols[j].ref.Key() })
	return &columnReader{cols: cols, startMs: r.startMs, stepMs: r.stepMs, step: r.q.Step}
}

type columnReader struct {
	cols            []*usageColumn
	i, k            int
	startMs, stepMs int64
	step            time.Duration
}

// Next returns the next sample or io.EOF.
func (cr *columnReader) Next() (workload.Sample, error) {
	for cr.i < len(cr.cols) {
		c := cr.cols[cr.i]
		for cr.k < len(c.cpu) {
			k := cr.k
			cr.k++
			if c.hasMem && !math.IsNaN(c.mem[k]) || !c.hasMem && !math.IsNaN(c.cpu[k]) {
				return c.sample(k, time.UnixMilli(cr.startMs+int64(k)*cr.stepMs).UTC(), cr.step), nil
			}
		}
		cr.cols[cr.i] = nil // done with it
		cr.i, cr.k = cr.i+1, 0
	}
	return workload.Sample{}, io.EOF
}

// Close releases the columns.
func (cr *columnReader) Close() error {
	cr.cols, cr.i = nil, 0
	return nil
}

// sample is the usageColumn at grid index k.
func (c *usageColumn) sample(k int, t time.Time, step time.Duration) workload.Sample {
	s := workload.Sample{Ref: c.ref, Time: t, Interval: step, CPU: c.cpu[k], Memory: c.mem[k], ThrottledFraction: math.NaN()}
	if c.thr != nil && c.per != nil {
		s.ThrottledFraction = c.thr[k] / c.per[k] // NaN where either is missing
	}
	s.OOMKilled = c.oom != nil && c.oom[k]
	var v [4]float64
	for i, p := range c.prov {
		v[i] = p.v
		if p.full != nil {
			v[i] = p.full[k]
			if math.IsNaN(v[i]) {
				v[i] = 0
			}
		}
	}
	s.Provisioned = workload.Resources{CPURequest: v[provCPURequest], CPULimit: v[provCPULimit], MemRequest: v[provMemRequest], MemLimit: v[provMemLimit]}
	return s
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

// series lists the label sets of the series matching any of matches with
// samples in the blocks that overlap [start, end] (the series API reads
// only the index: a series may have no sample in the range itself).
func (s *Source) series(ctx context.Context, matches []string, start, end time.Time) ([]model.Metric, error) {
	var out []model.Metric
	err := s.retry(ctx, strings.Join(matches, " or "), func() error {
		sets, _, err := s.api.Series(ctx, matches, start, end)
		out = out[:0]
		for _, ls := range sets {
			out = append(out, model.Metric(ls))
		}
		return err
	})
	return out, err
}

// fetch posts a query to endpoint and parses the answer into res, which
// must be of result type want ("vector" or "matrix").
func (s *Source) fetch(ctx context.Context, res *queryResult, endpoint string, args url.Values, want string) error {
	return s.retry(ctx, args.Get("query"), func() error {
		body, code, err := s.post(ctx, endpoint, args, &res.body)
		if err != nil {
			return err
		}
		if err := res.parse(body); err != nil {
			var ae *v1.Error
			if errors.As(err, &ae) {
				return err
			}
			return &v1.Error{Type: v1.ErrBadResponse, Msg: err.Error()}
		}
		if code == http.StatusBadRequest || code == http.StatusUnprocessableEntity {
			return &v1.Error{Type: v1.ErrBadResponse, Msg: "inconsistent body for response code"}
		}
		if res.typ != want {
			return fmt.Errorf("unexpected result type %s", res.typ)
		}
		return nil
	})
}

// post sends a form-encoded query (GET when POST is not allowed) and
// returns the body, read into buf, of an answer Prometheus' API shapes: a
// 2xx, 400 or 422. Other codes are errors of type server_error (5xx) or
// client_error (4xx), as in client_golang.
func (s *Source) post(ctx context.Context, endpoint string, args url.Values, buf *bytes.Buffer) ([]byte, int, error) {
	u := s.client.URL(endpoint, nil)
	enc := args.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(enc))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header["Idempotency-Key"] = nil // lets the transport retry it
	code, err := s.do(req, buf)
	if err == nil && (code == http.StatusMethodNotAllowed || code == http.StatusNotImplemented) {
		u.RawQuery = enc
		if req, err = http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil); err != nil {
			return nil, 0, err
		}
		code, err = s.do(req, buf)
	}
	if err != nil {
		return nil, 0, err
	}
	if code/100 != 2 && code != http.StatusBadRequest && code != http.StatusUnprocessableEntity {
		typ, msg := v1.ErrBadResponse, fmt.Sprintf("bad response code %d", code)
		switch code / 100 {
		case 4:
			typ, msg = v1.ErrClient, fmt.Sprintf("client error: %d", code)
		case 5:
			typ, msg = v1.ErrServer, fmt.Sprintf("server error: %d", code)
		}
		return nil, code, &v1.Error{Type: typ, Msg: msg, Detail: buf.String()}
	}
	return buf.Bytes(), code, nil
}

// do sends req and reads the body into buf (reused from query to query).
func (s *Source) do(req *http.Request, buf *bytes.Buffer) (int, error) {
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	_, err = buf.ReadFrom(resp.Body)
	return resp.StatusCode, err
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

// queryResult is a query answer (a vector or a matrix) parsed by a decoder
// specialised for the HTTP API's JSON: labels as model.Metric, points of
// every series in one slice. It is reused from query to query.
type queryResult struct {
	body   bytes.Buffer
	typ    string
	series []resultSeries
	pts    []point
}

// resultSeries is one series of a result: its labels and points pts[lo:hi].
type resultSeries struct {
	metric model.Metric
	lo, hi int
}

// parse reads an API answer: {"status":..., "data":{"resultType":...,
// "result":[...]}, "errorType":..., "error":..., "warnings":[...]}. An
// answer of status "error" is returned as a *v1.Error.
func (res *queryResult) parse(body []byte) error {
	clear(res.series) // drop the previous answer's labels
	res.typ, res.series, res.pts = "", res.series[:0], res.pts[:0]
	d := jsonDecoder{b: body}
	var status, errType, errMsg string
	err := d.object(func(key string) error {
		var err error
		switch key {
		case "status":
			status, err = d.str()
		case "errorType":
			errType, err = d.str()
		case "error":
			errMsg, err = d.str()
		case "data":
			if d.peek() == 'n' {
				return d.skip()
			}
			err = d.object(func(key string) error {
				switch key {
				case "resultType":
					var err error
					res.typ, err = d.str()
					return err
				case "result":
					return res.parseResult(&d)
				}
				return d.skip()
			})
		default:
			err = d.skip()
		}
		return err
	})
	if err != nil {
		return err
	}
	switch status {
	case "success":
		return nil
	case "error":
		return &v1.Error{Type: v1.ErrorType(errType), Msg: errMsg}
	}
	return fmt.Errorf("status %q", status)
}

// parseResult reads the result array of a vector or matrix (anything else
// is skipped: the result type tells the caller).
func (res *queryResult) parseResult(d *jsonDecoder) error {
	if d.peek() != '[' {
		return d.skip()
	}
	open := d.i
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	if d.peek() != '{' { // a scalar or a string
		d.i = open
		return d.skip()
	}
	for {
		ss := resultSeries{lo: len(res.pts)}
		err := d.object(func(key string) error {
			switch key {
			case "metric":
				ss.metric = model.Metric{}
				return d.object(func(name string) error {
					v, err := d.str()
					ss.metric[model.LabelName(name)] = model.LabelValue(v)
					return err
				})
			case "value":
				return res.parsePoint(d)
			case "values":
				return d.array(func() error { return res.parsePoint(d) })
			}
			return d.skip() // histograms
		})
		if err != nil {
			return err
		}
		ss.hi = len(res.pts)
		res.series = append(res.series, ss)
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.errorf("want , or ] after a series")
		}
	}
}

// parsePoint reads [<unix seconds>, "<value>"].
func (res *queryResult) parsePoint(d *jsonDecoder) error {
	if d.peek() != '[' {
		return d.errorf("want [ at a point")
	}
	d.i++
	t, err := d.timestamp()
	if err != nil {
		return err
	}
	if d.peek() != ',' {
		return d.errorf("want , in a point")
	}
	d.i++
	raw, err := d.rawStr()
	if err != nil {
		return err
	}
	v, ok := exactDecimal(raw)
	if !ok {
		var err error
		if v, err = strconv.ParseFloat(string(raw), 64); err != nil {
			return d.errorf("sample value %q: %v", raw, err)
		}
	}
	if d.peek() != ']' {
		return d.errorf("want ] after a point")
	}
	d.i++
	res.pts = append(res.pts, point{t: t, v: v})
	return nil
}

// jsonDecoder walks JSON text; peek skips white space.
type jsonDecoder struct {
	b []byte
	i int
}

func (d *jsonDecoder) errorf(format string, a ...any) error {
	return fmt.Errorf("decode answer at byte %d: %s", d.i, fmt.Sprintf(format, a...))
}

// peek returns the next byte after white space (0 at the end).
func (d *jsonDecoder) peek() byte {
	for d.i < len(d.b) {
		switch c := d.b[d.i]; c {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return c
		}
	}
	return 0
}

// object reads {"key": value, ...}, calling fn to read each value.
func (d *jsonDecoder) object(fn func(key string) error) error {
	if d.peek() != '{' {
		return d.errorf("want {")
	}
	d.i++
	if d.peek() == '}' {
		d.i++
		return nil
	}
	for {
		key, err := d.str()
		if err != nil {
			return err
		}
		if d.peek() != ':' {
			return d.errorf("want :")
		}
		d.i++
		if err := fn(key); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case '}':
			d.i++
			return nil
		default:
			return d.errorf("want , or }")
		}
	}
}

// array reads [value, ...], calling fn to read each value.
func (d *jsonDecoder) array(fn func() error) error {
	if d.peek() != '[' {
		return d.errorf("want [")
	}
	d.i++
	if d.peek() == ']' {
		d.i++
		return nil
	}
	for {
		if err := fn(); err != nil {
			return err
		}
		switch d.peek() {
		case ',':
			d.i++
		case ']':
			d.i++
			return nil
		default:
			return d.errorf("want , or ]")
		}
	}
}

// rawStr returns the bytes of a string without escapes, unquoted.
func (d *jsonDecoder) rawStr() ([]byte, error) {
	if d.peek() != '"' {
		return nil, d.errorf("want a string")
	}
	start := d.i + 1
	n := bytes.IndexByte(d.b[start:], '"')
	if n < 0 {
		return nil, d.errorf("unterminated string")
	}
	raw := d.b[start : start+n]
	if bytes.IndexByte(raw, '\\') >= 0 {
		return nil, d.errorf("escape in a sample value")
	}
	d.i = start + n + 1
	return raw, nil
}

// str reads a string, decoding escapes.
func (d *jsonDecoder) str() (string, error) {
	if d.peek() != '"' {
		return "", d.errorf("want a string")
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		switch d.b[j] {
		case '"':
			d.i = j + 1
			return string(d.b[start:j]), nil
		case '\\':
			return d.escaped(start)
		}
	}
	return "", d.errorf("unterminated string")
}

// escaped decodes a string with escapes starting at d.b[start].
func (d *jsonDecoder) escaped(start int) (string, error) {
	var b strings.Builder
	for j := start; j < len(d.b); j++ {
		c := d.b[j]
		switch {
		case c == '"':
			d.i = j + 1
			return b.String(), nil
		case c != '\\':
			b.WriteByte(c)
			continue
		}
		if j++; j >= len(d.b) {
			break
		}
		switch e := d.b[j]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, n := d.unicode(j + 1)
			if n == 0 {
				d.i = j
				return "", d.errorf("bad \\u escape")
			}
			b.WriteRune(r)
			j += n
		default:
			d.i = j
			return "", d.errorf("bad escape \\%c", e)
		}
	}
	return "", d.errorf("unterminated string")
}

// unicode decodes the four hex digits of a JSON \u escape at d.b[j:] (and,
// for a high surrogate, the \u escape of its low surrogate that follows);
// n is how many bytes it used, 0 when malformed.
func (d *jsonDecoder) unicode(j int) (rune, int) {
	hex := func(j int) (rune, bool) {
		if j+4 > len(d.b) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(d.b[j:j+4]), 16, 16)
		return rune(v), err == nil
	}
	r, ok := hex(j)
	if !ok {
		return 0, 0
	}
	if r >= 0xd800 && r < 0xdc00 && j+10 <= len(d.b) && d.b[j+4] == '\\' && d.b[j+5] == 'u' {
		if lo, ok := hex(j + 6); ok && lo >= 0xdc00 && lo < 0xe000 {
			return (r-0xd800)<<10 + (lo - 0xdc00) + 0x10000, 10
		}
	}
	return r, 4
}

// pow10 are the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
	1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// exactDecimal parses [-]digits[.digits] with at most 15 significant
// digits and 22 decimals: the digits and the power of ten are exact
// float64s, so one division rounds correctly and gives what
// strconv.ParseFloat gives. ok is false for anything else.
func exactDecimal(b []byte) (v float64, ok bool) {
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	var m uint64
	digits, decimals, dot := 0, 0, false
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			if m > 0 || c != '0' {
				if digits++; digits > 15 {
					return 0, false
				}
			}
			m = m*10 + uint64(c-'0')
			if dot {
				decimals++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, false
		}
	}
	if len(b) == 0 || decimals >= len(pow10) || dot && len(b) == 1 {
		return 0, false
	}
	v = float64(m) / pow10[decimals]
	if neg {
		v = -v
	}
	return v, true
}

// timestamp reads a JSON number of Unix seconds as Unix milliseconds.
func (d *jsonDecoder) timestamp() (int64, error) {
	d.peek()
	start := d.i
	// Fast path: digits, then at most three decimals.
	var ms int64
	j, b := d.i, d.b
	for ; j < len(b) && b[j] >= '0' && b[j] <= '9'; j++ {
		ms = ms*10 + int64(b[j]-'0')
	}
	frac := 0
	if j < len(b) && b[j] == '.' && j > start {
		for j++; j < len(b) && b[j] >= '0' && b[j] <= '9' && frac < 3; j++ {
			ms = ms*10 + int64(b[j]-'0')
			frac++
		}
	}
	if j > start && j < len(b) && (b[j] == ',' || b[j] == ']' || b[j] == ' ' || b[j] == '\n' || b[j] == '\t' || b[j] == '\r') {
		d.i = j
		for ; frac < 3; frac++ {
			ms *= 10
		}
		return ms, nil
	}
	for j = start; j < len(b); j++ {
		if c := b[j]; (c < '0' || c > '9') && c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E' {
			break
		}
	}
	tok := b[start:j]
	d.i = j
	f, err := strconv.ParseFloat(string(tok), 64)
	if err != nil {
		return 0, d.errorf("timestamp %q: %v", tok, err)
	}
	return int64(math.Round(f * 1000)), nil
}

// skip reads any value.
func (d *jsonDecoder) skip() error {
	switch c := d.peek(); {
	case c == '{':
		return d.object(func(string) error { return d.skip() })
	case c == '[':
		return d.array(d.skip)
	case c == '"':
		_, err := d.str()
		return err
	case c == 0:
		return d.errorf("unexpected end")
	default:
		start := d.i
		for d.i < len(d.b) && strings.IndexByte(",}] \t\n\r", d.b[d.i]) < 0 {
			d.i++
		}
		if d.i == start {
			return d.errorf("unexpected %q", c)
		}
		return nil
	}
}
