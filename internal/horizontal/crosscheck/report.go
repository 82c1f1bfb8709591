package crosscheck

import (
	"fmt"
	"strings"
	"time"
)

// Row compares one sync of the model with the same sync of the controller.
type Row struct {
	Sync                        int
	ModelAt, RealAt             time.Duration // since sync 0
	Load                        float64       // cores, as served to the controller
	ModelReady, RealReady       int           // Ready pods sharing the load when the sync reads the metrics
	ModelUtil, RealUtil         int32         // CPU utilization % of the counted pods; -1 unknown
	ModelReplicas, RealReplicas int32         // spec.replicas after the sync
}

// Rows lines up the model's syncs with the controller's. The controller's
// replicas and utilization after sync k are the last ones watched before
// sync k+1 started (syncs of one HPA never overlap).
func (r *Result) Rows() []Row {
	var rows []Row
	for k, st := range r.Steps {
		if k >= len(r.Syncs) {
			break
		}
		s := r.Syncs[k]
		// Model pods are Ready from creation (Supported), so the pods Ready
		// when sync k reads the metrics are those left by sync k-1.
		modelReady := int(r.Scenario.Initial)
		if k > 0 {
			modelReady = r.Steps[k-1].Ready
		}
		row := Row{
			Sync: k, ModelAt: st.At, RealAt: s.At.Sub(r.Syncs[0].At), Load: s.Load,
			ModelReady: modelReady, RealReady: s.Ready,
			ModelUtil: -1, RealUtil: -1, ModelReplicas: st.Replicas, RealReplicas: r.Scenario.Initial,
		}
		if ms := st.Decision.Metrics; len(ms) > 0 && ms[0].Err == nil {
			row.ModelUtil = ms[0].Utilization
		}
		end := time.Now()
		if k+1 < len(r.Syncs) {
			end = r.Syncs[k+1].At
		}
		for _, o := range r.Replicas {
			if o.At.Before(end) {
				row.RealReplicas = o.Replicas
			}
		}
		for _, h := range r.Status {
			if h.At.Before(end) && !h.At.Before(s.At) {
				row.RealUtil = h.Utilization
			}
		}
		if row.RealUtil < 0 && k > 0 {
			// No status update during this sync: the status did not change.
			row.RealUtil = rows[k-1].RealUtil
		}
		rows = append(rows, row)
	}
	return rows
}

// Table renders Rows, marking the syncs where the two sides differ.
func (r *Result) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %6s %7s %5s %11s %11s %13s\n", "sync", "model", "real", "load", "ready m/r", "util% m/r", "replicas m/r")
	for _, row := range r.Rows() {
		mark := ""
		if row.ModelReplicas != row.RealReplicas || row.ModelUtil != row.RealUtil || row.ModelReady != row.RealReady {
			mark = "  <- differs"
		}
		fmt.Fprintf(&b, "%-4d %6s %7s %5.2f %5d/%-5d %5d/%-5d %6d/%-6d%s\n", row.Sync, row.ModelAt, row.RealAt.Round(10*time.Millisecond),
			row.Load, row.ModelReady, row.RealReady, row.ModelUtil, row.RealUtil, row.ModelReplicas, row.RealReplicas, mark)
	}
	return b.String()
}

// Agreement counts the syncs of a run and those on which the controller's
// view equals the model's.
type Agreement struct {
	Syncs, Replicas, Utilization, Ready int
}

// Agreement compares the runs sync by sync (see Rows).
func (r *Result) Agreement() Agreement {
	var a Agreement
	for _, row := range r.Rows() {
		a.Syncs++
		if row.ModelReplicas == row.RealReplicas {
			a.Replicas++
		}
		if row.ModelUtil == row.RealUtil {
			a.Utilization++
		}
		if row.ModelReady == row.RealReady {
			a.Ready++
		}
	}
	return a
}

// ReadyLatency is the longest time from the sync before a pod appeared to
// the watch delivering it Ready, over the pods created during the run: the
// cross-check needs it well under one second (see docs/hpa-model.md).
func (r *Result) ReadyLatency() time.Duration {
	var worst time.Duration
	if len(r.Syncs) == 0 {
		return 0
	}
	for _, p := range r.Pods {
		k := syncAt(r.Syncs, p.Added)
		if k < 0 || p.Ready.IsZero() {
			continue
		}
		worst = max(worst, p.Ready.Sub(r.Syncs[k].At))
	}
	return worst
}

// SyncTiming summarises the controller's sync instants: the shortest gap
// between two syncs and how far the last compared sync ran behind k sync
// periods after sync 0 (the drift the comparison tolerates).
func (r *Result) SyncTiming() (minGap, drift time.Duration) {
	n := min(len(r.Syncs), len(r.Steps))
	if n < 2 {
		return 0, 0
	}
	minGap = r.Syncs[1].At.Sub(r.Syncs[0].At)
	for k := 2; k < n; k++ {
		minGap = min(minGap, r.Syncs[k].At.Sub(r.Syncs[k-1].At))
	}
	return minGap, r.Syncs[n-1].At.Sub(r.Syncs[0].At) - r.Steps[n-1].At
}
