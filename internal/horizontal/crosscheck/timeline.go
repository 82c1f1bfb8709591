package crosscheck

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"tailor.dev/tailor/internal/horizontal"
)

// Change is one change of a workload's replica count.
type Change struct {
	At       time.Duration // since sync 0
	Sync     int           // index of the sync that made it
	From, To int32
}

// Timeline is a replica count over a run: where it started and how it
// changed.
type Timeline struct {
	Initial int32
	Changes []Change
}

// String renders the timeline as "2 -> 4 at 12s (sync 3) -> 8 at 20s (sync 5)".
func (t Timeline) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", t.Initial)
	for _, c := range t.Changes {
		fmt.Fprintf(&b, " -> %d at %s (sync %d)", c.To, c.At.Round(10*time.Millisecond), c.Sync)
	}
	return b.String()
}

// ModelTimeline is the timeline of a model run (horizontal.Scenario.Run).
func ModelTimeline(initial int32, steps []horizontal.Step) Timeline {
	t := Timeline{Initial: initial}
	cur := initial
	for i, st := range steps {
		if st.Replicas != cur {
			t.Changes = append(t.Changes, Change{At: st.At, Sync: i, From: cur, To: st.Replicas})
			cur = st.Replicas
		}
	}
	return t
}

// Observed is a replica count seen at an instant (a watch event).
type Observed struct {
	At       time.Time
	Replicas int32
}

// RealTimeline turns the watched replica counts into a timeline relative to
// sync 0. Each change is attributed to the last sync that started at or
// before it was seen; changes after sync last are left out (the model stops
// there).
func RealTimeline(initial int32, seen []Observed, syncs []Sync, last int) Timeline {
	t := Timeline{Initial: initial}
	if len(syncs) == 0 {
		return t
	}
	t0, cur := syncs[0].At, initial
	for _, o := range seen {
		if o.Replicas == cur {
			continue
		}
		k := syncAt(syncs, o.At)
		if k > last {
			break
		}
		t.Changes = append(t.Changes, Change{At: o.At.Sub(t0), Sync: k, From: cur, To: o.Replicas})
		cur = o.Replicas
	}
	return t
}

// syncAt is the index of the last sync started at or before at; -1 before
// the first.
func syncAt(syncs []Sync, at time.Time) int {
	k := -1
	for i, s := range syncs {
		if s.At.After(at) {
			break
		}
		k = i
	}
	return k
}

// Compare checks that real went through the same replica counts as model,
// in the same order, each change within tol of the model's.
func Compare(model, real Timeline, tol time.Duration) error {
	var errs []error
	if model.Initial != real.Initial {
		errs = append(errs, fmt.Errorf("initial replicas: real %d, model %d", real.Initial, model.Initial))
	}
	if len(model.Changes) != len(real.Changes) {
		errs = append(errs, fmt.Errorf("real made %d changes, model %d", len(real.Changes), len(model.Changes)))
	}
	for i := range min(len(model.Changes), len(real.Changes)) {
		m, r := model.Changes[i], real.Changes[i]
		if m.To != r.To {
			errs = append(errs, fmt.Errorf("change %d: real to %d, model to %d", i+1, r.To, m.To))
			break
		}
		if d := (r.At - m.At).Abs(); d > tol {
			errs = append(errs, fmt.Errorf("change %d (to %d): real at %s, model at %s: %s apart, more than %s",
				i+1, r.To, r.At.Round(10*time.Millisecond), m.At, d.Round(10*time.Millisecond), tol))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("real %s; model %s: %w", real, model, err)
	}
	return nil
}
