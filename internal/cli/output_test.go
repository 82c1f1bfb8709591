package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestOutputCommit(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "out.txt", "old\n")
	o, err := openOutput("--out", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer o.abort()
	fmt.Fprintln(o, "new")
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Errorf("before commit the file holds %q, want the old content", got)
	}
	if err := o.commit(); err != nil {
		t.Fatal(err)
	}
	o.abort() // after commit: no effect
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "new\n" {
		t.Errorf("after commit: %q, %v", got, err)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d entries in the folder, want only the output", len(entries))
	}
}

func TestOutputAbort(t *testing.T) {
	dir := t.TempDir()
	o, err := openOutput("--out", filepath.Join(dir, "out.txt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(o, "partial")
	o.abort()
	o.abort()
	assertEmptyDir(t, dir)
}

// A relative path is created in the working folder.
func TestOutputRelative(t *testing.T) {
	t.Chdir(t.TempDir())
	o, err := openOutput("--out", "rel.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(o, "x")
	if err := o.commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile("rel.txt"); string(got) != "x" {
		t.Errorf("got %q", got)
	}
}

// Rename fails when a folder appeared at the path after open: the error names
// the path and the temporary file is gone.
func TestOutputCommitFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.txt")
	o, err := openOutput("--out", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "keep", "x") // rename cannot replace a non-empty folder
	fmt.Fprint(o, "x")
	if err := o.commit(); err == nil {
		t.Fatal("commit over a non-empty folder succeeded")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || !entries[0].IsDir() {
		t.Errorf("folder holds %v, want only the blocking folder", entries)
	}
}

func TestOutputStdout(t *testing.T) {
	var b bytes.Buffer
	o, err := openOutput("--out", "", &b)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(o, "hello")
	if err := o.commit(); err != nil {
		t.Fatal(err)
	}
	o.abort()
	if b.String() != "hello" {
		t.Errorf("stdout got %q", b.String())
	}
}
