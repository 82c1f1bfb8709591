package gitops

import (
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/filemode"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/storer"
)

// lookupDir finds the tree at dir (slash-separated components) under root:
// the zero hash when it does not exist, an error when a file is in the way.
func lookupDir(s storer.EncodedObjectStorer, root plumbing.Hash, dir []string) (plumbing.Hash, error) {
	h := root
	for i, name := range dir {
		t, err := object.GetTree(s, h)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read tree %s: %w", path.Join(dir[:i]...), err)
		}
		e, err := t.FindEntry(name)
		if errors.Is(err, object.ErrEntryNotFound) || errors.Is(err, object.ErrDirectoryNotFound) {
			return plumbing.ZeroHash, nil
		}
		if err != nil {
			return plumbing.ZeroHash, err
		}
		if e.Mode != filemode.Dir {
			return plumbing.ZeroHash, fmt.Errorf("%s is a file in the way (mode %s)", path.Join(dir[:i+1]...), e.Mode)
		}
		h = e.Hash
	}
	return h, nil
}

// checkTreeOwned applies checkOwned to an existing export tree.
func checkTreeOwned(s storer.EncodedObjectStorer, h plumbing.Hash) error {
	if h.IsZero() {
		return nil
	}
	t, err := object.GetTree(s, h)
	if err != nil {
		return fmt.Errorf("read tree: %w", err)
	}
	var paths []string
	blobs := make(map[string]plumbing.Hash)
	w := object.NewTreeWalker(t, true, nil)
	defer w.Close()
	for {
		name, e, err := w.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("walk tree: %w", err)
		}
		switch e.Mode {
		case filemode.Dir:
		case filemode.Regular, filemode.Deprecated:
			paths = append(paths, name)
			blobs[name] = e.Hash
		default:
			paths = append(paths, name+" (not a regular file)")
		}
	}
	read := func(p string) ([]byte, error) { return readBlob(s, blobs[p]) }
	return checkOwned(paths, read)
}

func readBlob(s storer.EncodedObjectStorer, h plumbing.Hash) ([]byte, error) {
	b, err := object.GetBlob(s, h)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	r, err := b.Reader()
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", h, err)
	}
	defer r.Close()
	return io.ReadAll(r)
}

// dirNode is a directory of the export while it is being stored.
type dirNode struct {
	files map[string]plumbing.Hash
	dirs  map[string]*dirNode
}

// storeFiles writes the files as blobs, in path order, and their
// directories as trees; it returns the hash of the top tree.
func storeFiles(s storer.EncodedObjectStorer, files Files) (plumbing.Hash, error) {
	root := &dirNode{files: map[string]plumbing.Hash{}, dirs: map[string]*dirNode{}}
	for _, f := range files {
		h, err := storeBlob(s, f.Data)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("store %s: %w", f.Path, err)
		}
		parts := strings.Split(f.Path, "/")
		n := root
		for _, d := range parts[:len(parts)-1] {
			if n.dirs[d] == nil {
				n.dirs[d] = &dirNode{files: map[string]plumbing.Hash{}, dirs: map[string]*dirNode{}}
			}
			n = n.dirs[d]
		}
		n.files[parts[len(parts)-1]] = h
	}
	return storeDir(s, root)
}

func storeDir(s storer.EncodedObjectStorer, n *dirNode) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	for name, h := range n.files {
		entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Regular, Hash: h})
	}
	for name, sub := range n.dirs {
		h, err := storeDir(s, sub)
		if err != nil {
			return plumbing.ZeroHash, err
		}
		entries = append(entries, object.TreeEntry{Name: name, Mode: filemode.Dir, Hash: h})
	}
	return storeTree(s, entries)
}

// splice returns the hash of the tree root with the tree at dir replaced by
// sub (created, with its parents, when missing). Only the trees along dir
// are rewritten.
func splice(s storer.EncodedObjectStorer, root plumbing.Hash, dir []string, sub plumbing.Hash) (plumbing.Hash, error) {
	var entries []object.TreeEntry
	if !root.IsZero() {
		t, err := object.GetTree(s, root)
		if err != nil {
			return plumbing.ZeroHash, fmt.Errorf("read tree: %w", err)
		}
		entries = slices.Clone(t.Entries)
	}
	i := slices.IndexFunc(entries, func(e object.TreeEntry) bool { return e.Name == dir[0] })
	child := sub
	if len(dir) > 1 {
		var below plumbing.Hash
		if i >= 0 {
			below = entries[i].Hash
		}
		var err error
		if child, err = splice(s, below, dir[1:], sub); err != nil {
			return plumbing.ZeroHash, err
		}
	}
	entry := object.TreeEntry{Name: dir[0], Mode: filemode.Dir, Hash: child}
	if i >= 0 {
		entries[i] = entry
	} else {
		entries = append(entries, entry)
	}
	return storeTree(s, entries)
}

// storeTree writes a tree, its entries in git's order: by name, a
// directory's name compared as if it ended in "/".
func storeTree(s storer.EncodedObjectStorer, entries []object.TreeEntry) (plumbing.Hash, error) {
	key := func(e object.TreeEntry) string {
		if e.Mode == filemode.Dir {
			return e.Name + "/"
		}
		return e.Name
	}
	slices.SortFunc(entries, func(a, b object.TreeEntry) int { return strings.Compare(key(a), key(b)) })
	obj := s.NewEncodedObject()
	if err := (&object.Tree{Entries: entries}).Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode tree: %w", err)
	}
	return s.SetEncodedObject(obj)
}

func storeBlob(s storer.EncodedObjectStorer, data []byte) (plumbing.Hash, error) {
	obj := s.NewEncodedObject()
	obj.SetType(plumbing.BlobObject)
	obj.SetSize(int64(len(data)))
	w, err := obj.Writer()
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if _, err := w.Write(data); err != nil {
		return plumbing.ZeroHash, errors.Join(err, w.Close())
	}
	if err := w.Close(); err != nil {
		return plumbing.ZeroHash, err
	}
	return s.SetEncodedObject(obj)
}
