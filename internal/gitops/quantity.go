package gitops

import (
	"math"

	"k8s.io/apimachinery/pkg/api/resource"

	"tailor.dev/tailor/internal/workload"
)

// field is one of the four resource values a patch can set.
type field int

const (
	cpuRequest field = iota
	cpuLimit
	memRequest
	memLimit
)

// fields is every field in the order patches and messages list them.
var fields = [...]field{cpuRequest, cpuLimit, memRequest, memLimit}

func (f field) String() string { return f.resource() + " " + f.kind() }

// resource is the key under requests/limits: "cpu" or "memory".
func (f field) resource() string {
	if f == cpuRequest || f == cpuLimit {
		return "cpu"
	}
	return "memory"
}

// kind is "request" or "limit".
func (f field) kind() string {
	if f == cpuRequest || f == memRequest {
		return "request"
	}
	return "limit"
}

// section is the key of the resources map: "requests" or "limits".
func (f field) section() string { return f.kind() + "s" }

func (f field) get(r workload.Resources) float64 {
	switch f {
	case cpuRequest:
		return r.CPURequest
	case cpuLimit:
		return r.CPULimit
	case memRequest:
		return r.MemRequest
	default:
		return r.MemLimit
	}
}

// scale converts the workload unit (cores, bytes) to the stored unit
// (millicores, bytes).
func (f field) scale() float64 {
	if f.resource() == "cpu" {
		return 1000
	}
	return 1
}

// round is v in the stored unit, to the nearest whole unit; a positive value
// never rounds to 0 ("not set"), it becomes the smallest unit instead.
func (f field) round(v float64) int64 {
	if !(v > 0) || v*f.scale() > maxValue {
		return 0
	}
	n := int64(math.Round(v * f.scale()))
	if n == 0 {
		return 1
	}
	return n
}

// quantity is the Kubernetes quantity of a stored value, in the form the
// API server prints back after parsing it: millicores in DecimalSI ("250m",
// "1", "1500m"); bytes in BinarySI when they are a whole number of Ki
// ("512Mi", "1Gi", "1536Mi"), else in DecimalSI, which is the plain number
// of bytes or, when that ends in zeros, a decimal suffix ("300M").
func (f field) quantity(n int64) resource.Quantity {
	if f.resource() == "cpu" {
		return *resource.NewMilliQuantity(n, resource.DecimalSI)
	}
	if n%1024 == 0 {
		return *resource.NewQuantity(n, resource.BinarySI)
	}
	return *resource.NewQuantity(n, resource.DecimalSI)
}

// format is the quantity as text, "none" for 0 (not set).
func (f field) format(n int64) string {
	if n == 0 {
		return "none"
	}
	q := f.quantity(n)
	return q.String()
}
