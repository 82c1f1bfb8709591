package horizontal

import (
	"time"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

// podOpt adjusts a test pod.
type podOpt func(*Pod)

// cpuPod is a Running pod requesting req millicores of CPU, Ready for an
// hour, with a fresh sample of use millicores.
func cpuPod(name string, req, use Milli, opts ...podOpt) Pod {
	p := Pod{
		Name: name, Phase: PodRunning, StartTime: t0.Add(-time.Hour),
		Ready:      &ReadyCondition{Status: true, LastTransition: t0.Add(-time.Hour + 30*time.Second)},
		Containers: []Container{{Name: "app", Requests: map[ResourceName]Milli{CPU: req, Memory: 1000}}},
		Metrics: &PodMetrics{Timestamp: t0, Window: 15 * time.Second, Containers: []ContainerUsage{
			{Name: "app", Usage: map[ResourceName]Milli{CPU: use, Memory: 500}},
		}},
	}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func noMetrics(p *Pod) { p.Metrics = nil }
func pending(p *Pod)   { p.Phase, p.Ready, p.StartTime, p.Metrics = PodPending, nil, time.Time{}, nil }
func deleting(p *Pod)  { p.Deleting = true }

// startedAgo makes the pod start d before t0; ready says whether it is Ready
// (since readyAfter past its start) or not.
func startedAgo(d time.Duration, ready bool, readyAfter time.Duration) podOpt {
	return func(p *Pod) {
		p.StartTime = t0.Add(-d)
		p.Ready = &ReadyCondition{Status: ready, LastTransition: p.StartTime.Add(readyAfter)}
	}
}

func withCustom(name string, v Milli) podOpt {
	return func(p *Pod) { p.Custom = map[string]Milli{name: v} }
}

func newCalc(current int32, pods ...Pod) calc {
	return calc{now: t0, cfg: DefaultConfig(), tol: tolerances{0.1, 0.1},
		obs: Observation{SpecReplicas: current, StatusReplicas: current, Pods: pods}}
}
