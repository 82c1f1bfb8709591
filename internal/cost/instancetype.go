package cost

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// MiB is one mebibyte in bytes.
const MiB = 1 << 20

// Allocatable is what pods can request on a node: its capacity minus the
// kubelet's kube-reserved, system-reserved and hard-eviction memory, and
// the most pods the node admits.
type Allocatable struct {
	MilliCPU    int64
	MemoryBytes int64
	Pods        int
}

// InstanceType is a node shape with its allocatable resources and price.
type InstanceType struct {
	Name        string
	Arch        string // amd64 or arm64
	VCPU        int
	MemoryMiB   int64 // instance memory
	Allocatable Allocatable
	// OnDemandUSDPerHour and SpotUSDPerHour are USD per instance-hour;
	// 0 means unknown.
	OnDemandUSDPerHour, SpotUSDPerHour float64
}

// Price is the USD per instance-hour on demand or on spot, and whether it
// is known.
func (t InstanceType) Price(spot bool) (float64, bool) {
	p := t.OnDemandUSDPerHour
	if spot {
		p = t.SpotUSDPerHour
	}
	return p, p > 0
}

// Karpenter's node overhead for an AL2023 node with no kubelet overrides
// (aws/karpenter-provider-aws pkg/providers/instancetype/types.go):
// VMMemoryOverheadPercent is the --vm-memory-overhead-percent default;
// EvictionHardMemoryMiB is the default memory.available hard eviction
// threshold; arm64 (Graviton) nodes lose a further GravitonCMAMiB of CMA
// memory. System-reserved is empty by default.
const (
	VMMemoryOverheadPercent = 0.075
	EvictionHardMemoryMiB   = 100
	GravitonCMAMiB          = 64
)

// KarpenterAllocatable is the allocatable of a node with vcpu vCPUs,
// memoryMiB of instance memory and maxPods pods, computed the way
// Karpenter computes it for AWS (docs/autoscalers.md, "Nodes"):
//
//	capacity CPU    = vcpu × 1000 m
//	capacity memory = m − ceil(m × 0.075) MiB, m = memoryMiB (− 64 on arm64)
//	kube-reserved   = CPU: 6% of the first core, 1% of the second, 0.5% of
//	                  the third and fourth, 0.25% of every further core
//	                  (each band truncated to whole millicores);
//	                  memory: 11 MiB × maxPods + 255 MiB
//	eviction        = 100 MiB of memory
//	allocatable     = capacity − kube-reserved − eviction
//
// maxPods is the VPC CNI limit ENIs × (IPv4 addresses per ENI − 1) + 2
// (awslabs/amazon-eks-ami eni-max-pods.txt) or the kubelet's maxPods.
// It reproduces alloc_cpu_millicores and alloc_memory_mib of every row of
// ../shared/data/aws-ec2-instance-types.
func KarpenterAllocatable(vcpu int, memoryMiB int64, arch string, maxPods int) Allocatable {
	cpu := int64(vcpu) * 1000
	reserved := int64(0)
	for _, band := range []struct {
		from, to int64
		share    float64
	}{{0, 1000, 0.06}, {1000, 2000, 0.01}, {2000, 4000, 0.005}, {4000, math.MaxInt64, 0.0025}} {
		if cpu > band.from {
			reserved += int64(float64(min(cpu, band.to)-band.from) * band.share)
		}
	}
	mib := memoryMiB
	if arch == "arm64" {
		mib -= GravitonCMAMiB
	}
	// Karpenter computes the overhead from bytes: ceil(bytes × 0.075 / MiB).
	mib -= int64(math.Ceil(float64(mib*MiB) * VMMemoryOverheadPercent / MiB))
	mem := mib - (11*int64(maxPods) + 255) - EvictionHardMemoryMiB
	return Allocatable{MilliCPU: cpu - reserved, MemoryBytes: mem * MiB, Pods: maxPods}
}

// Catalog is a set of instance types by name.
type Catalog struct {
	byName map[string]InstanceType
}

// Lookup returns the named instance type, or an error naming it (and the
// sizes of its family the catalog has, when there are some).
func (c Catalog) Lookup(name string) (InstanceType, error) {
	if t, ok := c.byName[name]; ok {
		return t, nil
	}
	family, _, _ := strings.Cut(name, ".")
	var same []string
	for n := range c.byName {
		if f, _, _ := strings.Cut(n, "."); f == family {
			same = append(same, n)
		}
	}
	if len(same) == 0 {
		return InstanceType{}, fmt.Errorf("unknown instance type %q", name)
	}
	sort.Strings(same)
	return InstanceType{}, fmt.Errorf("unknown instance type %q (the catalog has %s)", name, strings.Join(same, ", "))
}

