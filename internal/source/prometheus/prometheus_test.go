package prometheus_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/prometheus"
	"tailor.dev/tailor/internal/source/sourcetest"
	"tailor.dev/tailor/internal/workload"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, samples []workload.Sample) source.Source {
		s, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, samples)})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestUnreachable(t *testing.T) {
	addr := freeAddr(t) // nothing listens there now
	s, err := prometheus.New(prometheus.Config{URL: "http://" + addr, Retries: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Containers(context.Background(), source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)})
	if err == nil || !strings.Contains(err.Error(), "http://"+addr) || !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error = %v, want one naming %s as unreachable", err, addr)
	}
}

func TestMissingMetrics(t *testing.T) {
	url := startPrometheus(t, nil)
	s, err := prometheus.New(prometheus.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Containers(context.Background(), source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)})
	if !errors.Is(err, prometheus.ErrNoMetrics) || !strings.Contains(err.Error(), prometheus.MetricMemory) ||
		!strings.Contains(err.Error(), url) {
		t.Errorf("error = %v, want ErrNoMetrics naming %s and %s", err, prometheus.MetricMemory, url)
	}
}

// TestConformanceChunked splits every range query into chunks of 5 steps.
func TestConformanceChunked(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, samples []workload.Sample) source.Source {
		s, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, samples), MaxPoints: 5})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestRetriesTransientErrors(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		if calls <= 2 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	}))
	defer srv.Close()
	s, err := prometheus.New(prometheus.Config{URL: srv.URL, Retries: 3, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Samples(context.Background(), source.Query{Namespace: "shop", Step: time.Minute,
		Window: source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)}})
	if err == nil {
		r.Close()
	}
	// The owners (series API) ask for a list of label sets and get a
	// matrix: that error is not transient, so it surfaces after the two
	// 503s were retried.
	if calls != 3 || err == nil || !strings.Contains(err.Error(), srv.URL) || !strings.Contains(err.Error(), "decode") {
		t.Errorf("%d calls, error %v; want 3 calls (2 retried 503s) then the decoding error", calls, err)
	}
}

// grid returns n samples of one container every step from start, with the
// given provisioned values per sample.
func grid(ref workload.ContainerRef, start time.Time, step time.Duration, n int, prov func(i int) workload.Resources) []workload.Sample {
	out := make([]workload.Sample, n)
	for i := range out {
		out[i] = workload.Sample{Ref: ref, Time: start.Add(time.Duration(i) * step), Interval: step,
			CPU: 0.1 + 0.01*float64(i%7), Memory: float64(100<<20 + (i%5)<<20), Provisioned: prov(i), ThrottledFraction: math.NaN()}
	}
	return out
}

