package autoscale

import (
	"fmt"
	"math"
	"time"

	"tailor.dev/tailor/internal/horizontal"
)

// run replays one policy on one service.
type run struct {
	cfg   Config
	svc   Service
	tuner Tuner

	set     Setting
	request float64 // the pods' request in cores, as Kubernetes stores it (whole millicores)
	milli   horizontal.Milli
	cluster *horizontal.Cluster
	ctrl    *horizontal.Controller

	pods  int32 // after the last sync
	ready int
	score Score
	foot  Footprint

	// For the fast path of loop: a mirror of the controller's
	// recommendation history, whether the controller has not synced yet,
	// its scale-down stabilization window and whether its scale-up window
	// is 0 s (the fast path needs that).
	history    []recommendation
	fresh      bool
	downWindow time.Duration
	skippable  bool
}

type recommendation struct {
	at       time.Duration
	replicas int32
}

// windowStats accumulates one window's syncs for the tuner.
type windowStats struct {
	syncs, podSyncs int
	podCPU          float64
	maxPods         int32
}

func (r *run) start() error {
	set := r.tuner.Initial()
	if err := set.Validate(); err != nil {
		return err
	}
	r.set, r.milli = set, horizontal.MilliFromFloat(set.Request)
	r.request = r.milli.Float()
	r.pods = initialReplicas(set, r.svc.Demand.Segments[0].Value)
	if err := r.newController(); err != nil {
		return err
	}
	c, err := horizontal.NewCluster(r.clusterConfig(), r.svc.Start, r.pods)
	r.cluster, r.ready = c, int(r.pods)
	return err
}

// initialReplicas is where the HPA would settle on the first window's
// demand, so no policy starts overloaded or idle.
func initialReplicas(s Setting, demand float64) int32 {
	n := int32(math.Ceil(demand / (s.Request * float64(s.Target) / 100)))
	return min(max(n, s.MinReplicas), s.MaxReplicas)
}

func (r *run) clusterConfig() horizontal.ClusterConfig {
	return horizontal.ClusterConfig{
		Pod: horizontal.PodTemplate{
			Containers: []horizontal.ContainerTemplate{{
				Name: "app", CPUShare: 1,
				Requests: map[horizontal.ResourceName]horizontal.Milli{horizontal.CPU: horizontal.MilliFromFloat(r.set.Request)},
			}},
			PendingDelay: r.cfg.PendingDelay,
			StartupDelay: r.cfg.StartupDelay,
		},
		MetricWindow: r.cfg.MetricWindow,
		InitialAge:   time.Hour + r.cfg.PendingDelay + r.cfg.StartupDelay + r.cfg.MetricWindow,
	}
}

func (r *run) newController() error {
	c, err := horizontal.NewController(r.set.Spec(), r.cfg.HPA, horizontal.ValidateOptions{})
	if err != nil {
		return err
	}
	r.ctrl, r.history, r.fresh = c, r.history[:0], true
	r.downWindow, r.skippable = r.cfg.HPA.DownscaleStabilization, true
	if b := c.Spec().Behavior; b != nil {
		if w := b.ScaleDown.StabilizationWindowSeconds; w != nil {
			r.downWindow = time.Duration(*w) * time.Second
		}
		r.skippable = *b.ScaleUp.StabilizationWindowSeconds == 0
	}
	return nil
}

// loop steps the controller at every sync of every window and hands each
// finished window to the tuner.
//
// Fast path. Within a window the demand is constant. Once a sync changes
// nothing, proposes no more than the current count and finds every pod
// Ready with a full metric window since, the following syncs observe the
// same pods and usage and so make the same proposal P <= the current count
// C. What they decide can then only change once the last recommendation at
// or above C has left the scale-down stabilization window (the scale-up
// window is 0 s for every policy here, so its minimum is P itself), and
// not at all when P = C or C is minReplicas. The loop scores the syncs in
// between without running them. It runs the sync before that expiry, the
// expiry's own sync and the window's last sync, so the controller's
// history holds P at the latest time it would hold it had every sync run,
// and every stabilization maximum it computes later is the same.
// Config.EverySync runs every sync; TestFastPathMatchesEverySync checks
// that both give the same scores.
func (r *run) loop() error {
	sync := r.cfg.HPA.SyncPeriod
	var t time.Duration
	for _, seg := range r.svc.Demand.Segments {
		w := windowStats{maxPods: r.pods}
		last := seg.To - sync
		quiet, next := false, time.Duration(0)
		for ; t < seg.To; t += sync {
			if r.cfg.EverySync || !quiet || t == last || t+sync >= next {
				quiet, next = r.sync(t, seg.Value)
			}
			r.account(t, seg.Value, &w)
		}
		if err := r.next(seg, w); err != nil {
			return err
		}
	}
	return nil
}

