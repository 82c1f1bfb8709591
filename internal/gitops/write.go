package gitops

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteOptions control WriteKustomize.
type WriteOptions struct {
	KustomizeOptions
	// Overwrite replaces a directory that holds an earlier export: the
	// marker and only the files it lists, unchanged. Without it such a
	// directory is refused too.
	Overwrite bool
}

// WriteKustomize renders the changes (see Render) and writes them into dir,
// all or nothing: the files are written into a new directory next to dir,
// which then takes dir's place by rename. dir must be missing or empty, or,
// with Overwrite, hold an earlier export left as tailor wrote it; the
// earlier export is replaced whole (patches that are no longer needed are
// gone). Parents of dir are created. On any error dir is as it was.
func WriteKustomize(dir string, changes []Change, opts WriteOptions) (Files, error) {
	files, err := Render(changes, opts.KustomizeOptions)
	if err != nil {
		return nil, err
	}
	exists, err := checkDir(dir, opts.Overwrite)
	if err != nil {
		return nil, fmt.Errorf("write export to %s: %w", dir, err)
	}
	if err := replaceDir(dir, files, exists); err != nil {
		return nil, fmt.Errorf("write export to %s: %w", dir, err)
	}
	return files, nil
}

// checkDir says whether dir exists and refuses a dir that may not be
// replaced.
func checkDir(dir string, overwrite bool) (exists bool, err error) {
	if base := filepath.Base(filepath.Clean(dir)); base == "." || base == ".." || base == string(filepath.Separator) {
		return false, errors.New("want a directory name, not \".\", \"..\" or the root")
	}
	info, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case info.Mode()&fs.ModeSymlink != 0:
		return false, errors.New("is a symbolic link; give the directory it points to")
	case !info.IsDir():
		return false, errors.New("not a directory")
	}
	empty, err := ownedDir(dir)
	if err != nil {
		return false, fmt.Errorf("refusing to replace it: it %w", err)
	}
	if !empty && !overwrite {
		return false, errors.New("holds an earlier export; set Overwrite (--overwrite) to replace it")
	}
	return true, nil
}

// ownedDir checks that dir is empty or holds an export left as tailor
// wrote it (see checkOwned).
func ownedDir(dir string) (empty bool, err error) {
	paths, err := listDir(dir)
	if err != nil {
		return false, err
	}
	read := func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, filepath.FromSlash(p))) }
	return len(paths) == 0, checkOwned(paths, read)
}

// listDir lists every non-directory entry under dir as a slash-separated
// relative path. Symbolic links and other special files are listed too, so
// that they count as files tailor did not write.
func listDir(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			rel += " (not a regular file)"
		}
		paths = append(paths, filepath.ToSlash(rel))
		return nil
	})
	return paths, err
}

// replaceDir writes files into a fresh directory beside dir and renames it
// into place. An existing dir is first renamed aside, then removed once the
// new one is in place, or renamed back when that fails.
func replaceDir(dir string, files Files, exists bool) error {
	dir = filepath.Clean(dir)
	parent, base := filepath.Dir(dir), filepath.Base(dir)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tailor-new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once tmp has been renamed into place
	mode := fs.FileMode(0o755)
	if exists {
		if info, err := os.Stat(dir); err == nil {
			mode = info.Mode().Perm()
		}
	}
	if err := writeFiles(tmp, files, mode); err != nil {
		return err
	}
	if !exists {
		return errors.Join(os.Rename(tmp, dir), syncDir(parent))
	}
	old := filepath.Join(parent, "."+base+".tailor-old-"+randomSuffix())
	if err := os.Rename(dir, old); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return errors.Join(err, os.Rename(old, dir))
	}
	if err := syncDir(parent); err != nil {
		return err
	}
	if _, err := ownedDir(old); err != nil { // written to between the check and the swap
		return fmt.Errorf("new export in place, but the previous directory changed meanwhile and is kept at %s: it %w", old, err)
	}
	if err := os.RemoveAll(old); err != nil {
		return fmt.Errorf("new export in place, but the previous one is left at %s: %w", old, err)
	}
	return nil
}

// writeFiles writes and syncs every file under root, then sets root's mode.
func writeFiles(root string, files Files, mode fs.FileMode) error {
	for _, f := range files {
		path := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := writeSynced(path, f.Data); err != nil {
			return err
		}
	}
	return os.Chmod(root, mode)
}

func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
