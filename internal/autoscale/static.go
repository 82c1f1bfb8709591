package autoscale

import "fmt"

// Static is an HPA with a fixed CPU utilization target and no behavior
// (Kubernetes' defaults) on pods that keep the service's starting request.
type Static struct {
	Target                   int32 // percent
	MinReplicas, MaxReplicas int32
}

// StaticTargets are the static policies of the benchmark: hpa-50 … hpa-80,
// minReplicas 2, maxReplicas 100.
func StaticTargets() []Policy {
	var out []Policy
	for _, t := range []int32{50, 60, 70, 80} {
		out = append(out, Static{Target: t, MinReplicas: 2, MaxReplicas: 100})
	}
	return out
}

// Name is "hpa-<target>".
func (s Static) Name() string { return fmt.Sprintf("hpa-%d", s.Target) }

// NewTuner implements Policy.
func (s Static) NewTuner(svc ServiceInfo) (Tuner, error) {
	set := Setting{Request: svc.Request, MinReplicas: s.MinReplicas, MaxReplicas: s.MaxReplicas, Target: s.Target}
	return fixed{set}, set.Validate()
}

type fixed struct{ set Setting }

func (f fixed) Initial() Setting    { return f.set }
func (f fixed) Next(Window) Setting { return f.set }
