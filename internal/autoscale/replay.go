package autoscale

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/horizontal"
)

// Config controls a replay.
type Config struct {
	// HPA holds the controller flags (sync period 15 s, tolerance 0.1, 5 min
	// downscale stabilization and CPU initialization period, 30 s initial
	// readiness delay).
	HPA horizontal.Config
	// A new pod is Pending for PendingDelay, then Running but not Ready for
	// StartupDelay; only Ready pods serve (and share) the demand.
	PendingDelay, StartupDelay time.Duration
	// MetricWindow is the window of each metrics-server sample.
	MetricWindow time.Duration
	// WarmUp is the start of every service that tuners learn from but that
	// is not scored (the benchmark contract's 1 day).
	WarmUp time.Duration
	// Saturation is the share of its CPU request a Ready pod can serve
	// before the service counts as overloaded (1.0: demand above
	// Ready × request is overload).
	Saturation float64
	Prices     cost.Prices
	// PodMemoryGiB, when positive, adds every pod's memory at the memory
	// price to the cost; 0 prices CPU only.
	PodMemoryGiB float64
	// Workers is how many (service, policy) replays run at once; < 1 is 1.
	Workers int
	// EverySync turns off the fast path that skips syncs in which nothing
	// can change (see run.loop); results are the same, only slower.
	EverySync bool
	// NodeWindow, when positive, records every service's Footprint in
	// wall-clock windows of this length, for PackNodes; 0 records none.
	NodeWindow time.Duration
}

// DefaultConfig is the benchmark of docs/autoscalers.md: the upstream
// controller flags, pods Ready 60 s after creation, 15 s metric windows, a
// 1-day warm-up, saturation at 100% of the request and OpenCost on-demand
// CPU prices.
func DefaultConfig() Config {
	return Config{
		HPA:          horizontal.DefaultConfig(),
		StartupDelay: 60 * time.Second,
		MetricWindow: 15 * time.Second,
		WarmUp:       24 * time.Hour,
		Saturation:   1,
		Prices:       cost.OpenCostOnDemand,
		Workers:      1,
		NodeWindow:   time.Hour,
	}
}

func (c Config) validate() error {
	if err := c.HPA.Validate(); err != nil {
		return fmt.Errorf("replay: %w", err)
	}
	switch {
	case c.PendingDelay < 0 || c.StartupDelay < 0 || c.MetricWindow < 0 || c.WarmUp < 0 || c.NodeWindow < 0:
		return fmt.Errorf("replay: delays, metric window, warm-up and node window must be >= 0")
	case !(c.Saturation > 0) || !(c.PodMemoryGiB >= 0):
		return fmt.Errorf("replay: saturation %v must be positive and pod memory %v non-negative", c.Saturation, c.PodMemoryGiB)
	}
	return nil
}

// ServiceScore is one policy's score on one service.
type ServiceScore struct {
	Service string
	Score   Score
	// Footprint is the service's pods over the scored time (empty unless
	// Config.NodeWindow > 0).
	Footprint Footprint
}

// PolicyResult is one policy's total and per-service scores.
type PolicyResult struct {
	Name       string
	Total      Score
	PerService []ServiceScore // in the order of the services
}

// Result of a replay; policies in the order given.
type Result struct {
	Services int
	Policies []PolicyResult
}

// Replay runs every policy on every service and scores them.
func Replay(services []Service, policies []Policy, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, err
	}
	if len(services) == 0 || len(policies) == 0 {
		return Result{}, errors.New("replay: need at least one service and one policy")
	}
	if err := checkNames(services, policies); err != nil {
		return Result{}, err
	}
	for _, s := range services {
		if err := s.Validate(); err != nil {
			return Result{}, err
		}
		if err := aligned(s, cfg.HPA.SyncPeriod); err != nil {
			return Result{}, err
		}
	}
	scores := make([][]ServiceScore, len(policies))
	errs := make([][]error, len(policies))
	for j := range policies {
		scores[j], errs[j] = make([]ServiceScore, len(services)), make([]error, len(services))
	}
	jobs := make(chan [2]int)
	var wg sync.WaitGroup
	for range max(1, cfg.Workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				i, j := job[0], job[1]
				scores[j][i], errs[j][i] = replayOne(services[i], policies[j], cfg)
			}
		}()
	}
	for i := range services {
		for j := range policies {
			jobs <- [2]int{i, j}
		}
	}
	close(jobs)
	wg.Wait()
	res := Result{Services: len(services)}
	for j, p := range policies {
		pr := PolicyResult{Name: p.Name()}
		for i, s := range services {
			if errs[j][i] != nil {
				return Result{}, errs[j][i]
			}
			sc := scores[j][i]
			sc.Service = s.Name
			pr.Total.Add(sc.Score)
			pr.PerService = append(pr.PerService, sc)
		}
		res.Policies = append(res.Policies, pr)
	}
	return res, nil
}

func checkNames(services []Service, policies []Policy) error {
	seen := map[string]bool{}
	for _, s := range services {
		if seen[s.Name] {
			return fmt.Errorf("replay: two services are named %q", s.Name)
		}
		seen[s.Name] = true
	}
	seen = map[string]bool{}
	for _, p := range policies {
		if seen[p.Name()] {
			return fmt.Errorf("replay: two policies are named %q", p.Name())
		}
		seen[p.Name()] = true
	}
	return nil
}

// aligned requires every window to start and end on a sync, so every sync
// belongs to exactly one window and scores exactly one sync period.
func aligned(s Service, sync time.Duration) error {
	for _, seg := range s.Demand.Segments {
		if seg.From%sync != 0 || seg.To%sync != 0 {
			return fmt.Errorf("service %s: demand window %s..%s does not start and end on a multiple of the %s sync period",
				s.Name, seg.From, seg.To, sync)
		}
	}
	return nil
}

func replayOne(svc Service, p Policy, cfg Config) (ServiceScore, error) {
	tuner, err := p.NewTuner(ServiceInfo{Name: svc.Name, Start: svc.Start, Request: svc.Request})
	if err != nil {
		return ServiceScore{}, fmt.Errorf("policy %s, service %s: %w", p.Name(), svc.Name, err)
	}
	r := &run{cfg: cfg, svc: svc, tuner: tuner, foot: Footprint{Window: cfg.NodeWindow}}
	if err := r.start(); err != nil {
		return ServiceScore{}, fmt.Errorf("policy %s, service %s: initial setting: %w", p.Name(), svc.Name, err)
	}
	if err := r.loop(); err != nil {
		return ServiceScore{}, fmt.Errorf("policy %s, service %s: %w", p.Name(), svc.Name, err)
	}
	r.score.price(cfg.Prices, cfg.PodMemoryGiB)
	return ServiceScore{Score: r.score, Footprint: r.foot}, nil
}
