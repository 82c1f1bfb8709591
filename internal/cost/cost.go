package cost

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Prices are unit prices in USD.
type Prices struct {
	CPUCoreHour float64 // USD per requested core-hour
	MemGiBHour  float64 // USD per requested GiB-hour
}

// OpenCostOnDemand are OpenCost's default on-demand rates (configs/default.json,
// "based on GCP us-central1"): 0.031611 USD per vCPU-hour, 0.004237 USD per
// GiB-hour. See ../shared/data/opencost-default-rates/README.md.
var OpenCostOnDemand = Prices{CPUCoreHour: 0.031611, MemGiBHour: 0.004237}

// OpenCostSpot are OpenCost's default spot rates from the same file.
var OpenCostSpot = Prices{CPUCoreHour: 0.006655, MemGiBHour: 0.000892}

// HoursPerMonth is the average month (365.25 * 24 / 12).
const HoursPerMonth = 730.5

// Cost is the price of the given requested core-hours and GiB-hours.
func (p Prices) Cost(coreHours, gibHours float64) float64 {
	return coreHours*p.CPUCoreHour + gibHours*p.MemGiBHour
}

// Monthly is the monthly price of holding cores and GiB for a whole month.
func (p Prices) Monthly(cores, gib float64) float64 {
	return p.Cost(cores*HoursPerMonth, gib*HoursPerMonth)
}

// ReadOpenCost parses an OpenCost pricing config (the format of
// opencost configs/default.json: string-valued "CPU", "RAM", "spotCPU",
// "spotRAM"). spot selects the spot rates.
func ReadOpenCost(r io.Reader, spot bool) (Prices, error) {
	var raw map[string]any
	if err := json.NewDecoder(r).Decode(&raw); err != nil {
		return Prices{}, fmt.Errorf("read opencost prices: %w", err)
	}
	cpuKey, ramKey := "CPU", "RAM"
	if spot {
		cpuKey, ramKey = "spotCPU", "spotRAM"
	}
	cpu, err := priceField(raw, cpuKey)
	if err != nil {
		return Prices{}, err
	}
	ram, err := priceField(raw, ramKey)
	if err != nil {
		return Prices{}, err
	}
	return Prices{CPUCoreHour: cpu, MemGiBHour: ram}, nil
}

func priceField(raw map[string]any, key string) (float64, error) {
	v, ok := raw[key]
	if !ok {
		return 0, fmt.Errorf("read opencost prices: field %q is missing", key)
	}
	var f float64
	switch x := v.(type) {
	case string:
		p, err := strconv.ParseFloat(x, 64)
		if err != nil {
			return 0, fmt.Errorf("read opencost prices: field %q: %q is not a number", key, x)
		}
		f = p
	case float64:
		f = x
	default:
		return 0, fmt.Errorf("read opencost prices: field %q: want a number, got %T", key, v)
	}
	if f < 0 || f != f {
		return 0, fmt.Errorf("read opencost prices: field %q: %v is not a valid price", key, f)
	}
	return f, nil
}
