package horizontal

import "time"

// sample is one pod's value of the metric being computed.
type sample struct {
	value     Milli
	timestamp time.Time
	window    time.Duration
}

// podGroups sorts the pods of one computation like groupPods in
// replica_calculator.go.
type podGroups struct {
	ready   int             // pods whose sample counts as is
	unready map[string]bool // Pending pods, and (CPU only) pods still starting
	missing map[string]bool // pods without a sample
	ignored map[string]bool // deleting or Failed pods: dropped entirely
}

func groupPods(pods []Pod, samples map[string]sample, resource ResourceName, now time.Time, cfg Config) podGroups {
	g := podGroups{unready: map[string]bool{}, missing: map[string]bool{}, ignored: map[string]bool{}}
	for _, p := range pods {
		switch {
		case p.Deleting || p.Phase == PodFailed:
			g.ignored[p.Name] = true
		case p.Phase == PodPending:
			g.unready[p.Name] = true
		default:
			s, found := samples[p.Name]
			switch {
			case !found:
				g.missing[p.Name] = true
			case resource == CPU && unreadyForCPU(p, s, now, cfg):
				g.unready[p.Name] = true
			default:
				g.ready++
			}
		}
	}
	return g
}

// unreadyForCPU applies the CPU initialization rules (reference §1.2).
func unreadyForCPU(p Pod, s sample, now time.Time, cfg Config) bool {
	if p.Ready == nil || p.StartTime.IsZero() {
		return true
	}
	if p.StartTime.Add(cfg.CPUInitializationPeriod).After(now) {
		// Still initializing: count only a Ready pod whose sample covers a
		// full metric window after it became Ready.
		return !p.Ready.Status || s.timestamp.Before(p.Ready.LastTransition.Add(s.window))
	}
	// Past initialization: a NotReady pod counts as unready only if it has
	// never been Ready (its last transition is within the initial delay).
	return !p.Ready.Status && p.StartTime.Add(cfg.InitialReadinessDelay).After(p.Ready.LastTransition)
}

// readyRunning counts pods that are Running and Ready, the multiplier of
// Object and External Value targets (getReadyPodsCount).
func readyRunning(pods []Pod) int {
	n := 0
	for _, p := range pods {
		if p.Phase == PodRunning && p.Ready != nil && p.Ready.Status {
			n++
		}
	}
	return n
}