// TestSamplesChangingRequests checks the requests and limits of a pod
// whose values change in the window (read at every step) next to a pod
// whose values do not (read once), and that the number of queries of a
// namespace does not grow with its containers.
func TestSamplesChangingRequests(t *testing.T) {
	const n = 24
	step := sourcetest.Step
	start := sourcetest.Start
	ref := func(ns, pod, ctr string) workload.ContainerRef {
		return workload.ContainerRef{Namespace: ns, Kind: "StatefulSet", Workload: "db", Pod: pod, Container: ctr}
	}
	constant := func(int) workload.Resources {
		return workload.Resources{CPURequest: 0.5, MemRequest: 256 << 20, MemLimit: 256 << 20}
	}
	resized := func(i int) workload.Resources {
		r := workload.Resources{CPURequest: 0.5, CPULimit: 1, MemRequest: 256 << 20, MemLimit: 512 << 20}
		if i >= 10 {
			r.CPURequest = 0.75
		}
		if i >= 16 {
			r.MemLimit, r.CPULimit = 768<<20, 0 // the CPU limit is removed
		}
		return r
	}
	var all []workload.Sample
	all = append(all, grid(ref("small", "db-0", "postgres"), start, step, n, resized)...)
	all = append(all, grid(ref("small", "db-1", "postgres"), start, step, n, constant)...)
	var big []workload.Sample
	for i := range 40 {
		big = append(big, grid(ref("big", fmt.Sprintf("db-%d", i), "postgres"), start, step, n, constant)...)
		big = append(big, grid(ref("big", fmt.Sprintf("db-%d", i), "exporter"), start, step, n, constant)...)
	}
	s, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, append(all, big...))})
	if err != nil {
		t.Fatal(err)
	}
	queries := map[string]int{}
	for ns, want := range map[string][]workload.Sample{"small": all, "big": big} {
		before := s.Queries()
		r, err := s.Samples(context.Background(), source.Query{Namespace: ns, Step: step,
			Window: source.Window{Start: start, End: start.Add((n - 1) * step)}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := source.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		queries[ns] = s.Queries() - before
		if len(got) != len(want) {
			t.Fatalf("%s: %d samples, want %d", ns, len(got), len(want))
		}
		source.SortSamples(want)
		for i, g := range got {
			w := want[i]
			if g.Ref != w.Ref || !g.Time.Equal(w.Time) || g.Provisioned != w.Provisioned || g.Memory != w.Memory ||
				math.Abs(g.CPU-w.CPU) > 1e-9*w.CPU {
				t.Errorf("%s sample %d:\n got %+v\nwant %+v", ns, i, g, w)
			}
		}
	}
	// small: the fixed set plus one every-step query each for requests and
	// limits (db-0 changes); big: the fixed set for 80 containers.
	t.Logf("queries: %v", queries)
	if queries["big"] > queries["small"] || queries["small"] > 14 {
		t.Errorf("queries per namespace %v: want at most 14, and no more for 80 containers than for 2", queries)
	}
}

// TestSamplesOffGrid reads working sets whose points are not on the query
// grid: each step T gets the peak of the points in (T-STEP, T], whether
// Prometheus holds about one point per step (the raw points are bucketed
// by the reader) or more (max_over_time is evaluated).
func TestSamplesOffGrid(t *testing.T) {
	ref := workload.ContainerRef{Namespace: "shop", Kind: "Deployment", Workload: "web", Pod: "web-a", Container: "app"}
	const n = 36
	start := sourcetest.Start
	prov := func(int) workload.Resources { return workload.Resources{CPURequest: 0.5, MemRequest: 256 << 20} }
	points := grid(ref, start.Add(150*time.Second), sourcetest.Step, n, prov) // 2m30s after each grid point
	for i := range points {
		points[i].Memory = float64((100 + 7*i%23) << 20)
	}
	s, err := prometheus.New(prometheus.Config{URL: startPrometheus(t, points)})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []time.Duration{sourcetest.Step, 2 * sourcetest.Step, 3 * sourcetest.Step} {
		w := source.Window{Start: start.Add(step), End: start.Add(n * sourcetest.Step)}
		r, err := s.Samples(context.Background(), source.Query{Namespace: "shop", Step: step, Window: w})
		if err != nil {
			t.Fatal(err)
		}
		got, err := source.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		var want []float64
		for at := w.Start; !at.After(w.End); at = at.Add(step) {
			peak := math.NaN()
			for _, p := range points {
				if p.Time.After(at.Add(-step)) && !p.Time.After(at) && !(p.Memory <= peak) {
					peak = p.Memory
				}
			}
			if !math.IsNaN(peak) {
				want = append(want, peak)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("step %s: %d samples, want %d", step, len(got), len(want))
		}
		for i, g := range got {
			if g.Memory != want[i] || g.Provisioned != prov(0) || !g.Time.Equal(w.Start.Add(time.Duration(i)*step)) {
				t.Errorf("step %s, sample %d at %s: memory %g, provisioned %+v; want %g at %s, %+v", step, i, g.Time, g.Memory,
					g.Provisioned, want[i], w.Start.Add(time.Duration(i)*step), prov(0))
			}
		}
	}
}

// fakeAPI answers the queries of one Samples call from canned JSON bodies,
// chosen by the first key contained in the query; it counts calls per key.
type fakeAPI struct {
	answers map[string]fakeAnswer
	mu      sync.Mutex
	calls   map[string]int
}

type fakeAnswer struct {
	code int
	body string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form.Get("query") + strings.Join(r.Form["match[]"], " ")
	keys := make([]string, 0, len(f.answers))
	for k := range f.answers {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) }) // most specific first
	for _, k := range keys {
		if strings.Contains(q, k) {
			f.mu.Lock()
			f.calls[k]++
			f.mu.Unlock()
			a := f.answers[k]
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(a.code)
			fmt.Fprint(w, a.body)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "series"):
		fmt.Fprint(w, `{"status":"success","data":[]}`)
	case strings.HasSuffix(r.URL.Path, "query_range"):
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[]}}`)
	default:
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	}
}

func newFake(t testing.TB, answers map[string]fakeAnswer) (*fakeAPI, *prometheus.Source) {
	t.Helper()
	f := &fakeAPI{answers: answers, calls: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	s, err := prometheus.New(prometheus.Config{URL: srv.URL, Retries: 2, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return f, s
}

// TestDecodesAnswers feeds answers written the way other Prometheus API
// implementations may write them: escaped label values, keys in another
// order, extra keys, white space, timestamps with decimals or exponents,
// and special sample values.
func TestDecodesAnswers(t *testing.T) {
	const t0 = 1557568800 // sourcetest.Start
	f, s := newFake(t, map[string]fakeAnswer{
		prometheus.MetricPodOwner: {200, `{"status":"success","data":[
			{"__name__":"kube_pod_owner","namespace":"shop","pod":"web-\"a\"\\é","owner_kind":"StatefulSet","owner_name":"web"}]}`},
		"max(count_over_time(" + prometheus.MetricMemory: {200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1557569400,"3"]}]}}`},
		prometheus.MetricMemory: {200, ` { "data" : { "result" : [ { "values" : [ [ 1557568800 , "1e3" ] , [1557569100.000,"2000"],
			[1.5575694e9,"+Inf"] ], "metric" : { "pod" : "web-\"a\"\\\u00e9", "container" : "app", "namespace" : "shop", "id": "/x\/y" } } ],
			"resultType" : "matrix" }, "status" : "success", "warnings" : ["partial"], "infos": [] } `},
		prometheus.MetricCPU: {200, `{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"namespace":"shop","pod":"web-\"a\"\\é","container":"app","image":"a"},"values":[[1557568800,"0.5"],[1557569100.5,"9"],[1557569400,"NaN"]]},
			{"metric":{"namespace":"shop","pod":"web-\"a\"\\é","container":"app","image":"b"},"values":[[1557568800,"0.25"],[1557569400,"1"]]}]}}`},
		prometheus.MetricRequests + `{namespace="shop",container!="",container!="POD"} ` + prometheus.MetricLimits: {200, `{"status":"success","data":[
			{"__name__":"kube_pod_container_resource_requests","namespace":"shop","pod":"web-\"a\"\\é","container":"app","resource":"cpu"},
			{"__name__":"kube_pod_container_resource_requests","namespace":"shop","pod":"web-\"a\"\\é","container":"app","resource":"memory"},
			{"__name__":"kube_pod_container_resource_requests","namespace":"shop","pod":"web-\"a\"\\é","container":"app","resource":"nvidia_com_gpu"}]}`},
		`{__name__=~"` + prometheus.MetricRequests: {200, `{"status":"success","data":{"resultType":"vector","result":[
			{"metric":{"__name__":"kube_pod_container_resource_requests","namespace":"shop","pod":"web-\"a\"\\é","container":"app","resource":"cpu"},"value":[1557569400,"0.25"]},
			{"metric":{"__name__":"kube_pod_container_resource_requests","namespace":"shop","pod":"web-\"a\"\\é","container":"app","resource":"memory"},"value":[1557569400,"268435456"]},
			{"metric":{"__name__":"kube_pod_container_resource_requests","namespace":"shop","pod":"web-\"a\"\\é","container":"app","resource":"nvidia_com_gpu"},"value":[1557569400,"1"]}]}}`},
	})
	w := source.Window{Start: time.Unix(t0, 0), End: time.Unix(t0+600, 0)}
	r, err := s.Samples(context.Background(), source.Query{Namespace: "shop", Step: 5 * time.Minute, Window: w})
	if err != nil {
		t.Fatal(err)
	}
	got, err := source.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	ref := workload.ContainerRef{Namespace: "shop", Kind: "StatefulSet", Workload: "web", Pod: `web-"a"\é`, Container: "app"}
	prov := workload.Resources{CPURequest: 0.25, MemRequest: 256 << 20}
	want := []workload.Sample{
		{Ref: ref, Time: time.Unix(t0, 0).UTC(), Interval: 5 * time.Minute, CPU: 0.75, Memory: 1000, Provisioned: prov},
		{Ref: ref, Time: time.Unix(t0+300, 0).UTC(), Interval: 5 * time.Minute, CPU: math.NaN(), Memory: 2000, Provisioned: prov},
		{Ref: ref, Time: time.Unix(t0+600, 0).UTC(), Interval: 5 * time.Minute, CPU: 1, Memory: math.Inf(1), Provisioned: prov},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d samples %+v, want %d", len(got), got, len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Ref != w.Ref || !g.Time.Equal(w.Time) || g.Interval != w.Interval || g.Memory != w.Memory ||
			g.Provisioned != w.Provisioned || math.IsNaN(g.CPU) != math.IsNaN(w.CPU) || !math.IsNaN(w.CPU) && g.CPU != w.CPU ||
			!math.IsNaN(g.ThrottledFraction) || g.OOMKilled {
			t.Errorf("sample %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	// The CPU point at 1557569100.5 is off the grid and dropped; a NaN
	// point counts as no point in the sum of a container's series.
	if f.calls[prometheus.MetricMemory] != 1 || f.calls["max(count_over_time("+prometheus.MetricMemory] != 1 {
		t.Errorf("calls %v: want one memory probe and one raw read", f.calls)
	}
}

// TestAnswerErrors checks that an answer of status "error" is reported
// with its message and retried only when Prometheus was unavailable.
func TestAnswerErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		code  int
		calls int
	}{{"bad query", 422, 1}, {"overloaded", 503, 3}} {
		t.Run(c.name, func(t *testing.T) {
			f, s := newFake(t, map[string]fakeAnswer{
				prometheus.MetricCPU: {c.code, `{"status":"error","errorType":"execution","error":"` + c.name + `"}`},
			})
			_, err := s.Samples(context.Background(), source.Query{Namespace: "shop", Step: time.Minute,
				Window: source.Window{Start: sourcetest.Start, End: sourcetest.Start.Add(time.Hour)}})
			if err == nil || !strings.Contains(err.Error(), prometheus.MetricCPU) || f.calls[prometheus.MetricCPU] != c.calls ||
				c.code == 422 && !strings.Contains(err.Error(), c.name) {
				t.Errorf("error %v after %d calls; want one naming the query (and %q) after %d calls", err, f.calls[prometheus.MetricCPU], c.name, c.calls)
			}
		})
	}
}

