package trace_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

// readAll drains r, returning the samples read before the first error.
func readAll(r trace.Reader) ([]workload.Sample, error) {
	var out []workload.Sample
	for {
		s, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
}

// readString reads content in format through NewReader under name.
func readString(name, format, content string) ([]workload.Sample, error) {
	r, err := trace.NewReader(strings.NewReader(content), name, format)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return readAll(r)
}

// badCase is one rejected input and the exact error it must produce.
type badCase struct {
	name, content, want string
}

// checkBad runs bad cases through NewReader and checks each error is a
// *ParseError with the exact text.
func checkBad(t *testing.T, file, format string, cases []badCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readString(file, format, tc.content)
			var pe *trace.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got error %v (%T), want *ParseError %q", err, err, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("got  %q\nwant %q", err.Error(), tc.want)
			}
		})
	}
}

// sameFloat treats NaN as equal to NaN.
func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// sameSample compares samples field by field (NaN equals NaN).
func sameSample(a, b workload.Sample) bool {
	return a.Ref == b.Ref && a.Time.Equal(b.Time) && a.Interval == b.Interval &&
		sameFloat(a.CPU, b.CPU) && sameFloat(a.Memory, b.Memory) &&
		a.Provisioned == b.Provisioned && a.OOMKilled == b.OOMKilled &&
		sameFloat(a.ThrottledFraction, b.ThrottledFraction)
}

func gzipBytes(t testing.TB, content string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	if _, err := gz.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeFiles creates files (path relative to dir -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

// contract checks the Reader contract sample by sample: values NaN
// (unknown) or finite and non-negative, at least one usage known, provisioned
// values finite and non-negative, a positive interval, a throttled fraction
// of at most 1, and strictly increasing time per container.
type contract struct {
	last    map[workload.ContainerRef]time.Time
	count   map[workload.ContainerRef]int
	samples int
}

func newContract() *contract {
	return &contract{last: map[workload.ContainerRef]time.Time{}, count: map[workload.ContainerRef]int{}}
}

func (c *contract) check(t testing.TB, s workload.Sample) {
	t.Helper()
	for _, v := range []float64{s.CPU, s.Memory, s.ThrottledFraction} {
		if v < 0 || math.IsInf(v, 0) {
			t.Fatalf("sample %d: bad value %g in %+v", c.samples, v, s)
		}
	}
	p := s.Provisioned
	for _, v := range []float64{p.CPURequest, p.CPULimit, p.MemRequest, p.MemLimit} {
		if v < 0 || math.IsInf(v, 0) || math.IsNaN(v) {
			t.Fatalf("sample %d: bad provisioned value %g in %+v", c.samples, v, s)
		}
	}
	if (!s.HasCPU() && !s.HasMemory()) || s.Interval <= 0 || s.ThrottledFraction > 1 {
		t.Fatalf("sample %d: invalid %+v", c.samples, s)
	}
	if prev, ok := c.last[s.Ref]; ok && !s.Time.After(prev) {
		t.Fatalf("sample %d: time %s not after %s for %s", c.samples, s.Time, prev, s.Ref.Key())
	}
	c.last[s.Ref] = s.Time
	c.count[s.Ref]++
	c.samples++
}

// checkSamples checks the contract on a slice of samples.
func checkSamples(t testing.TB, samples []workload.Sample) {
	t.Helper()
	c := newContract()
	for _, s := range samples {
		c.check(t, s)
	}
}
