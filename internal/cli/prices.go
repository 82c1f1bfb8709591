package cli

import (
	"fmt"
	"os"

	"tailor.dev/tailor/internal/cost"
	"tailor.dev/tailor/internal/workload"
)

// loadPrices reads an OpenCost pricing file, or returns OpenCost's defaults.
func loadPrices(path string, spot bool) (cost.Prices, error) {
	if path == "" {
		if spot {
			return cost.OpenCostSpot, nil
		}
		return cost.OpenCostOnDemand, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return cost.Prices{}, fmt.Errorf("--prices: %w", err)
	}
	defer f.Close()
	p, err := cost.ReadOpenCost(f, spot)
	if err != nil {
		return cost.Prices{}, fmt.Errorf("--prices %s: %w", path, err)
	}
	return p, nil
}

// priceReport fills the monthly cost change of every row and the total:
// (recommended - current) requests x replicas seen, for a month. A resource
// missing on either side does not count.
func priceReport(rep *recommendReport, p cost.Prices) {
	rep.Prices = pricesJSON{CPUCoreHour: p.CPUCoreHour, MemGiBHour: p.MemGiBHour}
	rep.MonthlyDeltaUSD = 0
	for i := range rep.Recommendations {
		c := &rep.Recommendations[i]
		cores := delta(c.Current.CPURequest, c.Recommended.CPURequest)
		gib := delta(c.Current.MemRequest, c.Recommended.MemRequest) / workload.GiB
		c.MonthlyDeltaUSD = p.Monthly(cores, gib) * float64(c.Replicas)
		rep.MonthlyDeltaUSD += c.MonthlyDeltaUSD
	}
}

func delta(cur, rec *float64) float64 {
	if cur == nil || rec == nil {
		return 0
	}
	return *rec - *cur
}
