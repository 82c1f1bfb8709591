package source

import (
	"context"
	"errors"
	"io"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// All streams every sample of src in w: it lists the containers, then runs
// one Samples query per namespace, lazily, in namespace order. The result is
// what the recommend path reads from a trace file.
func All(ctx context.Context, src Source, w Window, step time.Duration) (trace.Reader, error) {
	refs, err := src.Containers(ctx, w)
	if err != nil {
		return nil, err
	}
	var namespaces []string
	for _, r := range refs { // refs are sorted by Key, so namespaces come grouped
		if len(namespaces) == 0 || namespaces[len(namespaces)-1] != r.Namespace {
			namespaces = append(namespaces, r.Namespace)
		}
	}
	return &allReader{ctx: ctx, src: src, w: w, step: step, namespaces: namespaces}, nil
}

type allReader struct {
	ctx        context.Context
	src        Source
	w          Window
	step       time.Duration
	namespaces []string
	cur        trace.Reader
}

func (a *allReader) Next() (workload.Sample, error) {
	for {
		if a.cur == nil {
			if len(a.namespaces) == 0 {
				return workload.Sample{}, io.EOF
			}
			r, err := a.src.Samples(a.ctx, Query{Namespace: a.namespaces[0], Window: a.w, Step: a.step})
			if err != nil {
				return workload.Sample{}, err
			}
			a.cur, a.namespaces = r, a.namespaces[1:]
		}
		s, err := a.cur.Next()
		if !errors.Is(err, io.EOF) {
			return s, err
		}
		if err := a.cur.Close(); err != nil {
			return workload.Sample{}, err
		}
		a.cur = nil
	}
}

func (a *allReader) Close() error {
	if a.cur != nil {
		return a.cur.Close()
	}
	return nil
}
