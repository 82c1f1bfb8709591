package autoscale

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"sort"
	"time"

	"tailor.dev/tailor/internal/horizontal"
	"tailor.dev/tailor/internal/workload"
)

// Source streams trace samples; trace.Reader satisfies it.
type Source interface {
	Next() (workload.Sample, error)
}

// Mapping says how trace samples become services (docs/autoscalers.md).
//
// Every sample belongs to the service named by its workload
// (ContainerRef.Workload: a Google job, an Azure VM). A sample's time is the
// end of its window; windows are aligned on multiples of Window since the
// Unix epoch, so a sample at t falls in the window ending at
// ceil(t / Window) × Window. Within one window, the samples of one container
// (a task that restarted within the window reports several partial windows)
// count once, at the largest CPU. A service's demand in a window is Scale ×
// the sum of its containers' CPU in that window; a container without a
// sample in a window (not running) adds nothing. A window with no sample of
// any of the service's containers, between its first and last window, is a
// gap and an error.
type Mapping struct {
	Window time.Duration // default 5 min
	Scale  float64       // demand multiplier; default 1
	// Request is the starting CPU request per pod in cores. 0 takes the
	// largest provisioned CPU request among the service's samples × Scale
	// (the trace's own request per task), and fails when the trace has none.
	Request float64
}

// WithDefaults fills the zero fields.
func (m Mapping) WithDefaults() Mapping {
	if m.Window <= 0 {
		m.Window = 5 * time.Minute
	}
	if m.Scale == 0 {
		m.Scale = 1
	}
	return m
}

// DatasetMapping is the documented mapping of a public dataset folder name:
// google-2019-tasks keeps the jobs' demand and their own per-task request;
// azure-v1-vm-cpu multiplies each VM's demand by 10 (a service ten times
// the VM's size, up to 20 cores) and starts from 0.5-core pods. Other names
// get the defaults.
func DatasetMapping(dataset string) Mapping {
	switch dataset {
	case "azure-v1-vm-cpu":
		return Mapping{Scale: 10, Request: 0.5}.WithDefaults()
	}
	return Mapping{}.WithDefaults()
}

type serviceAcc struct {
	name    string
	request float64
	windows map[int64]map[string]float64 // window end index -> container -> CPU
}

// Services reads src to the end and returns one service per workload, in
// the order the workloads first appear.
func Services(src Source, m Mapping) ([]Service, error) {
	m = m.WithDefaults()
	if m.Scale <= 0 || math.IsNaN(m.Scale) || math.IsInf(m.Scale, 0) || m.Request < 0 || math.IsNaN(m.Request) {
		return nil, fmt.Errorf("mapping: scale %v must be positive and request %v non-negative", m.Scale, m.Request)
	}
	var order []*serviceAcc
	byName := map[string]*serviceAcc{}
	for {
		s, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read services: %w", err)
		}
		acc := byName[s.Ref.Workload]
		if acc == nil {
			acc = &serviceAcc{name: s.Ref.Workload, windows: map[int64]map[string]float64{}}
			byName[acc.name] = acc
			order = append(order, acc)
		}
		if err := acc.add(s, m.Window); err != nil {
			return nil, err
		}
	}
	out := make([]Service, 0, len(order))
	for _, acc := range order {
		svc, err := acc.service(m)
		if err != nil {
			return nil, err
		}
		out = append(out, svc)
	}
	return out, nil
}

func (a *serviceAcc) add(s workload.Sample, window time.Duration) error {
	at := s.Time.UTC().Format(time.RFC3339)
	switch {
	case math.IsNaN(s.CPU):
		return fmt.Errorf("service %s: container %s has no CPU sample at %s", a.name, s.Ref.Key(), at)
	case math.IsInf(s.CPU, 0) || s.CPU < 0:
		return fmt.Errorf("service %s: container %s uses %v cores at %s; demand must be finite and non-negative", a.name, s.Ref.Key(), s.CPU, at)
	}
	k := ceilDiv(s.Time.UnixNano(), int64(window))
	w := a.windows[k]
	if w == nil {
		w = map[string]float64{}
		a.windows[k] = w
	}
	w[s.Ref.Key()] = max(w[s.Ref.Key()], s.CPU)
	a.request = max(a.request, s.Provisioned.CPURequest)
	return nil
}

func (a *serviceAcc) service(m Mapping) (Service, error) {
	keys := make([]int64, 0, len(a.windows))
	for k := range a.windows {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	first := keys[0]
	start := time.Unix(0, (first-1)*int64(m.Window)).UTC()
	values := make([]float64, 0, keys[len(keys)-1]-first+1)
	for i, k := range keys {
		if i > 0 && k != keys[i-1]+1 {
			gap := time.Unix(0, keys[i-1]*int64(m.Window)).UTC()
			return Service{}, fmt.Errorf("service %s: no sample in the %s after %s (next sample window ends at %s)",
				a.name, time.Duration(k-keys[i-1]-1)*m.Window, gap.Format(time.RFC3339),
				time.Unix(0, k*int64(m.Window)).UTC().Format(time.RFC3339))
		}
		// Sum in container order: the same samples give the same demand
		// bit for bit, whatever the map's iteration order.
		sum := 0.0
		for _, c := range slices.Sorted(maps.Keys(a.windows[k])) {
			sum += a.windows[k][c]
		}
		values = append(values, sum*m.Scale)
	}
	demand, err := horizontal.SampledTimeline(a.name, m.Window, values)
	if err != nil {
		return Service{}, fmt.Errorf("service %s: %w", a.name, err)
	}
	req := m.Request
	if req == 0 {
		req = a.request * m.Scale
	}
	svc := Service{Name: a.name, Start: start, Demand: demand, Request: req}
	if req <= 0 {
		return Service{}, fmt.Errorf("service %s: the trace has no CPU request; give the mapping a starting request", a.name)
	}
	return svc, svc.Validate()
}

func ceilDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a > 0) == (b > 0) {
		q++
	}
	return q
}
