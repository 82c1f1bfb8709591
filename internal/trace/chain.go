package trace

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
	"unicode"

	"tailor.dev/tailor/internal/workload"
)

// DefaultInterval is the window length of the public datasets' samples and
// the tailor format's default.
const DefaultInterval = 300 * time.Second

// MaxInterval is the longest window a sample may summarise.
const MaxInterval = 7 * 24 * time.Hour

// decoder turns the records of one file into samples. next returns the
// sample with the 1-based line it came from, or io.EOF.
type decoder interface {
	next() (workload.Sample, int, error)
}

// chain is the Reader of every format: it reads files one after another,
// validates each sample and enforces per-container time order.
type chain struct {
	spec  spec
	files []string
	rows  *rows
	dec   decoder
	last  map[workload.ContainerRef]time.Time
	err   error
}

var errClosed = errors.New("trace: reader is closed")

func newChain(sp spec, files []string) *chain {
	return &chain{spec: sp, files: files, last: map[workload.ContainerRef]time.Time{}}
}

// Next implements Reader. After an error every call returns that error.
func (c *chain) Next() (workload.Sample, error) {
	if c.err != nil {
		return workload.Sample{}, c.err
	}
	s, err := c.next()
	if err != nil {
		c.err = err
		c.closeFile()
	}
	return s, err
}

func (c *chain) next() (workload.Sample, error) {
	for {
		if c.dec == nil {
			if len(c.files) == 0 {
				return workload.Sample{}, io.EOF
			}
			if err := c.open(c.files[0]); err != nil {
				return workload.Sample{}, err
			}
			c.files = c.files[1:]
		}
		s, line, err := c.dec.next()
		if err == io.EOF {
			if err := c.closeFile(); err != nil {
				return workload.Sample{}, err
			}
			continue
		}
		if err != nil {
			return workload.Sample{}, err
		}
		return s, c.check(s, line)
	}
}

func (c *chain) open(path string) error {
	r, err := openRows(path, c.spec.comma)
	if err != nil {
		return err
	}
	return c.start(r)
}

// start decodes r (its header is read now).
func (c *chain) start(r *rows) error {
	dec, err := c.spec.decode(r)
	if err != nil {
		r.Close()
		return err
	}
	c.rows, c.dec = r, dec
	return nil
}

func (c *chain) closeFile() error {
	if c.rows == nil {
		return nil
	}
	err := c.rows.Close()
	c.rows, c.dec = nil, nil
	if err != nil {
		return fmt.Errorf("close trace file: %w", err)
	}
	return nil
}

// Close implements Reader.
func (c *chain) Close() error {
	c.files = nil
	if c.err == nil {
		c.err = errClosed
	}
	return c.closeFile()
}

// check validates s and its time order within its container.
func (c *chain) check(s workload.Sample, line int) error {
	if reason := invalid(s); reason != "" {
		return &ParseError{File: c.rows.name, Line: line, Reason: reason}
	}
	if prev, ok := c.last[s.Ref]; ok && !s.Time.After(prev) {
		return &ParseError{File: c.rows.name, Line: line, Reason: fmt.Sprintf(
			"time %s is not after %s, the previous sample of %s",
			s.Time.Format(time.RFC3339Nano), prev.Format(time.RFC3339Nano), s.Ref.Key())}
	}
	c.last[s.Ref] = s.Time
	return nil
}

// invalid says what is wrong with s, "" when nothing is: usage must be NaN
// (unknown) or finite and non-negative with at least one known, provisioned
// values finite and non-negative, the interval in (0, MaxInterval], the
// throttled fraction NaN or in [0, 1], names free of control characters and
// surrounding spaces, and the year in 0..9999.
func invalid(s workload.Sample) string {
	switch {
	case s.Ref.Workload == "" || s.Ref.Container == "":
		return "workload and container names are required"
	case badName(s.Ref):
		return "names must not contain control characters or surrounding spaces"
	case !s.HasCPU() && !s.HasMemory():
		return "no usage: CPU and memory are both unknown"
	case bad(s.CPU, true) || bad(s.Memory, true):
		return fmt.Sprintf("usage out of range (cpu %g, memory %g)", s.CPU, s.Memory)
	case bad(s.Provisioned.CPURequest, false) || bad(s.Provisioned.CPULimit, false) ||
		bad(s.Provisioned.MemRequest, false) || bad(s.Provisioned.MemLimit, false):
		return fmt.Sprintf("provisioned resources out of range %+v", s.Provisioned)
	case s.Interval <= 0 || s.Interval > MaxInterval:
		return fmt.Sprintf("interval %s out of range (0, %s]", s.Interval, MaxInterval)
	case s.ThrottledFraction > 1 || bad(s.ThrottledFraction, true):
		return fmt.Sprintf("throttled fraction %g out of range [0, 1]", s.ThrottledFraction)
	case s.Time.Year() < 0 || s.Time.Year() > 9999:
		return fmt.Sprintf("time %s out of range", s.Time)
	}
	return ""
}

// bad reports a negative or infinite value, or NaN unless nanOK.
func bad(v float64, nanOK bool) bool {
	if math.IsNaN(v) {
		return !nanOK
	}
	return v < 0 || math.IsInf(v, 0)
}

func badName(r workload.ContainerRef) bool {
	for _, n := range []string{r.Namespace, r.Kind, r.Workload, r.Pod, r.Container} {
		if n != strings.TrimSpace(n) || strings.ContainsFunc(n, unicode.IsControl) {
			return true
		}
	}
	return false
}
