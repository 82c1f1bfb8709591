package trace

import (
	"fmt"

	"tailor.dev/tailor/internal/workload"
)

// Reader streams samples. Samples of one container arrive in strictly
// increasing time order; samples of different containers may interleave.
// Next returns io.EOF after the last sample.
type Reader interface {
	Next() (workload.Sample, error)
	Close() error
}

// Dataset describes what Open found.
type Dataset struct {
	Name    string // e.g. "google-2019-tasks" (folder base name) or the file name
	Format  string // one of Formats
	CPUOnly bool   // true when the source has no memory series
}

// ParseError is a bad row or file: it names the file, the 1-based line (0 when
// the problem is the file itself) and the reason.
type ParseError struct {
	File   string
	Line   int
	Reason string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Reason)
}
