package cost

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"tailor.dev/tailor/internal/shareddata"
	"testing"
)

func TestCost(t *testing.T) {
	p := Prices{CPUCoreHour: 0.03, MemGiBHour: 0.004}
	if got := p.Cost(10, 100); math.Abs(got-0.7) > 1e-12 {
		t.Fatalf("Cost = %v, want 0.7", got)
	}
	if got := p.Monthly(1, 0); math.Abs(got-0.03*730.5) > 1e-9 {
		t.Fatalf("Monthly = %v", got)
	}
}

func TestReadOpenCost(t *testing.T) {
	tests := []struct {
		name, in string
		spot     bool
		want     Prices
		err      string
	}{
		{"strings", `{"CPU":"0.5","RAM":"0.25"}`, false, Prices{0.5, 0.25}, ""},
		{"spot", `{"CPU":"0.5","RAM":"0.25","spotCPU":"0.1","spotRAM":"0.02"}`, true, Prices{0.1, 0.02}, ""},
		{"numbers", `{"CPU":1,"RAM":2}`, false, Prices{1, 2}, ""},
		{"missing", `{"CPU":"1"}`, false, Prices{}, `field "RAM" is missing`},
		{"bad", `{"CPU":"x","RAM":"1"}`, false, Prices{}, `field "CPU": "x" is not a number`},
		{"negative", `{"CPU":"-1","RAM":"1"}`, false, Prices{}, `not a valid price`},
		{"not json", `CPU=1`, false, Prices{}, `read opencost prices`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadOpenCost(strings.NewReader(tc.in), tc.spot)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// The defaults must match the shared OpenCost file when it is present.
func TestDefaultsMatchOpenCostFile(t *testing.T) {
	path := filepath.Join(shareddata.Dir(t, "opencost-default-rates"), "default.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := ReadOpenCost(f, false)
	if err != nil {
		t.Fatal(err)
	}
	if got != OpenCostOnDemand {
		t.Fatalf("file %+v != OpenCostOnDemand %+v", got, OpenCostOnDemand)
	}
}
