package cli

import (
	"tailor.dev/tailor/internal/demo"
	"tailor.dev/tailor/internal/trace"
)

// traceInput is the shared --demo / --trace / --format selection.
type traceInput struct {
	demo   bool
	path   string
	format string
}

func (in traceInput) open() (trace.Reader, trace.Dataset, string, error) {
	switch {
	case in.demo && in.path != "":
		return nil, trace.Dataset{}, "", usagef("--demo and --trace are mutually exclusive")
	case in.demo:
		r, ds, err := demo.Open()
		return r, ds, demo.Attribution, err
	case in.path == "":
		return nil, trace.Dataset{}, "", usagef("give --trace FILE|DIR or --demo")
	}
	r, ds, err := trace.Open(in.path, in.format)
	return r, ds, "", err
}
