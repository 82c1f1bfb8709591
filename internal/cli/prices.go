package cli

import (
	"fmt"
	"os"

	"tailor.dev/tailor/internal/cost"
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
