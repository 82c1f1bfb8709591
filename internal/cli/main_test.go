package cli

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// result is what one Main call returned.
type result struct {
	code           int
	stdout, stderr string
}

func run(args ...string) result {
	var out, errOut bytes.Buffer
	code := Main(args, &out, &errOut)
	return result{code, out.String(), errOut.String()}
}

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s; if intended, run go test ./internal/cli -update\n--- got\n%s\n--- want\n%s",
			path, got, want)
	}
}

// writeFile writes content to name in dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// syntheticTrace writes a 3-day tailor-format trace of two containers with a
// daily CPU cycle, 5-minute samples, provisioned values set: enough for the
// 1-day warm-up of the replay, with no shared data needed.
func syntheticTrace(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("timestamp,namespace,workload,container,cpu_cores,memory_bytes,cpu_request,memory_request,memory_limit\n")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 3 * 24 * 12 {
		ts := start.Add(time.Duration(i+1) * 5 * time.Minute).Format(time.RFC3339)
		phase := float64(i%288) / 288
		fmt.Fprintf(&b, "%s,shop,web,app,%.3f,%d,1,1073741824,1073741824\n", ts, 0.2+0.3*phase, 300<<20+i%7<<20)
		fmt.Fprintf(&b, "%s,shop,db,pg,%.3f,%d,2,4294967296,4294967296\n", ts, 0.5+0.1*phase, 2<<30+i%11<<20)
	}
	return writeFile(t, t.TempDir(), "synthetic.csv", b.String())
}

// assertEmptyDir fails when dir holds any file (a partial output or a
// temporary file left behind).
func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s left behind in the output folder", e.Name())
	}
}
