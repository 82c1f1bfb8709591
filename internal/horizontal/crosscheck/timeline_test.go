package crosscheck

import (
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/horizontal"
)

func TestModelTimeline(t *testing.T) {
	steps := []horizontal.Step{{At: 0, Replicas: 2}, {At: 4 * time.Second, Replicas: 4}, {At: 8 * time.Second, Replicas: 4}, {At: 12 * time.Second, Replicas: 3}}
	got := ModelTimeline(2, steps).String()
	if want := "2 -> 4 at 4s (sync 1) -> 3 at 12s (sync 3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestRealTimeline(t *testing.T) {
	var syncs []Sync
	for k := range 5 {
		syncs = append(syncs, Sync{Index: k, At: start.Add(time.Duration(k)*4*time.Second + 50*time.Millisecond)})
	}
	seen := []Observed{
		{At: start, Replicas: 2}, // before sync 0: the initial count
		{At: start.Add(4*time.Second + 80*time.Millisecond), Replicas: 4},
		{At: start.Add(4*time.Second + 90*time.Millisecond), Replicas: 4}, // no change
		{At: start.Add(12*time.Second + 70*time.Millisecond), Replicas: 6},
		{At: start.Add(16*time.Second + 70*time.Millisecond), Replicas: 8}, // after the last compared sync
	}
	got := RealTimeline(2, seen, syncs, 3).String()
	if want := "2 -> 4 at 4.03s (sync 1) -> 6 at 12.02s (sync 3)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestCompare(t *testing.T) {
	model := Timeline{Initial: 2, Changes: []Change{{At: 12 * time.Second, Sync: 3, From: 2, To: 4}, {At: 16 * time.Second, Sync: 4, From: 4, To: 8}}}
	tol := 4 * time.Second
	shifted := func(d1, d2 time.Duration) Timeline {
		return Timeline{Initial: 2, Changes: []Change{{At: 12*time.Second + d1, From: 2, To: 4}, {At: 16*time.Second + d2, From: 4, To: 8}}}
	}
	if err := Compare(model, shifted(40*time.Millisecond, 4*time.Second), tol); err != nil {
		t.Errorf("within one sync: %v", err)
	}
	for name, tc := range map[string]struct {
		real Timeline
		want string
	}{
		"late":       {shifted(0, 4*time.Second+time.Millisecond), "change 2 (to 8): real at 20s, model at 16s: 4s apart, more than 4s"},
		"early":      {shifted(-5*time.Second, 0), "change 1 (to 4): real at 7s"},
		"other step": {Timeline{Initial: 2, Changes: []Change{{At: 12 * time.Second, To: 5}, {At: 16 * time.Second, To: 8}}}, "change 1: real to 5, model to 4"},
		"missing":    {Timeline{Initial: 2, Changes: model.Changes[:1]}, "real made 1 changes, model 2"},
		"extra":      {Timeline{Initial: 2, Changes: append(append([]Change{}, model.Changes...), Change{At: 30 * time.Second, To: 6})}, "real made 3 changes, model 2"},
		"initial":    {Timeline{Initial: 3, Changes: model.Changes}, "initial replicas: real 3, model 2"},
	} {
		err := Compare(model, tc.real, tol)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want one containing %q", name, err, tc.want)
		}
	}
}

func TestSyncTiming(t *testing.T) {
	r := &Result{Steps: []horizontal.Step{{At: 0}, {At: 4 * time.Second}, {At: 8 * time.Second}}}
	for _, d := range []time.Duration{0, 4020 * time.Millisecond, 8100 * time.Millisecond, 12 * time.Second} {
		r.Syncs = append(r.Syncs, Sync{At: start.Add(d)})
	}
	gap, drift := r.SyncTiming()
	if gap != 4020*time.Millisecond || drift != 100*time.Millisecond {
		t.Errorf("gap %s drift %s, want 4.02s and 100ms", gap, drift)
	}
}
