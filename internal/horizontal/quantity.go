package horizontal

import (
	"fmt"
	"math"
	"math/big"
	"strings"
)

// Milli is an amount in thousandths of its unit: millicores for CPU,
// millibytes for memory, milli-units for custom and external metrics. The
// Kubernetes controller computes in these units (resource.Quantity.MilliValue),
// so integer truncations happen here where they happen upstream.
type Milli int64

// MilliFromFloat converts v units to Milli, rounding up like
// resource.Quantity.MilliValue. A value within 1e-6 milli of a whole milli is
// taken as that milli, so 0.1 cores is 100m and not 101m.
func MilliFromFloat(v float64) Milli {
	m := v * 1000
	if r := math.Round(m); math.Abs(m-r) < 1e-6 {
		return Milli(r)
	}
	return Milli(math.Ceil(m))
}

// Float returns the amount in whole units.
func (m Milli) Float() float64 { return float64(m) / 1000 }

// String formats the amount as a Kubernetes quantity ("500m", "2").
func (m Milli) String() string {
	if m%1000 == 0 {
		return fmt.Sprintf("%d", int64(m)/1000)
	}
	return fmt.Sprintf("%dm", int64(m))
}

var quantitySuffixes = []struct {
	suffix string
	mult   int64
}{
	{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
	{"k", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12},
}

// ParseQuantity parses a Kubernetes quantity such as "500m", "2", "0.25",
// "256Mi" or "1G" and returns it in Milli, rounding up a fraction of a milli.
func ParseQuantity(s string) (Milli, error) {
	num, mult, divide := s, int64(1), false
	if strings.HasSuffix(s, "m") {
		num, divide = strings.TrimSuffix(s, "m"), true
	} else {
		for _, q := range quantitySuffixes {
			if strings.HasSuffix(s, q.suffix) {
				num, mult = strings.TrimSuffix(s, q.suffix), q.mult
				break
			}
		}
	}
	r, ok := new(big.Rat).SetString(num)
	if num == "" || !ok || strings.ContainsAny(num, "/eE") {
		return 0, fmt.Errorf("invalid quantity %q", s)
	}
	if !divide {
		r.Mul(r, new(big.Rat).SetInt64(mult*1000))
	}
	return ratCeil(r, s)
}

func ratCeil(r *big.Rat, s string) (Milli, error) {
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		return 0, fmt.Errorf("quantity %q is out of range", s)
	}
	return Milli(q.Int64()), nil
}
