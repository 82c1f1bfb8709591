package cli

import (
	"github.com/spf13/pflag"
	"slices"
	"strings"

	"tailor.dev/tailor/internal/demo"
	"tailor.dev/tailor/internal/trace"
)

// traceInput is the shared --demo / --trace / --format selection.
type traceInput struct {
	demo   bool
	path   string
	format string
}

// check reports flag misuse as a usage error, before anything is read.
func (in traceInput) check() error {
	switch {
	case in.demo && in.path != "":
		return usagef("--demo and --trace are mutually exclusive")
	case !in.demo && in.path == "":
		return usagef("give --trace FILE|DIR or --demo")
	}
	return checkFormat(in.format)
}

// open opens the selected trace; the string is the data's attribution line.
func (in traceInput) open() (trace.Reader, trace.Dataset, string, error) {
	if err := in.check(); err != nil {
		return nil, trace.Dataset{}, "", err
	}
	if in.demo {
		r, ds, err := demo.Open()
		return r, ds, demo.Attribution, err
	}
	r, ds, err := trace.Open(in.path, in.format)
	return r, ds, "", err
}

// checkFormat rejects a --format value trace.Open does not know as a usage
// error (trace.Open's own check would make it a plain failure, exit 1).
func checkFormat(format string) error {
	if format != "" && !slices.Contains(trace.Formats, format) {
		return usagef("--format %q: unknown trace format (want one of %s)", format, strings.Join(trace.Formats, ", "))
	}
	return nil
}

// checkOutputFormat validates -o/--output.
func checkOutputFormat(output string) error {
	if output != "table" && output != "json" {
		return usagef("--output %q: want table or json", output)
	}
	return nil
}

// datasetFlags are the --data, --format, -o and --out flags every bench
// command shares.
type datasetFlags struct {
	data, format, output, out string
}

func (d *datasetFlags) register(f *pflag.FlagSet) {
	f.StringVar(&d.data, "data", "", "dataset folder or trace file (required)")
	f.StringVar(&d.format, "format", "", "trace format: "+strings.Join(trace.Formats, ", ")+" (default: detect)")
	f.StringVarP(&d.output, "output", "o", "table", "output format: table or json")
	f.StringVar(&d.out, "out", "", "write the output to this file (atomically) instead of stdout")
}

// check rejects a missing --data and unknown output or trace formats.
func (d datasetFlags) check() error {
	if d.data == "" {
		return usagef("--data is required")
	}
	if err := checkOutputFormat(d.output); err != nil {
		return err
	}
	return checkFormat(d.format)
}
