// Command gen writes internal/demo/google-2019-demo.csv.gz: job 382 tasks 2,
// 22 and 115 (complete) and the first 7 days of job 113 task 22 from the
// shared google-2019-tasks dataset, in the tailor format. The output is
// deterministic (gzip header without name or time).
//
//	go run ./internal/demo/gen [-data ../shared/data] [-out internal/demo/google-2019-demo.csv.gz]
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"tailor.dev/tailor/internal/trace"
)

// task is one source file and how much of it to keep (0 = all).
type task struct {
	glob string
	keep time.Duration
}

var tasks = []task{
	{"job382/2-*.csv.gz", 0},
	{"job382/22-*.csv.gz", 0},
	{"job382/115-*.csv.gz", 0},
	{"job113/22-*.csv.gz", 7 * 24 * time.Hour},
}

func main() {
	data := flag.String("data", "../shared/data", "shared data folder holding google-2019-tasks/")
	out := flag.String("out", "internal/demo/google-2019-demo.csv.gz", "output file")
	flag.Parse()
	if err := run(filepath.Join(*data, "google-2019-tasks"), *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	var buf bytes.Buffer
	gz, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := trace.NewWriter(gz)
	for _, t := range tasks {
		if err := convert(w, dir, t); err != nil {
			return err
		}
	}
	if err := errors.Join(w.Flush(), gz.Close()); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// convert copies the samples of one task file to w.
func convert(w *trace.Writer, dir string, t task) error {
	files, err := filepath.Glob(filepath.Join(dir, t.glob))
	if err != nil || len(files) != 1 {
		return fmt.Errorf("want one file %s in %s, found %d (%v)", t.glob, dir, len(files), err)
	}
	r, _, err := trace.Open(files[0], "google2019")
	if err != nil {
		return err
	}
	defer r.Close()
	var end time.Time
	for {
		s, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if end.IsZero() && t.keep > 0 {
			end = s.Time.Add(t.keep)
		}
		if !end.IsZero() && !s.Time.Before(end) {
			return nil
		}
		if err := w.Write(s); err != nil {
			return err
		}
	}
}
