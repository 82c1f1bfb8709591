package trace_test

import (
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/trace"
)

func TestOpenDetects(t *testing.T) {
	tests := []struct {
		path, format         string
		containers, samples  int
		cpuOnly              bool
		firstCPU, firstMemGB float64
	}{
		{"testdata/tailor", "tailor", 2, 4, false, 0.42, 0.25},
		{"testdata/tailor/example.csv", "tailor", 2, 4, false, 0.42, 0.25},
		{"testdata/bitbrains", "bitbrains", 1, 3, false, 0.02, 0.25},
		{"testdata/bitbrains/2013-8/1.csv", "bitbrains", 1, 1, false, 1, 1},
		{"testdata/google2019", "google2019", 1, 2, false, 1, 0.32},
		{"testdata/azure", "azure", 2, 6, true, 1, math.NaN()},
		{"testdata/azure/cpu_max_pct_5min.csv", "azure", 2, 6, true, 1.8, math.NaN()},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			for _, format := range []string{"", tc.format} {
				r, ds, err := trace.Open(tc.path, format)
				if err != nil {
					t.Fatal(err)
				}
				got, err := readAll(r)
				if err != nil {
					t.Fatal(err)
				}
				r.Close()
				checkSamples(t, got)
				refs := map[string]bool{}
				for _, s := range got {
					refs[s.Ref.Key()] = true
				}
				want := trace.Dataset{Name: filepath.Base(tc.path), Format: tc.format, CPUOnly: tc.cpuOnly}
				if ds != want || len(refs) != tc.containers || len(got) != tc.samples {
					t.Errorf("format %q: %+v, %d containers, %d samples; want %+v, %d, %d",
						format, ds, len(refs), len(got), want, tc.containers, tc.samples)
				}
				if !near(got[0].CPU, tc.firstCPU) || !near(got[0].Memory/(1<<30), tc.firstMemGB) {
					t.Errorf("first sample %+v, want cpu %g, memory %g GiB", got[0], tc.firstCPU, tc.firstMemGB)
				}
			}
		})
	}
}

// near compares within a relative 1e-9 (NaN equals NaN).
func near(a, b float64) bool {
	return sameFloat(a, b) || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

func TestOpenErrors(t *testing.T) {
	empty := t.TempDir()
	odd := filepath.Join(t.TempDir(), "odd.csv")
	if err := os.WriteFile(odd, []byte("a,b,c\n1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ path, format, want string }{
		{"testdata/tailor", "parquet",
			`open trace testdata/tailor: unknown format "parquet" (want one of tailor, bitbrains, google2019, azure)`},
		{"testdata/nope", "", "open trace: stat testdata/nope: no such file or directory"},
		{empty, "", "open trace " + empty + ": no .csv or .csv.gz files in the folder or its subfolders"},
		{empty, "tailor", "open trace " + empty + ": no .csv or .csv.gz files in the folder or its subfolders"},
		{odd, "", "open trace " + odd + ": cannot detect the format of " + odd +
			` from its header "a,b,c\n"; name one of tailor, bitbrains, google2019, azure`},
	}
	for _, tc := range tests {
		_, _, err := trace.Open(tc.path, tc.format)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Open(%q, %q) = %v\nwant %s", tc.path, tc.format, err, tc.want)
		}
	}
}

func TestOpenWrongFormat(t *testing.T) {
	r, _, err := trace.Open("testdata/azure/cpu_avg_pct_5min.csv", "tailor")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	want := `testdata/azure/cpu_avg_pct_5min.csv:1: unknown column "step"`
	var pe *trace.ParseError
	if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("got %v, want %s...", err, want)
	}
	if _, again := r.Next(); again != err {
		t.Errorf("second Next = %v, want the same error", again)
	}
}

func TestTailorCPUOnly(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string][]byte{
		"a.csv":    []byte("timestamp,workload,container,cpu_cores\n1,w,c,1\n"),
		"b.csv.gz": gzipBytes(t, "timestamp,workload,container,cpu_cores\n1,v,c,1\n"),
	})
	r, ds, err := trace.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := readAll(r)
	if !ds.CPUOnly || ds.Format != "tailor" || len(got) != 2 || err != nil {
		t.Errorf("got %+v, %d samples, %v", ds, len(got), err)
	}
}

func TestCorruptGzip(t *testing.T) {
	_, err := trace.NewReader(strings.NewReader("\x1f\x8bnot gzip"), "x.csv.gz", "tailor")
	var pe *trace.ParseError
	if !errors.As(err, &pe) || pe.File != "x.csv.gz" {
		t.Errorf("got %v", err)
	}
	data := gzipBytes(t, "timestamp,workload,container,cpu_cores\n1,w,c,1\n2,w,c,1\n")
	r, err := trace.NewReader(strings.NewReader(string(data[:len(data)-12])), "x.csv.gz", "tailor")
	if err == nil {
		_, err = readAll(r)
	}
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "unexpected EOF") {
		t.Errorf("truncated gzip: got %v", err)
	}
}

func TestNewReaderErrors(t *testing.T) {
	if _, err := trace.NewReader(strings.NewReader(""), "x", ""); err == nil {
		t.Error("NewReader with no format succeeded")
	}
	r, err := trace.NewReader(strings.NewReader("timestamp,workload,container,cpu_cores\n1,w,c,1\n"), "x", "tailor")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close = %v, want an error", err)
	}
}
