// Package shareddata locates the public datasets that tests and benchmarks
// read in place (../shared/data next to the repository, or
// $TAILOR_SHARED_DATA). Nothing from there is copied into the repository.
package shareddata

import (
	"os"
	"path/filepath"
	"testing"
)

// Env names the variable that overrides the dataset folder.
const Env = "TAILOR_SHARED_DATA"

// Root is $TAILOR_SHARED_DATA, else ../shared/data next to the module root
// (the folder holding go.mod, found from the working directory upwards).
func Root() string {
	if r := os.Getenv(Env); r != "" {
		return r
	}
	dir, err := os.Getwd()
	if err != nil {
		return filepath.Join("..", "shared", "data")
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join("..", "shared", "data")
		}
		dir = parent
	}
}

// Dir returns Root()/name, or skips the test with a message naming the
// path when it is missing.
func Dir(tb testing.TB, name string) string {
	tb.Helper()
	dir := filepath.Join(Root(), name)
	if _, err := os.Stat(dir); err != nil {
		tb.Skipf("shared data not found at %s (set %s): %v", dir, Env, err)
	}
	return dir
}
