package gitops

import (
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

var when = time.Date(2026, 3, 14, 15, 9, 26, 0, time.FixedZone("CET", 3600))

func gitOpts() GitOptions {
	return GitOptions{
		KustomizeOptions: KustomizeOptions{Resources: []string{"../base"}},
		AuthorName:       "Tailor Bot", AuthorEmail: "bot@tailor.dev",
		Now: func() time.Time { return when },
	}
}

// newRepo makes a repository on branch main with one commit holding the
// base manifests and a README.
func newRepo(t *testing.T) string {
	t.Helper()
	path := t.TempDir()
	_, err := git.PlainInitWithOptions(path, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(path, "base"), os.DirFS(filepath.Join("testdata", "base"))); err != nil {
		t.Fatal(err)
	}
	userCommit(t, path, map[string]string{"README.md": "# deploy\n"}, "initial")
	return path
}

// userCommit writes files into the worktree and commits everything.
func userCommit(t *testing.T, path string, files map[string]string, msg string) plumbing.Hash {
	t.Helper()
	for name, data := range files {
		mustWrite(t, filepath.Join(path, filepath.FromSlash(name)), data)
	}
	repo, err := git.PlainOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "Dev", Email: "dev@example.com", When: when}})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// state is what the user sees of a repository: HEAD, the index, every
// ref (loose, and the packed-refs file) and every file of the worktree.
type state struct {
	head, index string
	refs        map[string]string
	worktree    map[string]string
}

func snapshot(t *testing.T, path string) state {
	t.Helper()
	s := state{refs: map[string]string{}, worktree: map[string]string{}}
	head, _ := os.ReadFile(filepath.Join(path, ".git", "HEAD"))
	index, _ := os.ReadFile(filepath.Join(path, ".git", "index"))
	s.head, s.index = string(head), string(index)
	// Refs as files (go-git's own listing fails on a .lock file).
	for p, data := range readTree(t, filepath.Join(path, ".git", "refs")) {
		if !strings.HasSuffix(p, ".lock") {
			s.refs["refs/"+p] = strings.TrimSpace(data)
		}
	}
	packed, _ := os.ReadFile(filepath.Join(path, ".git", "packed-refs"))
	s.refs["packed-refs"] = string(packed)
	for p, data := range readTree(t, path) {
		if !strings.HasPrefix(p, ".git/") {
			s.worktree[p] = data
		}
	}
	return s
}

func (s state) equal(o state) bool {
	return s.head == o.head && s.index == o.index && maps.Equal(s.refs, o.refs) && maps.Equal(s.worktree, o.worktree)
}

