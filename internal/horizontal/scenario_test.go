package horizontal

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var trace = flag.Bool("trace", false, "log every sync of each scenario")

// TestScenarios runs every testdata/*.test file and checks its expectations.
func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("testdata/*.test")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s := loadScenario(t, file)
			steps, err := s.Run()
			if err != nil {
				t.Fatal(err)
			}
			if *trace {
				for _, st := range steps {
					t.Logf("%6s replicas=%d ready=%d | %s", st.At, st.Replicas, st.Ready, describe(st))
				}
			}
			if len(s.Expects) == 0 {
				t.Fatalf("%s has no expectations", file)
			}
			for _, err := range s.Check(steps) {
				t.Error(err)
			}
		})
	}
}

func loadScenario(t *testing.T, file string) *Scenario {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ParseScenario(file, f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
