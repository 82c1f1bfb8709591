package cost

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/shareddata"
)

func TestKarpenterAllocatable(t *testing.T) {
	// Rows of the Karpenter instance-type reference (alloc_cpu_millicores,
	// alloc_memory_mib), worked by hand for m5.xlarge: CPU 4000 − (60 + 10
	// + 5 + 5) = 3920 m; memory 16384 − ceil(1228.8) = 15155, − (11 × 58 +
	// 255) − 100 = 14162 MiB.
	tests := []struct {
		name    string
		vcpu    int
		mem     int64
		arch    string
		pods    int
		cpu, mi int64
	}{
		{"m5.xlarge", 4, 16384, "amd64", 58, 3920, 14162},
		{"m5.large", 2, 8192, "amd64", 29, 1930, 6903},
		{"a1.medium (arm64, 1 vCPU)", 1, 2048, "arm64", 8, 940, 1392},
		{"m6g.large (arm64)", 2, 8192, "arm64", 29, 1930, 6844},
		{"t3.nano", 2, 512, "amd64", 4, 1930, 74},
		{"m5.24xlarge", 96, 393216, "amd64", 737, 95690, 355262},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := KarpenterAllocatable(tc.vcpu, tc.mem, tc.arch, tc.pods)
			want := Allocatable{MilliCPU: tc.cpu, MemoryBytes: tc.mi * MiB, Pods: tc.pods}
			if got != want {
				t.Fatalf("got %dm, %d MiB, %d pods; want %dm, %d MiB, %d pods", got.MilliCPU, got.MemoryBytes/MiB, got.Pods,
					want.MilliCPU, want.MemoryBytes/MiB, want.Pods)
			}
		})
	}
}

func TestReadInstanceTypes(t *testing.T) {
	in := "ondemand_linux_usd_per_hour_us_east_1,instance_type,vcpu,memory_mib,arch,alloc_cpu_millicores,alloc_memory_mib,alloc_pods,spot_usd_per_hour\n" +
		"0.192,m5.xlarge,4,16384,amd64,3900,14000,58,0.07\n" + // the table's allocatable wins
		",x1.large,2,8192,amd64,,,29,\n" + // computed, no price
		"0.1,y1.large,2,8192,arm64,,,,\n" // computed with 110 pods
	c, err := ReadInstanceTypes(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 3 || strings.Join(c.Names(), ",") != "m5.xlarge,x1.large,y1.large" {
		t.Fatalf("names %v", c.Names())
	}
	m5, _ := c.Lookup("m5.xlarge")
	if m5.Allocatable != (Allocatable{3900, 14000 * MiB, 58}) || m5.OnDemandUSDPerHour != 0.192 || m5.SpotUSDPerHour != 0.07 || m5.VCPU != 4 {
		t.Errorf("m5.xlarge %+v", m5)
	}
	x1, _ := c.Lookup("x1.large")
	if x1.Allocatable != KarpenterAllocatable(2, 8192, "amd64", 29) {
		t.Errorf("x1.large allocatable %+v", x1.Allocatable)
	}
	if _, ok := x1.Price(false); ok {
		t.Errorf("x1.large has no price in the table")
	}
	y1, _ := c.Lookup("y1.large")
	if y1.Allocatable != KarpenterAllocatable(2, 8192, "arm64", DefaultMaxPods) {
		t.Errorf("y1.large allocatable %+v", y1.Allocatable)
	}
	if p, ok := y1.Price(true); ok || p != 0 {
		t.Errorf("y1.large spot price %v %v", p, ok)
	}
}

func TestReadInstanceTypesErrors(t *testing.T) {
	const h = "instance_type,vcpu,memory_mib,ondemand_linux_usd_per_hour_us_east_1\n"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", "header"},
		{"no rows", h, "no rows"},
		{"no memory column", "instance_type,vcpu\nm5.large,2\n", `no "memory_mib" column`},
		{"bad vcpu", h + "m5.large,two,8192,0.1\n", `line 2: m5.large: vcpu "two"`},
		{"zero memory", h + "m5.large,2,0,0.1\n", `memory_mib "0"`},
		{"bad price", h + "m5.large,2,8192,-1\n", `not a positive price`},
		{"no name", h + ",2,8192,0.1\n", "empty instance_type"},
		{"duplicate", h + "m5.large,2,8192,0.1\nm5.large,2,8192,0.1\n", `line 3: instance type "m5.large" appears twice`},
		{"nothing allocatable", h + "t0.tiny,1,256,0.1\n", "nothing allocatable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadInstanceTypes(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	c, err := ReadInstanceTypes(strings.NewReader("instance_type,vcpu,memory_mib\nm5.large,2,8192\nm5.xlarge,4,16384\n"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"m5.huge":  `unknown instance type "m5.huge" (the catalog has m5.large, m5.xlarge)`,
		"zz.large": `unknown instance type "zz.large"`,
	} {
		if _, err := c.Lookup(name); err == nil || err.Error() != want {
			t.Errorf("Lookup(%s) = %v, want %q", name, err, want)
		}
	}
}

// The formula reproduces Karpenter's allocatable for every row of the
// shared table, and the prices are read.
func TestSharedInstanceTypes(t *testing.T) {
	f, err := os.Open(filepath.Join(shareddata.Dir(t, "aws-ec2-instance-types"), "aws_ec2_instance_types.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := ReadInstanceTypes(f)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != 1363 {
		t.Errorf("%d types, the README says 1,363", c.Len())
	}
	unpriced := 0
	for _, name := range c.Names() {
		it, _ := c.Lookup(name)
		if got := KarpenterAllocatable(it.VCPU, it.MemoryMiB, it.Arch, it.Allocatable.Pods); got != it.Allocatable {
			t.Errorf("%s: formula %+v, table %+v", name, got, it.Allocatable)
		}
		if _, ok := it.Price(false); !ok {
			unpriced++
		}
	}
	if unpriced != 18 {
		t.Errorf("%d types without an on-demand price, the README says 18", unpriced)
	}
	m5, err := c.Lookup("m5.xlarge")
	if err != nil || m5.OnDemandUSDPerHour != 0.192 || m5.Allocatable != (Allocatable{3920, 14162 * MiB, 58}) {
		t.Errorf("m5.xlarge: %+v, %v", m5, err)
	}
}
