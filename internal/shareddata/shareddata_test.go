package shareddata

import (
	"path/filepath"
	"testing"
)

func TestRootFromEnv(t *testing.T) {
	t.Setenv(Env, "/data/x")
	if got := Root(); got != "/data/x" {
		t.Fatalf("Root() = %q", got)
	}
}

func TestRootNextToModule(t *testing.T) {
	t.Setenv(Env, "")
	want, _ := filepath.Abs(filepath.Join("..", "..", "..", "shared", "data"))
	if got := Root(); filepath.Clean(got) != want {
		t.Fatalf("Root() = %q, want %q", got, want)
	}
}

func TestDirSkipsWhenMissing(t *testing.T) {
	t.Setenv(Env, t.TempDir())
	ok := t.Run("missing", func(t *testing.T) {
		Dir(t, "no-such-dataset")
		t.Fatal("Dir must skip")
	})
	if !ok {
		t.Fatal("subtest failed instead of skipping")
	}
}
