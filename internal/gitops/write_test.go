package gitops

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"tailor.dev/tailor/internal/workload"
)

func writeOpts(overwrite bool) WriteOptions {
	return WriteOptions{KustomizeOptions: KustomizeOptions{Resources: []string{"../base"}}, Overwrite: overwrite}
}

// leftovers lists the temporary directories WriteKustomize may leave in parent.
func leftovers(t *testing.T, parent string) []string {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tailor-") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteKustomizeNewDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "deploy", "tailor") // parents are created
	files, err := WriteKustomize(dir, sampleChanges(), writeOpts(false))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Render(sampleChanges(), writeOpts(false).KustomizeOptions)
	if err != nil {
		t.Fatal(err)
	}
	if got := readTree(t, dir); !maps.Equal(got, filesMap(want)) || !maps.Equal(filesMap(files), filesMap(want)) {
		t.Errorf("wrote %v, want the rendered files %v", keys(got), want.Paths())
	}
	for path, mode := range map[string]os.FileMode{dir: 0o755, filepath.Join(dir, "shop"): 0o755, filepath.Join(dir, KustomizationFile): 0o644} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != mode {
			t.Errorf("%s: mode %v (%v), want %v", path, info.Mode().Perm(), err, mode)
		}
	}
	if l := leftovers(t, filepath.Dir(dir)); len(l) > 0 {
		t.Errorf("left behind %v", l)
	}
}

// TestWriteKustomizeBadInput: an invalid change writes nothing at all.
func TestWriteKustomizeBadInput(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	changes := sampleChanges()
	changes[2].Containers[0].After.CPURequest = -0.5
	_, err := WriteKustomize(dir, changes, writeOpts(true))
	if err == nil || !strings.Contains(err.Error(), "change 2 (CronJob batch/report)") {
		t.Fatalf("err = %v, want it to name change 2", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) > 0 {
		t.Errorf("wrote %v", entries)
	}
	_, err = WriteKustomize(dir, sampleChanges()[6:], writeOpts(true))
	if !errors.Is(err, ErrNoChanges) {
		t.Errorf("no-op changes: err = %v, want ErrNoChanges", err)
	}
	if entries, _ := os.ReadDir(parent); len(entries) > 0 {
		t.Errorf("wrote %v", entries)
	}
}

func TestWriteKustomizeEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := WriteKustomize(dir, sampleChanges(), writeOpts(false)); err != nil {
		t.Fatalf("into an empty directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, MarkerFile)); err != nil {
		t.Error(err)
	}
}

// TestWriteKustomizeRefuses: directories tailor did not write, or that were
// edited since, are left alone whatever the options.
func TestWriteKustomizeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, dir string)
		want    string
	}{
		{"foreign files", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "deployment.yaml"), "kind: Deployment\n")
		}, "holds files tailor did not write (no .tailor-export): deployment.yaml"},
		{"extra file in an export", func(t *testing.T, dir string) {
			export(t, dir)
			mustWrite(t, filepath.Join(dir, "shop", "notes.md"), "mine\n")
		}, "holds files tailor did not write: shop/notes.md"},
		{"edited patch", func(t *testing.T, dir string) {
			export(t, dir)
			mustWrite(t, filepath.Join(dir, "shop", "deployment-web.yaml"), "edited\n")
		}, "files changed since tailor wrote them: shop/deployment-web.yaml"},
		{"symlink in an export", func(t *testing.T, dir string) {
			export(t, dir)
			if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
		}, "link (not a regular file)"},
		{"bad marker", func(t *testing.T, dir string) {
			export(t, dir)
			mustWrite(t, filepath.Join(dir, MarkerFile), "whatever\n")
		}, "want \"<sha256>  <path>\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			tc.prepare(t, dir)
			before := readTree(t, dir)
			_, err := WriteKustomize(dir, sampleChanges()[:2], writeOpts(true))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !maps.Equal(readTree(t, dir), before) {
				t.Error("the directory changed")
			}
			if l := leftovers(t, filepath.Dir(dir)); len(l) > 0 {
				t.Errorf("left behind %v", l)
			}
		})
	}
	file := filepath.Join(t.TempDir(), "file")
	mustWrite(t, file, "x")
	if _, err := WriteKustomize(file, sampleChanges(), writeOpts(true)); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("onto a file: err = %v", err)
	}
	if _, err := WriteKustomize(".", sampleChanges(), writeOpts(true)); err == nil {
		t.Error(`"." was accepted`)
	}
}

// TestWriteKustomizeOverwrite: an earlier export is refused without
// Overwrite and replaced whole with it (stale patches go).
func TestWriteKustomizeOverwrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	export(t, dir)
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	first := readTree(t, dir)
	second := []Change{{Kind: Deployment, Namespace: "shop", Name: "web", Containers: []ContainerChange{{
		Name: "web", Before: workload.Resources{CPURequest: 1}, After: workload.Resources{CPURequest: 0.4},
	}}}}
	_, err := WriteKustomize(dir, second, writeOpts(false))
	if err == nil || !strings.Contains(err.Error(), "holds an earlier export; set Overwrite") {
		t.Fatalf("without Overwrite: err = %v", err)
	}
	if !maps.Equal(readTree(t, dir), first) {
		t.Fatal("refused, yet the directory changed")
	}
	files, err := WriteKustomize(dir, second, writeOpts(true))
	if err != nil {
		t.Fatal(err)
	}
	got := readTree(t, dir)
	if !maps.Equal(got, filesMap(files)) || len(got) != 3 {
		t.Errorf("after overwrite: %v, want only %v", keys(got), files.Paths())
	}
	if !strings.Contains(got["shop/deployment-web.yaml"], "cpu: 400m") {
		t.Errorf("patch not replaced:\n%s", got["shop/deployment-web.yaml"])
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o750 {
		t.Errorf("mode of the replaced directory: %v (%v), want 0750 kept", info.Mode().Perm(), err)
	}
	if l := leftovers(t, filepath.Dir(dir)); len(l) > 0 {
		t.Errorf("left behind %v", l)
	}
	// A file the marker lists that the user deleted does not block.
	if err := os.Remove(filepath.Join(dir, "shop", "deployment-web.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteKustomize(dir, sampleChanges(), writeOpts(true)); err != nil {
		t.Errorf("after deleting a patch: %v", err)
	}
}

func export(t *testing.T, dir string) {
	t.Helper()
	if _, err := WriteKustomize(dir, sampleChanges(), writeOpts(false)); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
