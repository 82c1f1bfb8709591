package gitops

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// DefaultGitDir is where CommitGit puts the export inside the repository.
const DefaultGitDir = "tailor"

// GitOptions control CommitGit.
type GitOptions struct {
	KustomizeOptions // Resources are relative to Dir, e.g. "../base"

	// Dir is the export directory inside the repository, slash-separated
	// (default "tailor").
	Dir string
	// AuthorName and AuthorEmail sign the commit (author and committer).
	// Default: user.name and user.email of the repository's git config
	// (local, then global), else "tailor" and "tailor@localhost".
	AuthorName, AuthorEmail string
	// Message replaces the generated subject line; the body listing every
	// change is always there.
	Message string
	// Now dates the commit (default time.Now).
	Now func() time.Time
}

// CommitGit renders the changes (see Render) and commits them as Dir on
// branch in the local repository at repoPath, in one commit, without
// touching the checkout: the worktree, the index and HEAD stay as they are;
// only the branch moves, so the user pushes it and opens a pull request.
//
// The branch is created from HEAD's commit when it does not exist; when it
// exists the commit goes on top of it, wherever it points. The branch must
// not be the one checked out, and the worktree must have no uncommitted
// changes to tracked files (untracked files do not count), since a new
// branch starts from HEAD's commit, not from the files on disk. Dir must be
// missing on that commit or hold an earlier export left as tailor wrote it;
// it is replaced whole. It returns the new commit's hash, or ErrNoChanges
// when the branch already holds these exact files.
//
// The commit is built from objects (blobs, trees, commit) and the branch
// moves last, by writing <ref>.lock and renaming it as git does; on any
// error the branch, HEAD, index and worktree are as before (the objects
// already written stay unreferenced until git gc prunes them).
func CommitGit(repoPath, branch string, changes []Change, opts GitOptions) (string, error) {
	dir, err := gitDir(opts.Dir)
	if err != nil {
		return "", fmt.Errorf("commit export: %w", err)
	}
	files, err := Render(changes, opts.KustomizeOptions)
	if err != nil {
		return "", err
	}
	repo, err := git.PlainOpenWithOptions(repoPath, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if err != nil {
		return "", fmt.Errorf("commit export: open repository %s: %w", repoPath, err)
	}
	ref := plumbing.NewBranchReferenceName(branch)
	if err := checkRepo(repo, ref); err != nil {
		return "", fmt.Errorf("commit export to %s branch %s: %w", repoPath, branch, err)
	}
	hash, err := commitFiles(repo, ref, dir, files, commitMessage(opts.Message, changes, path.Join(dir...)), opts)
	if err != nil {
		return "", fmt.Errorf("commit export to %s branch %s: %w", repoPath, branch, err)
	}
	return hash.String(), nil
}

// gitDir splits and checks the export directory inside the repository.
func gitDir(dir string) ([]string, error) {
	if dir == "" {
		dir = DefaultGitDir
	}
	clean := path.Clean(dir)
	parts := strings.Split(clean, "/")
	if clean != dir || path.IsAbs(dir) || clean == "." || strings.Contains(dir, "\\") {
		return nil, fmt.Errorf("export directory %q: want a clean relative slash-separated path", dir)
	}
	for _, p := range parts {
		if p == ".." || strings.EqualFold(p, ".git") {
			return nil, fmt.Errorf("export directory %q: may not contain %q", dir, p)
		}
	}
	return parts, nil
}

// checkRepo refuses a branch name git would refuse, the checked-out branch
// and a worktree with uncommitted changes.
func checkRepo(repo *git.Repository, ref plumbing.ReferenceName) error {
	if err := ref.Validate(); err != nil {
		return fmt.Errorf("branch name: %w", err)
	}
	head, err := repo.Storer.Reference(plumbing.HEAD)
	if err != nil {
		return fmt.Errorf("read HEAD: %w", err)
	}
	if head.Type() == plumbing.SymbolicReference && head.Target() == ref {
		return errors.New("branch is checked out; tailor commits to a review branch and leaves your checkout alone: give another branch")
	}
	wt, err := repo.Worktree()
	if errors.Is(err, git.ErrIsBareRepository) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worktree: %w", err)
	}
	status, err := wt.Status()
	if err != nil {
		return fmt.Errorf("worktree status: %w", err)
	}
	var dirty []string
	for p, s := range status {
		if s.Staging == git.Untracked && s.Worktree == git.Untracked {
			continue
		}
		if s.Staging != git.Unmodified || s.Worktree != git.Unmodified {
			dirty = append(dirty, p)
		}
	}
	if len(dirty) > 0 {
		return fmt.Errorf("worktree has uncommitted changes (%s): commit or stash them first", listSome(dirty))
	}
	return nil
}

