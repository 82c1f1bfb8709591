package plan

import (
	"context"
	"errors"
	"fmt"

	"tailor.dev/tailor/internal/source"
)

// Progress is told, after each namespace, how many of total are done and
// how many pod containers have been seen so far.
type Progress func(done, total, containers int)

// Scan reads the history of every namespace from src into the builder, one
// Samples call per namespace (the source batches its queries per namespace).
// A namespace that fails is reported in the returned warnings and the scan
// goes on; a source that cannot be reached at all (source.ErrUnreachable)
// ends the scan with one warning; only a cancelled context is an error.
func (b *Builder) Scan(ctx context.Context, src source.Source, namespaces []string, q source.Query, progress Progress) ([]string, error) {
	var warnings []string
	for i, ns := range namespaces {
		if err := ctx.Err(); err != nil {
			return warnings, err
		}
		q.Namespace = ns
		if err := b.scanOne(ctx, src, q); err != nil {
			if ctx.Err() != nil {
				return warnings, ctx.Err()
			}
			b.forget(ns) // a half-read history would give a wrong recommendation
			if errors.Is(err, source.ErrUnreachable) {
				return append(warnings, fmt.Sprintf("no usage history for %d of %d namespaces: %v", len(namespaces)-i, len(namespaces), err)), nil
			}
			warnings = append(warnings, fmt.Sprintf("namespace %s: no usage history: %v", ns, err))
		}
		if progress != nil {
			progress(i+1, len(namespaces), b.Containers())
		}
	}
	return warnings, nil
}

func (b *Builder) scanOne(ctx context.Context, src source.Source, q source.Query) error {
	r, err := src.Samples(ctx, q)
	if err != nil {
		return err
	}
	defer r.Close()
	_, err = b.AddAll(r)
	return err
}

// forget drops every container of the namespace.
func (b *Builder) forget(ns string) {
	for k, t := range b.byKey {
		if t.ref.Namespace == ns {
			delete(b.byKey, k)
		}
	}
}
