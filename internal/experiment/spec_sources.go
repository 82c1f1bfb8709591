package experiment

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Unit is the unit of a metric source's values.
type Unit string

// Units. Every source is non-negative.
const (
	Seconds           Unit = "seconds"
	RequestsPerSecond Unit = "requests/s"
	Ratio             Unit = "ratio" // 0..1
	Count             Unit = "count"
	Bytes             Unit = "bytes"
	USDPerHour        Unit = "USD/h"
)

// Metric source names, the keys of Measurement.Metrics.
const (
	LatencyP50        = "latency_p50"
	LatencyP95        = "latency_p95"
	LatencyP99        = "latency_p99"
	Throughput        = "throughput"
	ErrorRate         = "error_rate"
	CPUThrottledRatio = "cpu_throttled_ratio"
	OOMKills          = "oom_kills"
	PeakMemoryBytes   = "peak_memory_bytes"
	CostPerHour       = "cost_per_hour"
)

// Source is a built-in metric source.
type Source struct {
	Name        string
	Unit        Unit
	Description string
}

// Sources lists the built-in metric sources. A Runner measures all but
// cost_per_hour, which Run computes from the trial's resources and
// spec.prices.
var Sources = []Source{
	{LatencyP50, Seconds, "median latency of the load test's requests (after warmup)"},
	{LatencyP95, Seconds, "95th percentile latency of the load test's requests"},
	{LatencyP99, Seconds, "99th percentile latency of the load test's requests"},
	{Throughput, RequestsPerSecond, "successful responses per second during the load test"},
	{ErrorRate, Ratio, "fraction of the load test's requests that failed (0..1)"},
	{CPUThrottledRatio, Ratio, "throttled CPU periods / all CPU periods of the trial's cgroup during the load test"},
	{OOMKills, Count, "OOM kills in the trial's cgroup during the trial"},
	{PeakMemoryBytes, Bytes, "peak memory usage of the trial's cgroup"},
	{CostPerHour, USDPerHour, "price of the trial's resources for one hour at spec.prices"},
}

// LookupSource returns the built-in source named name.
func LookupSource(name string) (Source, bool) {
	for _, s := range Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

func sourceNames() string {
	names := make([]string, len(Sources))
	for i, s := range Sources {
		names[i] = s.Name
	}
	return strings.Join(names, ", ")
}

// ParseValue reads a value of the source's unit: a plain number in the
// unit, or for Seconds a Go duration ("250ms"), for Bytes a Kubernetes
// quantity ("512Mi"), for Ratio a percentage ("1%"). The result is in the
// unit (seconds, bytes, 0..1) and must be >= 0.
func (s Source) ParseValue(v Scalar) (float64, error) {
	x, err := s.parse(v)
	switch {
	case err != nil:
		return 0, err
	case math.IsNaN(x) || math.IsInf(x, 0):
		return 0, fmt.Errorf("%s: want a finite number", v.describe())
	case x < 0:
		return 0, fmt.Errorf("%s: must be >= 0", v.describe())
	}
	return x, nil
}

func (s Source) parse(v Scalar) (float64, error) {
	if !v.IsString() {
		return v.Float()
	}
	t := strings.TrimSpace(v.Text())
	switch s.Unit {
	case Seconds:
		d, err := time.ParseDuration(t)
		if err != nil {
			return 0, fmt.Errorf("%s: want a duration such as 250ms or 1.5s, or a number of seconds", v.describe())
		}
		return d.Seconds(), nil
	case Bytes:
		q, err := resource.ParseQuantity(t)
		if err != nil {
			return 0, fmt.Errorf("%s: want a quantity such as 512Mi or 2G, or a number of bytes", v.describe())
		}
		return q.AsApproximateFloat64(), nil
	case Ratio:
		if p, ok := strings.CutSuffix(t, "%"); ok {
			x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
			if err != nil {
				return 0, fmt.Errorf("%s: want a percentage such as 1%% or a number in 0..1", v.describe())
			}
			return x / 100, nil
		}
	}
	x, err := strconv.ParseFloat(t, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: want a number (%s)", v.describe(), s.Unit)
	}
	return x, nil
}

// Format writes a value of the source for people: durations for Seconds,
// binary units for Bytes, a percentage for Ratio.
func (s Source) Format(v float64) string {
	switch s.Unit {
	case Seconds:
		return time.Duration(math.Round(v * 1e9)).Round(durationPrecision(v)).String()
	case Bytes:
		return formatBytes(v)
	case Ratio:
		return strconv.FormatFloat(100*v, 'g', 3, 64) + "%"
	case RequestsPerSecond:
		return strconv.FormatFloat(v, 'f', 1, 64) + "/s"
	case USDPerHour:
		return "$" + strconv.FormatFloat(v, 'g', 4, 64) + "/h"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// durationPrecision keeps about three significant digits.
func durationPrecision(sec float64) time.Duration {
	p := time.Nanosecond
	for p < time.Second && float64(p)*1000 < sec*1e9 {
		p *= 10
	}
	return p
}

func formatBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for i < len(units)-1 && math.Abs(v) >= 1024 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + units[i]
}