// commitFiles writes the commit and moves the branch to it.
func commitFiles(repo *git.Repository, ref plumbing.ReferenceName, dir []string, files Files, msg string, opts GitOptions) (plumbing.Hash, error) {
	parent, old, err := branchBase(repo, ref)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	pc, err := repo.CommitObject(parent)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("read commit %s: %w", parent, err)
	}
	existing, err := lookupDir(repo.Storer, pc.TreeHash, dir)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if err := checkTreeOwned(repo.Storer, existing); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("refusing to replace %s: it %w", path.Join(dir...), err)
	}
	sub, err := storeFiles(repo.Storer, files)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	if sub == existing {
		return plumbing.ZeroHash, fmt.Errorf("%s already holds these files at %s: %w", path.Join(dir...), parent, ErrNoChanges)
	}
	tree, err := splice(repo.Storer, pc.TreeHash, dir, sub)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	sig, err := signature(repo, opts)
	if err != nil {
		return plumbing.ZeroHash, err
	}
	c := &object.Commit{Author: sig, Committer: sig, Message: msg, TreeHash: tree, ParentHashes: []plumbing.Hash{parent}}
	obj := repo.Storer.NewEncodedObject()
	if err := c.Encode(obj); err != nil {
		return plumbing.ZeroHash, fmt.Errorf("encode commit: %w", err)
	}
	hash, err := repo.Storer.SetEncodedObject(obj)
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("store commit: %w", err)
	}
	return hash, updateBranch(repo, ref, hash, old)
}

// branchBase is the commit to build on: the branch's when it exists (old is
// then its current reference), else HEAD's.
func branchBase(repo *git.Repository, ref plumbing.ReferenceName) (parent plumbing.Hash, old *plumbing.Reference, err error) {
	cur, err := repo.Reference(ref, true)
	if err == nil {
		return cur.Hash(), cur, nil
	}
	if !errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, nil, fmt.Errorf("read branch: %w", err)
	}
	head, err := repo.Head()
	if err != nil {
		return plumbing.ZeroHash, nil, fmt.Errorf("HEAD has no commit to branch from: %w", err)
	}
	return head.Hash(), nil, nil
}

func signature(repo *git.Repository, opts GitOptions) (object.Signature, error) {
	name, email := opts.AuthorName, opts.AuthorEmail
	if name == "" || email == "" {
		cfg, err := repo.ConfigScoped(config.GlobalScope)
		if err != nil {
			return object.Signature{}, fmt.Errorf("read git config: %w", err)
		}
		name = cmp.Or(name, cfg.User.Name, "tailor")
		email = cmp.Or(email, cfg.User.Email, "tailor@localhost")
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	return object.Signature{Name: name, Email: email, When: now()}, nil
}

// updateBranch moves ref from old (nil: it must not exist) to hash. In a
// repository on disk it does so as git does: it creates <ref>.lock
// exclusively (failing while another git process holds it), checks the
// branch did not move meanwhile, writes the lock and renames it over the
// ref, so readers see the old or the new value and nothing between.
func updateBranch(repo *git.Repository, ref plumbing.ReferenceName, hash plumbing.Hash, old *plumbing.Reference) error {
	fsStore, ok := repo.Storer.(*filesystem.Storage)
	if !ok {
		return repo.Storer.CheckAndSetReference(plumbing.NewHashReference(ref, hash), old)
	}
	fs := fsStore.Filesystem()
	lock := ref.String() + ".lock"
	if err := fs.MkdirAll(path.Dir(ref.String()), 0o755); err != nil {
		return fmt.Errorf("update branch: %w", err)
	}
	f, err := fs.OpenFile(lock, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return fmt.Errorf("update branch: lock %s (another git process may be updating it; remove the lock if none is): %w", lock, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			_ = fs.Remove(lock)
		}
	}()
	cur, err := repo.Storer.Reference(ref)
	switch {
	case old == nil && err == nil:
		return fmt.Errorf("update branch: created meanwhile (now at %s); run again", cur.Hash())
	case old != nil && (err != nil || cur.Hash() != old.Hash()):
		return fmt.Errorf("update branch: moved meanwhile (was %s); run again", old.Hash())
	}
	_, err = f.Write([]byte(hash.String() + "\n"))
	if s, ok := f.(interface{ Sync() error }); ok && err == nil {
		err = s.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("update branch: write %s: %w", lock, err)
	}
	if err := fs.Rename(lock, ref.String()); err != nil {
		return fmt.Errorf("update branch: %w", err)
	}
	renamed = true
	return nil
}
