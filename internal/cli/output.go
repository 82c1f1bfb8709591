package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// output is where a command writes its rendered result: stdout, or a file
// written atomically. A file is written under a temporary name in the
// destination's folder and takes the destination's name only in commit, after
// an fsync; abort (deferred by every caller) removes the temporary file, so a
// failed command leaves neither a partial file nor a temporary one behind.
type output struct {
	io.Writer          // stdout, or a buffer in front of tmp
	flag      string   // the flag that named path, for errors
	path      string   // "" for stdout
	tmp       *os.File // nil for stdout or after commit/abort
	buf       *bufio.Writer
}

// openOutput opens the output named by flag (e.g. "--out"): stdout when path
// is "", else a temporary file next to path. It fails early, before any work,
// when path's folder is missing or not writable or path is a folder.
func openOutput(flag, path string, stdout io.Writer) (*output, error) {
	if path == "" {
		return &output{Writer: stdout, flag: flag}, nil
	}
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("%s %s: is a folder", flag, path)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	buf := bufio.NewWriter(tmp)
	return &output{Writer: buf, flag: flag, path: path, tmp: tmp, buf: buf}, nil
}

// commit makes the written bytes visible at path: flush, fsync, close,
// rename, then fsync the folder so the rename survives a crash. On error the
// temporary file is removed and path is untouched.
func (o *output) commit() error {
	if o.tmp == nil {
		return nil
	}
	tmp := o.tmp
	o.tmp = nil
	err := errors.Join(o.buf.Flush(), tmp.Chmod(0o644), tmp.Sync())
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), o.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s %s: %w", o.flag, o.path, err)
	}
	syncDir(filepath.Dir(o.path))
	return nil
}

// abort removes the temporary file unless commit ran. It is safe to call
// more than once and after commit.
func (o *output) abort() {
	if o == nil || o.tmp == nil {
		return
	}
	o.tmp.Close()
	os.Remove(o.tmp.Name())
	o.tmp = nil
}

// syncDir fsyncs a folder so a rename in it is durable. Best effort: some
// systems cannot sync folders, and the file itself is already synced.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