// treeFiles reads every file of a commit's tree under prefix (relative to it).
func treeFiles(t *testing.T, path string, commit plumbing.Hash, prefix string) map[string]string {
	t.Helper()
	repo, err := git.PlainOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(commit)
	if err != nil {
		t.Fatal(err)
	}
	tree, err := c.Tree()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	err = tree.Files().ForEach(func(f *object.File) error {
		if rel, ok := strings.CutPrefix(f.Name, prefix); ok {
			data, err := f.Contents()
			out[rel] = data
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func commitOf(t *testing.T, path string, hash string) *object.Commit {
	t.Helper()
	repo, err := git.PlainOpen(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := repo.CommitObject(plumbing.NewHash(hash))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// gitCLI runs the git command, when there is one, to check that real git
// agrees with what go-git wrote.
func gitCLI(t *testing.T, path string, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Log("no git command: skipping the check with real git")
		return "", false
	}
	out, err := exec.Command("git", append([]string{"-C", path}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out), true
}

const branch = "tailor/right-size"

func TestCommitGit(t *testing.T) {
	path := newRepo(t)
	// Neighbours that git sorts around the directory "tailor" ("tailor/"
	// sorts after "tailor.md" and before "tailor0").
	userCommit(t, path, map[string]string{"tailor.md": "notes\n", "tailor0/x": "x\n"}, "neighbours")
	before := snapshot(t, path)
	head := before.refs["refs/heads/main"]
	hash, err := CommitGit(path, branch, sampleChanges(), gitOpts())
	if err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, path)
	wantRefs := maps.Clone(before.refs)
	wantRefs["refs/heads/"+branch] = hash
	if after.head != before.head || after.index != before.index || !maps.Equal(after.worktree, before.worktree) {
		t.Error("HEAD, index or worktree changed")
	}
	if !maps.Equal(after.refs, wantRefs) {
		t.Errorf("refs %v, want %v", after.refs, wantRefs)
	}
	c := commitOf(t, path, hash)
	if len(c.ParentHashes) != 1 || c.ParentHashes[0].String() != head {
		t.Errorf("parents %v, want HEAD %s", c.ParentHashes, head)
	}
	if c.Author.Name != "Tailor Bot" || c.Author.Email != "bot@tailor.dev" || !c.Author.When.Equal(when) || c.Committer != c.Author {
		t.Errorf("author %v, committer %v", c.Author, c.Committer)
	}
	lines := strings.Split(strings.TrimSpace(c.Message), "\n")
	if lines[0] != "tailor: right-size 6 workloads (cpu -2.6 cores, memory -4.44 GiB)" {
		t.Errorf("subject %q", lines[0])
	}
	if n := len(slices.DeleteFunc(lines, func(l string) bool { return !strings.HasPrefix(l, "- ") })); n != 8 {
		t.Errorf("%d change lines, want one per changed container (8):\n%s", n, c.Message)
	}
	want, _ := Render(sampleChanges(), gitOpts().KustomizeOptions)
	if got := treeFiles(t, path, c.Hash, "tailor/"); !maps.Equal(got, filesMap(want)) {
		t.Errorf("tailor/ holds %v, want %v", keys(got), want.Paths())
	}
	outside := func(commit plumbing.Hash) map[string]string {
		all := treeFiles(t, path, commit, "")
		maps.DeleteFunc(all, func(p, _ string) bool { return strings.HasPrefix(p, "tailor/") })
		return all
	}
	if got, parent := outside(c.Hash), outside(c.ParentHashes[0]); !maps.Equal(got, parent) || len(got) < 9 {
		t.Errorf("files outside tailor/: %v, want the parent's %v", keys(got), keys(parent))
	}
	if out, ok := gitCLI(t, path, "fsck", "--strict", "--no-dangling"); ok {
		t.Logf("git fsck: %s", out)
		diff, _ := gitCLI(t, path, "diff", "--name-only", "main", branch)
		for _, p := range strings.Fields(diff) {
			if !strings.HasPrefix(p, "tailor/") {
				t.Errorf("git diff main %s lists %s", branch, p)
			}
		}
		if st, _ := gitCLI(t, path, "status", "--porcelain"); st != "" {
			t.Errorf("git status: %s", st)
		}
	}
}

// TestCommitGitSecondRun: a second export goes on top of the branch (not
// of HEAD, which moved on meanwhile) and replaces the export whole; the
// same export again gives ErrNoChanges and no commit.
func TestCommitGitSecondRun(t *testing.T) {
	path := newRepo(t)
	first, err := CommitGit(path, branch, sampleChanges(), gitOpts())
	if err != nil {
		t.Fatal(err)
	}
	userCommit(t, path, map[string]string{"README.md": "# deploy, v2\n"}, "main moves on")
	second := sampleChanges()[:1]
	second[0].Containers[0].After.CPURequest = 0.5
	before := snapshot(t, path)
	hash, err := CommitGit(path, branch, second, gitOpts())
	if err != nil {
		t.Fatal(err)
	}
	c := commitOf(t, path, hash)
	if len(c.ParentHashes) != 1 || c.ParentHashes[0].String() != first {
		t.Errorf("parent %v, want the branch's previous commit %s", c.ParentHashes, first)
	}
	want, _ := Render(second, gitOpts().KustomizeOptions)
	if got := treeFiles(t, path, c.Hash, "tailor/"); !maps.Equal(got, filesMap(want)) {
		t.Errorf("tailor/ holds %v, want only %v", keys(got), want.Paths())
	}
	if got := treeFiles(t, path, c.Hash, "README.md"); got[""] != "# deploy\n" {
		t.Errorf("README.md on the branch = %q, want the branch's own version", got[""])
	}
	after := snapshot(t, path)
	if after.refs["refs/heads/main"] != before.refs["refs/heads/main"] || after.head != before.head {
		t.Error("main or HEAD moved")
	}
	_, err = CommitGit(path, branch, second, gitOpts())
	if !errors.Is(err, ErrNoChanges) {
		t.Errorf("same export again: err = %v, want ErrNoChanges", err)
	}
	if !snapshot(t, path).equal(after) {
		t.Error("the repository changed")
	}
}

func TestCommitGitDirtyWorktree(t *testing.T) {
	for _, tc := range []struct {
		name  string
		dirty func(t *testing.T, path string)
		want  string
	}{
		{"modified", func(t *testing.T, path string) { mustWrite(t, filepath.Join(path, "base", "web.yaml"), "edited\n") }, "base/web.yaml"},
		{"deleted", func(t *testing.T, path string) { _ = os.Remove(filepath.Join(path, "README.md")) }, "README.md"},
		{"staged", func(t *testing.T, path string) {
			mustWrite(t, filepath.Join(path, "new.yaml"), "x: 1\n")
			repo, _ := git.PlainOpen(path)
			wt, _ := repo.Worktree()
			if _, err := wt.Add("new.yaml"); err != nil {
				t.Fatal(err)
			}
		}, "new.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := newRepo(t)
			tc.dirty(t, path)
			before := snapshot(t, path)
			_, err := CommitGit(path, branch, sampleChanges(), gitOpts())
			if err == nil || !strings.Contains(err.Error(), "uncommitted changes") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want uncommitted changes naming %s", err, tc.want)
			}
			if !snapshot(t, path).equal(before) {
				t.Error("the repository changed")
			}
		})
	}
	path := newRepo(t)
	mustWrite(t, filepath.Join(path, "scratch.txt"), "untracked\n")
	if _, err := CommitGit(path, branch, sampleChanges(), gitOpts()); err != nil {
		t.Errorf("an untracked file should not block: %v", err)
	}
}

// TestCommitGitRefuses: every refusal leaves the repository as it was.
func TestCommitGitRefuses(t *testing.T) {
	for _, tc := range []struct {
		name    string
		prepare func(t *testing.T, path string)
		branch  string
		edit    func(o *GitOptions, c []Change) []Change
		want    string
	}{
		{name: "checked-out branch", branch: "main", want: "branch is checked out"},
		{name: "bad branch name", branch: "a..b", want: "branch name"},
		{name: "file in the way", prepare: func(t *testing.T, path string) {
			userCommit(t, path, map[string]string{"tailor": "a file\n"}, "file named tailor")
		}, want: "tailor is a file in the way"},
		{name: "foreign directory", prepare: func(t *testing.T, path string) {
			userCommit(t, path, map[string]string{"tailor/notes.md": "mine\n"}, "notes")
		}, want: "holds files tailor did not write (no .tailor-export): notes.md"},
		{name: "edited export", prepare: func(t *testing.T, path string) {
			if _, err := CommitGit(path, "other", sampleChanges(), gitOpts()); err != nil {
				t.Fatal(err)
			}
			repo, _ := git.PlainOpen(path)
			wt, _ := repo.Worktree()
			if err := wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName("other")}); err != nil {
				t.Fatal(err)
			}
			userCommit(t, path, map[string]string{"tailor/shop/deployment-web.yaml": "edited\n"}, "hand edit")
		}, want: "files changed since tailor wrote them: shop/deployment-web.yaml"},
		{name: "dir outside", edit: func(o *GitOptions, c []Change) []Change { o.Dir = "../up"; return c }, want: `may not contain ".."`},
		{name: "dir absolute", edit: func(o *GitOptions, c []Change) []Change { o.Dir = "/tailor"; return c }, want: "clean relative"},
		{name: "dir unclean", edit: func(o *GitOptions, c []Change) []Change { o.Dir = "a//b/"; return c }, want: "clean relative"},
		{name: "dir .git", edit: func(o *GitOptions, c []Change) []Change { o.Dir = "x/.git"; return c }, want: `may not contain ".git"`},
		{name: "bad change", edit: func(o *GitOptions, c []Change) []Change { c[1].Kind = "Pod"; return c }, want: "change 1 (Pod shop/db)"},
		{name: "no change", edit: func(o *GitOptions, c []Change) []Change { return c[6:] }, want: ErrNoChanges.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := newRepo(t)
			if tc.prepare != nil {
				tc.prepare(t, path)
			}
			opts, changes := gitOpts(), sampleChanges()
			if tc.edit != nil {
				changes = tc.edit(&opts, changes)
			}
			b := cmpOr(tc.branch, branch)
			before := snapshot(t, path)
			_, err := CommitGit(path, b, changes, opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !snapshot(t, path).equal(before) {
				t.Error("the repository changed")
			}
		})
	}
	if _, err := CommitGit(t.TempDir(), branch, sampleChanges(), gitOpts()); err == nil || !strings.Contains(err.Error(), "open repository") {
		t.Errorf("not a repository: err = %v", err)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// TestCommitGitFailureMidway injects failures after part of the commit is
// written: an object that cannot be stored, then a branch locked by
// another git process. Each time the refs, HEAD, index and worktree are as
// before; once the cause is gone the same call succeeds.
func TestCommitGitFailureMidway(t *testing.T) {
	path := newRepo(t)
	before := snapshot(t, path)
	objects := filepath.Join(path, ".git", "objects")
	files, _ := Render(sampleChanges(), gitOpts().KustomizeOptions)
	var blocker string
	for _, f := range slices.Backward(files) { // the last blob written whose fan-out directory is free
		h := plumbing.ComputeHash(plumbing.BlobObject, f.Data).String()
		if _, err := os.Stat(filepath.Join(objects, h[:2])); errors.Is(err, os.ErrNotExist) {
			blocker = filepath.Join(objects, h[:2])
			break
		}
	}
	if blocker == "" {
		t.Fatal("every blob's fan-out directory exists")
	}
	mustWrite(t, blocker, "a file where git wants a directory\n")
	if _, err := CommitGit(path, branch, sampleChanges(), gitOpts()); err == nil {
		t.Fatal("storing an object into a file succeeded")
	} else {
		t.Logf("object store failure: %v", err)
	}
	if !snapshot(t, path).equal(before) {
		t.Error("the repository changed after an object store failure")
	}
	if err := os.Remove(blocker); err != nil {
		t.Fatal(err)
	}

	lock := filepath.Join(path, ".git", "refs", "heads", filepath.FromSlash(branch)+".lock")
	mustWrite(t, lock, "")
	_, err := CommitGit(path, branch, sampleChanges(), gitOpts())
	if err == nil || !strings.Contains(err.Error(), "another git process") {
		t.Fatalf("with the branch locked: err = %v", err)
	}
	if !snapshot(t, path).equal(before) {
		t.Error("the repository changed after a lock failure")
	}
	if _, err := os.Stat(lock); err != nil {
		t.Errorf("the other process's lock was removed: %v", err)
	}
	if err := os.Remove(lock); err != nil {
		t.Fatal(err)
	}
	hash, err := CommitGit(path, branch, sampleChanges(), gitOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got := snapshot(t, path).refs["refs/heads/"+branch]; got != hash {
		t.Errorf("branch at %s, want %s", got, hash)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("lock left behind: %v", err)
	}
	if _, ok := gitCLI(t, path, "fsck", "--strict"); ok {
		t.Log("git fsck passed")
	}
}

// TestCommitGitAuthorDefaults: the repository's git config names the
// author; without one it is tailor.
func TestCommitGitAuthorDefaults(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	path := newRepo(t)
	opts := gitOpts()
	opts.AuthorName, opts.AuthorEmail = "", ""
	hash, err := CommitGit(path, branch, sampleChanges()[:1], opts)
	if err != nil {
		t.Fatal(err)
	}
	if a := commitOf(t, path, hash).Author; a.Name != "tailor" || a.Email != "tailor@localhost" {
		t.Errorf("author without config: %v", a)
	}
	repo, _ := git.PlainOpen(path)
	cfg, _ := repo.Config()
	cfg.User.Name, cfg.User.Email = "Ops Team", "ops@example.com"
	if err := repo.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	hash, err = CommitGit(path, branch, sampleChanges()[1:2], opts)
	if err != nil {
		t.Fatal(err)
	}
	if a := commitOf(t, path, hash).Author; a.Name != "Ops Team" || a.Email != "ops@example.com" {
		t.Errorf("author from the repository's config: %v", a)
	}
}

// TestCommitGitBare: a bare repository (a mirror) works too; there is no
// worktree to check.
func TestCommitGitBare(t *testing.T) {
	src := newRepo(t)
	bare := t.TempDir()
	if _, err := git.PlainClone(bare, true, &git.CloneOptions{URL: src}); err != nil {
		t.Fatal(err)
	}
	opts := gitOpts()
	opts.Dir = "overlays/tailor"
	hash, err := CommitGit(bare, branch, sampleChanges(), opts)
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := git.PlainOpen(bare)
	c, err := repo.CommitObject(plumbing.NewHash(hash))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.File("overlays/tailor/kustomization.yaml"); err != nil {
		t.Error(err)
	}
	if !strings.Contains(c.Message, "Patches in overlays/tailor/") {
		t.Errorf("message %q", c.Message)
	}
}