// matrixAnswer is a query_range answer of n series of one container each
// in namespace shop, with points every 300 s from t0, valued like CPU
// rates (up to 17 significant digits).
func matrixAnswer(series, points int, t0 int64) string {
	var b strings.Builder
	b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
	x := uint64(12345)
	for i := range series {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"metric":{"container":"app","id":"/kubepods/pod%d","image":"registry/app:1.2","instance":"node-%d","job":"kubelet","namespace":"shop","pod":"web-%d"},"values":[`, i, i%50, i)
		for j := range points {
			if j > 0 {
				b.WriteByte(',')
			}
			x = x*6364136223846793005 + 1442695040888963407
			fmt.Fprintf(&b, `[%d,"%s"]`, t0+300*int64(j), strconv.FormatFloat(float64(x>>11)/(1<<53), 'f', -1, 64))
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}}`)
	return b.String()
}

// BenchmarkAnswerDecoding reads a namespace whose CPU answer holds 100
// series of 4,033 points (14 days of 5-minute steps, 14 MB of JSON):
// "samples" through Samples (decoding, folding into columns and streaming
// the samples), "client_golang" the same answer through client_golang's
// v1 API into a model.Matrix (decoding only), side by side in one run.
func BenchmarkAnswerDecoding(b *testing.B) {
	const t0, series, points = 1557568800, 100, 4033
	body := matrixAnswer(series, points, t0)
	answers := map[string]fakeAnswer{prometheus.MetricCPU: {200, body}} // every other answer is empty
	w := source.Window{Start: time.Unix(t0, 0), End: time.Unix(t0+300*(points-1), 0)}
	b.Run("samples", func(b *testing.B) {
		_, s := newFake(b, answers)
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			r, err := s.Samples(context.Background(), source.Query{Namespace: "shop", Step: 5 * time.Minute, Window: w})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, err := r.Next(); err == nil; _, err = r.Next() {
				n++
			}
			if n != series*points {
				b.Fatalf("%d samples, want %d", n, series*points)
			}
		}
	})
	b.Run("client_golang", func(b *testing.B) {
		srv := httptest.NewServer(&fakeAPI{answers: answers, calls: map[string]int{}})
		defer srv.Close()
		c, err := api.NewClient(api.Config{Address: srv.URL})
		if err != nil {
			b.Fatal(err)
		}
		a := v1.NewAPI(c)
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			v, _, err := a.QueryRange(context.Background(), "rate("+prometheus.MetricCPU+"[5m])", v1.Range{Start: w.Start, End: w.End, Step: 5 * time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			if m := v.(model.Matrix); len(m) != series || len(m[0].Values) != points {
				b.Fatalf("%d series", len(m))
			}
		}
	})
}
