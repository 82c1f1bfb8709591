package tracefile_test

import (
	"os"
	"path/filepath"
	"testing"

	"tailor.dev/tailor/internal/source"
	"tailor.dev/tailor/internal/source/sourcetest"
	"tailor.dev/tailor/internal/source/tracefile"
	"tailor.dev/tailor/internal/trace"
	"tailor.dev/tailor/internal/workload"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T, samples []workload.Sample) source.Source {
		path := filepath.Join(t.TempDir(), "usage.csv")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := trace.NewWriter(f)
		for _, s := range samples {
			if err := w.Write(s); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return tracefile.New(path, "tailor")
	})
}