// Len is the number of instance types.
func (c Catalog) Len() int { return len(c.byName) }

// Names lists the instance types, sorted.
func (c Catalog) Names() []string {
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// DefaultMaxPods is the kubelet's maxPods default (kubernetes
// pkg/kubelet/apis/config/v1beta1/defaults.go), used for rows without
// alloc_pods.
const DefaultMaxPods = 110

// ReadInstanceTypes parses the instance-type table of
// ../shared/data/aws-ec2-instance-types (aws_ec2_instance_types.csv;
// columns by header name, any order). Required: instance_type, vcpu,
// memory_mib. Allocatable CPU and memory come from alloc_cpu_millicores and
// alloc_memory_mib when present, else from KarpenterAllocatable; max pods
// from alloc_pods, else DefaultMaxPods. The on-demand price is
// ondemand_linux_usd_per_hour_us_east_1 (empty: unknown); an optional
// spot_usd_per_hour column gives spot prices.
func ReadInstanceTypes(r io.Reader) (Catalog, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return Catalog{}, fmt.Errorf("read instance types: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"instance_type", "vcpu", "memory_mib"} {
		if _, ok := col[need]; !ok {
			return Catalog{}, fmt.Errorf("read instance types: no %q column", need)
		}
	}
	c := Catalog{byName: map[string]InstanceType{}}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Catalog{}, fmt.Errorf("read instance types: %w", err)
		}
		line, _ := cr.FieldPos(0)
		t, err := parseInstanceType(rec, col)
		if err != nil {
			return Catalog{}, fmt.Errorf("read instance types: line %d: %w", line, err)
		}
		if _, dup := c.byName[t.Name]; dup {
			return Catalog{}, fmt.Errorf("read instance types: line %d: instance type %q appears twice", line, t.Name)
		}
		c.byName[t.Name] = t
	}
	if len(c.byName) == 0 {
		return Catalog{}, errors.New("read instance types: no rows")
	}
	return c, nil
}

func parseInstanceType(rec []string, col map[string]int) (InstanceType, error) {
	field := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	t := InstanceType{Name: field("instance_type"), Arch: field("arch")}
	if t.Name == "" {
		return t, errors.New("empty instance_type")
	}
	ints := []struct {
		name     string
		dst      *int64
		optional bool
	}{{"vcpu", new(int64), false}, {"memory_mib", &t.MemoryMiB, false},
		{"alloc_cpu_millicores", new(int64), true}, {"alloc_memory_mib", new(int64), true}, {"alloc_pods", new(int64), true}}
	for _, f := range ints {
		v := field(f.name)
		if v == "" && f.optional {
			*f.dst = -1
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return t, fmt.Errorf("%s: %s %q is not a positive whole number", t.Name, f.name, v)
		}
		*f.dst = n
	}
	t.VCPU = int(*ints[0].dst)
	pods := int(*ints[4].dst)
	if pods < 0 {
		pods = DefaultMaxPods
	}
	t.Allocatable = KarpenterAllocatable(t.VCPU, t.MemoryMiB, t.Arch, pods)
	if cpu := *ints[2].dst; cpu > 0 {
		t.Allocatable.MilliCPU = cpu
	}
	if mem := *ints[3].dst; mem > 0 {
		t.Allocatable.MemoryBytes = mem * MiB
	}
	if t.Allocatable.MilliCPU <= 0 || t.Allocatable.MemoryBytes <= 0 {
		return t, fmt.Errorf("%s: nothing allocatable (%dm CPU, %d MiB)", t.Name, t.Allocatable.MilliCPU, t.Allocatable.MemoryBytes/MiB)
	}
	for _, p := range []struct {
		name string
		dst  *float64
	}{{"ondemand_linux_usd_per_hour_us_east_1", &t.OnDemandUSDPerHour}, {"spot_usd_per_hour", &t.SpotUSDPerHour}} {
		v := field(p.name)
		if v == "" {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return t, fmt.Errorf("%s: %s %q is not a positive price", t.Name, p.name, v)
		}
		*p.dst = f
	}
	return t, nil
}
