package crosscheck

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"tailor.dev/tailor/internal/horizontal"
)

// controllerConfig is the HPA configuration of the cross-check cluster;
// every scenario in testdata declares the same (Supported checks it), and
// controllerFlags passes it to kube-controller-manager.
var controllerConfig = horizontal.Config{
	SyncPeriod:              4 * time.Second,
	Tolerance:               0.1,
	DownscaleStabilization:  18 * time.Second,
	CPUInitializationPeriod: 5 * time.Minute,
	InitialReadinessDelay:   30 * time.Second,
}

// loadScenarios parses testdata/*.test and checks each is supported and
// that the model meets the expectations written in it.
func loadScenarios(t *testing.T) []*horizontal.Scenario {
	t.Helper()
	files, err := filepath.Glob("testdata/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenarios in testdata (%v)", err)
	}
	var out []*horizontal.Scenario
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		s, err := horizontal.ParseScenario(filepath.Base(f), r)
		_ = r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := Supported(s, controllerConfig); err != nil {
			t.Fatal(err)
		}
		steps, err := s.Run()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range s.Check(steps) {
			t.Errorf("model: %v", e)
		}
		out = append(out, s)
	}
	return out
}

// TestScenarioFiles runs every cross-check scenario through the model only
// (also under -short): the expectations in the files are the model's
// timelines the real controller is compared with.
func TestScenarioFiles(t *testing.T) {
	for _, s := range loadScenarios(t) {
		steps, _ := s.Run()
		t.Logf("%s: %s", s.Name, ModelTimeline(s.Initial, steps))
	}
}