// sync runs one HPA sync at t. It reports whether the following syncs of
// the window may be skipped and, if so, until when (see loop).
func (r *run) sync(t time.Duration, demand float64) (bool, time.Duration) {
	now := r.svc.Start.Add(t)
	obs := r.cluster.Observe(now, horizontal.Load{CPU: demand})
	d := r.ctrl.Step(now, obs)
	r.remember(t, d)
	if d.Rescale() {
		r.cluster.Scale(now, d.Desired)
		if t >= r.cfg.WarmUp {
			r.score.ScaleEvents++
		}
	}
	r.pods, r.ready = r.cluster.Replicas(), r.cluster.ReadyPods(now)
	steady := d.Stabilized == d.Current || d.Current == r.set.MinReplicas
	if d.Rescale() || d.Proposal < 0 || d.Proposal > d.Current || !steady || !r.skippable ||
		!settled(obs, now, r.cfg.MetricWindow) {
		return false, 0
	}
	next := time.Duration(math.MaxInt64)
	if d.Proposal == d.Current || d.Current == r.set.MinReplicas {
		return true, next // nothing can change until the demand does
	}
	// The count falls once every recommendation at or above it has left
	// the scale-down window.
	next = 0
	for _, h := range r.history {
		if h.replicas >= d.Current {
			next = max(next, h.at+r.downWindow)
		}
	}
	return true, next
}

// remember mirrors the controller's recommendation history: the current
// count seeded at its first sync, then every proposal it records.
func (r *run) remember(t time.Duration, d horizontal.Decision) {
	keep := r.history[:0]
	for _, h := range r.history {
		if h.at+r.downWindow+r.cfg.HPA.SyncPeriod >= t {
			keep = append(keep, h)
		}
	}
	r.history = keep
	if r.fresh {
		r.history, r.fresh = append(r.history, recommendation{t, d.Current}), false
	}
	if d.Proposal >= 0 {
		r.history = append(r.history, recommendation{t, d.Proposal})
	}
}

// settled reports whether every pod is Ready, has a sample and has been
// Ready for a full metric window, so the controller reads the same
// utilization from it at every later sync under the same demand.
func settled(obs horizontal.Observation, now time.Time, window time.Duration) bool {
	for _, p := range obs.Pods {
		if p.Phase != horizontal.PodRunning || p.Ready == nil || !p.Ready.Status || p.Metrics == nil ||
			now.Sub(p.Ready.LastTransition) < window {
			return false
		}
	}
	return true
}

// account scores the sync at t (the state after it holds for one sync
// period) and adds it to the window's statistics.
func (r *run) account(t time.Duration, demand float64, w *windowStats) {
	w.syncs++
	w.maxPods = max(w.maxPods, r.pods)
	if r.ready > 0 {
		w.podSyncs++
		w.podCPU += demand / float64(r.ready)
	}
	if t < r.cfg.WarmUp {
		return
	}
	sync := r.cfg.HPA.SyncPeriod
	h := sync.Hours()
	s := &r.score
	s.Hours += h
	s.ReplicaHours += float64(r.pods) * h
	s.RequestedCoreHours += float64(r.pods) * r.request * h
	s.DemandCoreHours += demand * h
	if capacity := float64(r.ready) * r.request * r.cfg.Saturation; demand > capacity {
		s.OverloadMinutes += sync.Minutes()
		s.UnservedCoreHours += (demand - capacity) * h
	}
	if r.foot.Window > 0 {
		r.foot.add(r.svc.Start.Add(t), sync, r.pods, int64(r.milli))
	}
}

// next gives the finished window to the tuner and applies its answer.
func (r *run) next(seg horizontal.Segment, w windowStats) error {
	win := Window{
		Start: r.svc.Start.Add(seg.From), End: r.svc.Start.Add(seg.To),
		Demand: seg.Value, Replicas: r.pods, MaxReplicas: w.maxPods, Ready: r.ready, Setting: r.set,
	}
	if w.podSyncs > 0 {
		win.PodCPU = w.podCPU / float64(w.podSyncs)
	}
	set := r.tuner.Next(win)
	if set.Equal(r.set) {
		return nil
	}
	if err := set.Validate(); err != nil {
		return fmt.Errorf("setting for the window from %s: %w", win.End.UTC().Format(time.RFC3339), err)
	}
	return r.apply(set, seg.To)
}

// apply puts a new setting in force at t. A new HPA spec restarts the model
// controller (its recommendation history is seeded again with the current
// count). A new CPU request resizes the pods in place (Kubernetes >= 1.33):
// Ready pods stay Ready; pods still starting start again.
func (r *run) apply(set Setting, t time.Duration) error {
	resize := horizontal.MilliFromFloat(set.Request) != r.milli
	r.set, r.milli = set, horizontal.MilliFromFloat(set.Request)
	r.request = r.milli.Float()
	if t >= r.cfg.WarmUp {
		r.score.SettingChanges++
	}
	if resize {
		now := r.svc.Start.Add(t)
		c, err := horizontal.NewCluster(r.clusterConfig(), now, int32(r.ready))
		if err != nil {
			return err
		}
		c.Scale(now, r.pods)
		r.cluster = c
	}
	return r.newController()
}
