// Package fake is an in-memory source.Source for tests: it serves exactly
// the samples it was given.
package fake

import (
	"context"
	"errors"
	"slices"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// Source holds samples in memory.
type Source struct {
	samples []workload.Sample
	// Err, when set, is returned by every call (to test error paths).
	Err error
}

// New copies samples (any order) into a Source.
func New(samples []workload.Sample) *Source {
	s := slices.Clone(samples)
	source.SortSamples(s)
	return &Source{samples: s}
}

// Containers lists the containers with samples in w.
func (s *Source) Containers(ctx context.Context, w source.Window) ([]workload.ContainerRef, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	var refs []workload.ContainerRef
	for _, x := range s.samples {
		if w.Contains(x.Time) {
			refs = append(refs, x.Ref)
		}
	}
	return source.SortRefs(refs), nil
}

// Samples returns the samples matching q, by container then time.
func (s *Source) Samples(ctx context.Context, q source.Query) (trace.Reader, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if q.Namespace == "" {
		return nil, errors.New("fake source: query needs a namespace")
	}
	var out []workload.Sample
	for _, x := range s.samples {
		if q.Match(x.Ref, x.Time) {
			out = append(out, x)
		}
	}
	return source.NewSliceReader(out), nil
}

func (s *Source) check(ctx context.Context) error {
	if s.Err != nil {
		return s.Err
	}
	return ctx.Err()
}
