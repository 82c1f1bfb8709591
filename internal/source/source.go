// Package source defines Source, the interface every usage-history adapter
// (Prometheus, trace files, an in-memory fake) implements, and the small
// helpers shared by them. The recommend path consumes a Source through
// Containers and Samples; Samples returns a trace.Reader so the same code
// that reads trace files reads any source.
package source

import (
	"context"
	"errors"
	"io"
	"sort"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// ErrUnreachable is wrapped by errors of a source that cannot be reached at
// all (connection refused, DNS, timeouts after retries), as opposed to one
// that answered with an error: callers stop asking it more questions.
var ErrUnreachable = errors.New("source unreachable")

// Window is a closed time range [Start, End]. A zero Start or End is open.
type Window struct {
	Start, End time.Time
}

// Contains reports whether t lies in the window.
func (w Window) Contains(t time.Time) bool {
	return (w.Start.IsZero() || !t.Before(w.Start)) && (w.End.IsZero() || !t.After(w.End))
}

// Query selects the samples of one namespace, optionally narrowed to one
// workload and one container, whose Time lies in Window.
type Query struct {
	Namespace string // required
	Workload  string // "" = every workload of the namespace
	Container string // "" = every container
	Window
	// Step is the resolution asked for. Sources that store samples at a
	// fixed resolution (trace files, the fake) ignore it; Prometheus
	// evaluates its queries every Step (0 = 5 minutes).
	Step time.Duration
}

// Source is where usage history comes from.
type Source interface {
	// Containers lists every container with samples in the window, sorted
	// by Key.
	Containers(ctx context.Context, w Window) ([]workload.ContainerRef, error)
	// Samples streams the samples matching q. Samples of one container
	// arrive in increasing time order. The caller closes the Reader.
	Samples(ctx context.Context, q Query) (trace.Reader, error)
}

// Match reports whether ref and t are selected by q.
func (q Query) Match(ref workload.ContainerRef, t time.Time) bool {
	return ref.Namespace == q.Namespace &&
		(q.Workload == "" || ref.Workload == q.Workload) &&
		(q.Container == "" || ref.Container == q.Container) &&
		q.Contains(t)
}

// SliceReader is a trace.Reader over samples held in memory.
type SliceReader struct {
	samples []workload.Sample
	i       int
}

// NewSliceReader returns a Reader yielding samples in the given order.
func NewSliceReader(samples []workload.Sample) *SliceReader {
	return &SliceReader{samples: samples}
}

// Next returns the next sample or io.EOF.
func (r *SliceReader) Next() (workload.Sample, error) {
	if r.i >= len(r.samples) {
		return workload.Sample{}, io.EOF
	}
	r.i++
	return r.samples[r.i-1], nil
}

// Close does nothing.
func (r *SliceReader) Close() error { return nil }

// ReadAll drains and closes r.
func ReadAll(r trace.Reader) ([]workload.Sample, error) {
	defer r.Close()
	var out []workload.Sample
	for {
		s, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
}

// SortSamples orders samples by container key, then time.
func SortSamples(samples []workload.Sample) {
	sort.SliceStable(samples, func(i, j int) bool {
		ki, kj := samples[i].Ref.Key(), samples[j].Ref.Key()
		if ki != kj {
			return ki < kj
		}
		return samples[i].Time.Before(samples[j].Time)
	})
}

// SortRefs orders refs by Key and removes duplicates.
func SortRefs(refs []workload.ContainerRef) []workload.ContainerRef {
	sort.Slice(refs, func(i, j int) bool { return refs[i].Key() < refs[j].Key() })
	out := refs[:0]
	for i, r := range refs {
		if i == 0 || r != refs[i-1] {
			out = append(out, r)
		}
	}
	return out
}
