// Package tracefile is a source.Source over a trace file or folder read
// with internal/trace. Every call re-reads the trace, streaming.
package tracefile

import (
	"context"
	"errors"
	"fmt"
	"io"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// Source reads the trace at Path in Format ("" = detect).
type Source struct {
	Path, Format string
}

// New returns a Source over the trace at path.
func New(path, format string) *Source { return &Source{Path: path, Format: format} }

// Containers scans the trace for containers with samples in w.
func (s *Source) Containers(ctx context.Context, w source.Window) ([]workload.ContainerRef, error) {
	r, _, err := trace.Open(s.Path, s.Format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	seen := map[workload.ContainerRef]bool{}
	var refs []workload.ContainerRef
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		x, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if w.Contains(x.Time) && !seen[x.Ref] {
			seen[x.Ref] = true
			refs = append(refs, x.Ref)
		}
	}
	return source.SortRefs(refs), nil
}

// Samples streams the trace's samples matching q, in file order.
func (s *Source) Samples(ctx context.Context, q source.Query) (trace.Reader, error) {
	if q.Namespace == "" {
		return nil, fmt.Errorf("trace source %s: query needs a namespace", s.Path)
	}
	r, _, err := trace.Open(s.Path, s.Format)
	if err != nil {
		return nil, err
	}
	return &filter{ctx: ctx, r: r, q: q}, nil
}

type filter struct {
	ctx context.Context
	r   trace.Reader
	q   source.Query
}

func (f *filter) Next() (workload.Sample, error) {
	for {
		if err := f.ctx.Err(); err != nil {
			return workload.Sample{}, err
		}
		x, err := f.r.Next()
		if err != nil || f.q.Match(x.Ref, x.Time) {
			return x, err
		}
	}
}

func (f *filter) Close() error { return f.r.Close() }
