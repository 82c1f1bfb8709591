package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRecommendPrices(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "prices.json")
	if err := os.WriteFile(good, []byte(`{"CPU":"1","RAM":"0","spotCPU":"0.5","spotRAM":"0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run("recommend", "--demo", "--prices", good, "--spot")
	if r.code != ExitOK || !strings.Contains(r.stdout, "at $0.5/core-h and $0/GiB-h") {
		t.Fatalf("exit %d, output:\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"CPU":"x","RAM":"1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{bad, filepath.Join(dir, "missing.json")} {
		r := run("recommend", "--demo", "--prices", path)
		if r.code != ExitError || !strings.Contains(r.stderr, path) {
			t.Fatalf("--prices %s: exit %d, stderr %q", path, r.code, r.stderr)
		}
	}
}
