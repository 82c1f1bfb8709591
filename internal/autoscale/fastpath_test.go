package autoscale_test

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"tailor.dev/tailor/internal/autoscale"
)

// synthetic is a seeded 2-day service: a daily cycle, noise, jumps.
func synthetic(t *testing.T, name string, seed uint64, request float64) autoscale.Service {
	rng := rand.New(rand.NewPCG(seed, 1))
	var demand []float64
	for i := range 2 * 288 {
		d := 3 + 2*math.Sin(2*math.Pi*float64(i)/288) + 0.4*rng.NormFloat64()
		if rng.Float64() < 0.03 {
			d *= 1 + 2*rng.Float64()
		}
		demand = append(demand, math.Max(0, d))
	}
	return service(t, name, 5*time.Minute, request, demand...)
}

// The fast path of the replay (skipping syncs that cannot change anything)
// scores exactly what running every sync scores, for every policy.
func TestFastPathMatchesEverySync(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every sync")
	}
	services := []autoscale.Service{synthetic(t, "a", 1, 0.5), synthetic(t, "b", 2, 2)}
	policies := append(autoscale.StaticTargets(), autoscale.DefaultTortoise(), autoscale.DefaultTailor())
	cfg := autoscale.DefaultConfig()
	cfg.WarmUp, cfg.Workers = 12*time.Hour, 2
	fast, err := autoscale.Replay(services, policies, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.EverySync = true
	every, err := autoscale.Replay(services, policies, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range fast.Policies {
		for j, s := range p.PerService {
			if want := every.Policies[i].PerService[j].Score; s.Score != want {
				t.Errorf("%s on %s: fast path %+v, every sync %+v", p.Name, s.Service, s.Score, want)
			}
			if want := every.Policies[i].PerService[j].Footprint; !reflect.DeepEqual(s.Footprint, want) {
				t.Errorf("%s on %s: fast path footprint %+v, every sync %+v", p.Name, s.Service, s.Footprint, want)
			}
		}
		if p.Total.ScaleEvents == 0 {
			t.Errorf("%s never scaled: the test exercises nothing", p.Name)
		}
	}
}
