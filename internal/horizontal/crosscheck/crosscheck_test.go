package crosscheck

import (
	"fmt"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"tailor.dev/tailor/internal/horizontal"
	"tailor.dev/tailor/internal/lab"
	"tailor.dev/tailor/internal/lab/metricsapi"
)

// controllerFlags passes cfg to kube-controller-manager.
func controllerFlags(cfg horizontal.Config) []string {
	return []string{
		"--horizontal-pod-autoscaler-sync-period=" + cfg.SyncPeriod.String(),
		"--horizontal-pod-autoscaler-downscale-stabilization=" + cfg.DownscaleStabilization.String(),
		"--horizontal-pod-autoscaler-cpu-initialization-period=" + cfg.CPUInitializationPeriod.String(),
		"--horizontal-pod-autoscaler-initial-readiness-delay=" + cfg.InitialReadinessDelay.String(),
		fmt.Sprintf("--horizontal-pod-autoscaler-tolerance=%g", cfg.Tolerance),
	}
}

// TestCrossCheck runs every scenario of testdata against the real HPA
// controller of a lab cluster (kube-controller-manager v1.35.4, kwok pods,
// CPU usage served through the aggregated metrics.k8s.io API) and against
// the model, in parallel in one cluster, and requires the same replica
// timeline: the same counts in the same order, each change within one sync
// period of the model's. Expected runtime: about 85 s with cached binaries
// (`make lab`): the longest scenario runs 16 syncs of 4 s after 10 s of
// set-up.
func TestCrossCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("crosscheck: skipped in -short mode (runs the real HPA controller for about a minute)")
	}
	scenarios := loadScenarios(t)
	if _, err := lab.Cached(""); err != nil {
		t.Skipf("crosscheck: needs the lab binaries: %v", err)
	}
	c := lab.ForTest(t, lab.Options{
		Nodes:      2,
		NoBuild:    true,
		Aggregator: true,
		ExtraArgs:  map[string][]string{"kube-controller-manager": controllerFlags(controllerConfig)},
	})
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	provider := NewProvider(cs)
	srv, err := metricsapi.Start(metricsapi.Config{
		ServerNames: []string{lab.APIServiceHost(metricsapi.Group)},
		ClientCA:    c.FrontProxyCA(),
		ClientNames: []string{lab.FrontProxyClientName},
		ErrorLog:    log.New(testLogWriter{t}, "metricsapi: ", 0),
	}, provider)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	err = c.RegisterAPIService(t.Context(), lab.APIService{
		Group: metricsapi.Group, Version: metricsapi.Version, Port: srv.Port(), CABundle: srv.CABundle(),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The scenarios run concurrently in goroutines (t.Parallel would run
	// only GOMAXPROCS of them at a time), each in its own namespace.
	type outcome struct {
		r   *Result
		err error
		dur time.Duration
	}
	outcomes := make([]outcome, len(scenarios))
	var wg sync.WaitGroup
	for i, s := range scenarios {
		wg.Go(func() {
			start := time.Now()
			r, err := Run(t.Context(), cs, provider, s, namespace(s))
			outcomes[i] = outcome{r, err, time.Since(start)}
		})
	}
	wg.Wait()
	for i, s := range scenarios {
		o := outcomes[i]
		t.Run(strings.TrimSuffix(s.Name, ".test"), func(t *testing.T) {
			if o.r != nil {
				report(t, o.r)
			}
			if o.err != nil {
				t.Fatal(o.err)
			}
			t.Logf("ran in %s", o.dur.Round(100*time.Millisecond))
			// The load is numbered by sync; two syncs close together would
			// shift the numbering against the model's clock.
			if gap, _ := o.r.SyncTiming(); gap < s.Config.SyncPeriod/2 {
				t.Errorf("%s: two controller syncs only %s apart; the sync numbering no longer follows the sync period", s.Name, gap)
			}
			if err := Compare(o.r.Model, o.r.Real, s.Config.SyncPeriod); err != nil {
				t.Errorf("%s: %v", s.Name, err)
			}
		})
	}
}

// namespace is where a scenario runs: cc-<file name with dashes>.
func namespace(s *horizontal.Scenario) string {
	return "cc-" + strings.ReplaceAll(strings.TrimSuffix(s.Name, ".test"), "_", "-")
}

func report(t *testing.T, r *Result) {
	t.Helper()
	a := r.Agreement()
	gap, drift := r.SyncTiming()
	t.Logf("%s\nmodel: %s\nreal:  %s\nsyncs agreeing: replicas %d/%d, utilization %d/%d, Ready pods %d/%d\n"+
		"syncs at least %s apart, last one %s late; slowest pod Ready %s after the sync that created it\n%s",
		r.Scenario.Name, r.Model, r.Real, a.Replicas, a.Syncs, a.Utilization, a.Syncs, a.Ready, a.Syncs,
		gap.Round(time.Millisecond), drift.Round(time.Millisecond), r.ReadyLatency().Round(time.Millisecond), r.Table())
}

// testLogWriter sends the metrics server's connection errors to the test log.
type testLogWriter struct{ t *testing.T }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
