package cli

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/workload"
)

func TestPriceReport(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	rep := recommendReport{Recommendations: []containerRec{
		{Replicas: 2, Current: resourcesJSON{CPURequest: f(1), MemRequest: f(2 * workload.GiB)},
			Recommended: resourcesJSON{CPURequest: f(0.5), MemRequest: f(3 * workload.GiB)}},
		{Replicas: 1, Current: resourcesJSON{CPURequest: f(1)}, Recommended: resourcesJSON{CPURequest: f(1), MemRequest: f(workload.GiB)}},
	}}
	priceReport(&rep, cost.Prices{CPUCoreHour: 0.04, MemGiBHour: 0.005})
	// 2 replicas x (-0.5 core x 0.04 + 1 GiB x 0.005) x 730.5 h = -21.915; the second row
	// has no current memory, so only its (unchanged) CPU counts.
	want := 2 * (-0.5*0.04 + 1*0.005) * 730.5
	if math.Abs(rep.Recommendations[0].MonthlyDeltaUSD-want) > 1e-9 || rep.Recommendations[1].MonthlyDeltaUSD != 0 {
		t.Fatalf("rows %+v, want %v and 0", rep.Recommendations, want)
	}
	if math.Abs(rep.MonthlyDeltaUSD-want) > 1e-9 || rep.Prices.CPUCoreHour != 0.04 {
		t.Fatalf("total %v prices %+v", rep.MonthlyDeltaUSD, rep.Prices)
	}
}

func TestRecommendPrices(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "prices.json")
	if err := os.WriteFile(good, []byte(`{"CPU":"1","RAM":"0","spotCPU":"0.5","spotRAM":"0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run("recommend", "--demo", "--prices", good, "--spot")
	if r.code != ExitOK || !strings.Contains(r.stdout, "at $0.5/core-h and $0/GiB-h") {
		t.Fatalf("exit %d, output:\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"CPU":"x","RAM":"1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.json")} {
		r := run("recommend", "--demo", "--prices", path)
		if r.code != ExitError || !strings.Contains(r.stderr, path) {
			t.Fatalf("--prices %s: exit %d, stderr %q", path, r.code, r.stderr)
		}
	}
}
