package simulate_test

import (
	"io"
	"math"
	"tailor.dev/tailor/internal/shareddata"
	"testing"

	"tailor.dev/tailor/internal/baseline/autopilot"
	"tailor.dev/tailor/internal/baseline/krr"
	"tailor.dev/tailor/internal/baseline/vpa"
	"tailor.dev/tailor/internal/recommend"
	"tailor.dev/tailor/internal/simulate"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// firstN stops a reader after n containers (readers of bitbrains and google
// emit one container after the other).
type firstN struct {
	r    trace.Reader
	n    int
	seen map[string]bool
}

func (f *firstN) Next() (workload.Sample, error) {
	s, err := f.r.Next()
	if err != nil {
		return s, err
	}
	if !f.seen[s.Ref.Key()] {
		if len(f.seen) == f.n {
			return workload.Sample{}, io.EOF
		}
		f.seen[s.Ref.Key()] = true
	}
	return s, nil
}

func allPolicies(t *testing.T) []simulate.Policy {
	e, err := recommend.New(recommend.Default())
	if err != nil {
		t.Fatal(err)
	}
	return []simulate.Policy{simulate.Tailor{Engine: e}, vpa.New(vpa.Default()), krr.New(krr.Default()),
		autopilot.New(autopilot.Default()), simulate.Manual{}}
}

// Every policy replays the same samples of real traces and its totals add up.
func TestReplayInvariantsOnRealTraces(t *testing.T) {
	for _, tc := range []struct {
		dataset    string
		containers int
	}{{"google-2019-tasks", 13}, {"bitbrains-rnd", 3}, {"azure-v1-vm-cpu", 67}} {
		t.Run(tc.dataset, func(t *testing.T) {
			if testing.Short() && tc.dataset != "google-2019-tasks" {
				t.Skip("short mode")
			}
			r, _, err := trace.Open(shareddata.Dir(t, tc.dataset), "")
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			res, err := simulate.Replay(&firstN{r: r, n: tc.containers, seen: map[string]bool{}}, allPolicies(t), simulate.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			if res.Containers != tc.containers {
				t.Fatalf("containers = %d, want %d", res.Containers, tc.containers)
			}
			checkInvariants(t, res)
		})
	}
}

func checkInvariants(t *testing.T, res simulate.Result) {
	t.Helper()
	first := res.Policies[0].Total
	for _, p := range res.Policies {
		sc := p.Total
		if sc.Samples != first.Samples || sc.CPUUsageCoreHours != first.CPUUsageCoreHours || sc.MemUsageGiBHours != first.MemUsageGiBHours {
			t.Errorf("%s scored %d samples / %.3f core-h / %.3f GiB-h of usage; %s scored %d / %.3f / %.3f",
				p.Name, sc.Samples, sc.CPUUsageCoreHours, sc.MemUsageGiBHours,
				res.Policies[0].Name, first.Samples, first.CPUUsageCoreHours, first.MemUsageGiBHours)
		}
		if d := (sc.CPUSlackCoreHours - sc.CPUShortfallCoreHours) - (sc.CPURequestCoreHours - sc.CPUUsageCoreHours); math.Abs(d) > 1e-6*math.Max(1, sc.CPURequestCoreHours) {
			t.Errorf("%s: cpu slack - shortfall differs from request - usage by %v", p.Name, d)
		}
		if sc.MemSlackGiBHours < sc.MemRequestGiBHours-sc.MemUsageGiBHours-1e-6*math.Max(1, sc.MemRequestGiBHours) {
			t.Errorf("%s: memory slack %v below request - usage %v", p.Name, sc.MemSlackGiBHours, sc.MemRequestGiBHours-sc.MemUsageGiBHours)
		}
		var sum simulate.Score
		for _, c := range p.PerContainer {
			sum.Add(c.Score)
		}
		if sum.OOMKills != sc.OOMKills || sum.Changes != sc.Changes || math.Abs(sum.CostUSD-sc.CostUSD) > 1e-6 {
			t.Errorf("%s: per-container scores do not add up", p.Name)
		}
		if sc.RelativeCPUSlack() < 0 || sc.RelativeCPUSlack() > 1 || sc.RelativeMemSlack() < 0 || sc.RelativeMemSlack() > 1 {
			t.Errorf("%s: relative slack out of [0,1]", p.Name)
		}
	}
}
