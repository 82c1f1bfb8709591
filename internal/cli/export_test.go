package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportBadInput(t *testing.T) {
	for _, c := range []failCase{
		{"export without destination", []string{"export", "--demo"}, ExitUsage, "exactly one of --out"},
		{"export git without branch", []string{"export", "--demo", "--git", "."}, ExitUsage, "--git needs --branch"},
		{"export from and trace", []string{"export", "--from", "x.json", "--demo", "--out", "d"}, ExitUsage, "drop the recommend flags"},
		{"export from missing file", []string{"export", "--from", "/nonexistent/x.json", "--out", "d"}, ExitError, "/nonexistent/x.json"},
		{"export unknown format", []string{"export", "--demo", "--format", "helm", "--out", "d"}, ExitUsage, `"helm"`},
	} {
		t.Run(c.name, func(t *testing.T) { checkFailure(t, run(c.args...), c.code, c.msg) })
	}
	dir := t.TempDir()
	notJSON := writeFile(t, dir, "recs.json", "WORKLOAD CONTAINER\n")
	out := filepath.Join(dir, "out")
	checkFailure(t, run("export", "--from", notJSON, "--out", out), ExitError, "not a `tailor recommend -o json` report")
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("%s exists after a failed export", out)
	}
}

// A saved report and a direct run give the same files; the patches name
// the recommended values.
func TestExportFolder(t *testing.T) {
	dir := t.TempDir()
	recs := filepath.Join(dir, "recs.json")
	if r := run("recommend", "--demo", "-o", "json", "--out", recs); r.code != ExitOK {
		t.Fatalf("recommend: exit %d %s", r.code, r.stderr)
	}
	fromReport, direct := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	r := run("export", "--from", recs, "--out", fromReport, "--resources", "../base")
	if r.code != ExitOK || !strings.Contains(r.stdout, "for 2 workloads") {
		t.Fatalf("export --from: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := run("export", "--demo", "--out", direct, "--resources", "../base"); r.code != ExitOK {
		t.Fatalf("export --demo: exit %d %s", r.code, r.stderr)
	}
	for _, name := range []string{"kustomization.yaml", "google-2019/job-job-382417448240.yaml"} {
		a, errA := os.ReadFile(filepath.Join(fromReport, name))
		b, errB := os.ReadFile(filepath.Join(direct, name))
		if errA != nil || errB != nil || string(a) != string(b) {
			t.Errorf("%s: differs or missing (%v, %v)", name, errA, errB)
		}
	}
	patch, err := os.ReadFile(filepath.Join(direct, "google-2019/job-job-382417448240.yaml"))
	if err != nil {
		entries, _ := os.ReadDir(direct)
		t.Fatalf("%v; folder holds %v", err, entries)
	}
	for _, want := range []string{"kind: Job", "name: job-382417448240", "cpu: 13m", "memory: 712Mi"} {
		if !strings.Contains(string(patch), want) {
			t.Errorf("patch lacks %q:\n%s", want, patch)
		}
	}
	// A second export into the folder needs --overwrite.
	checkFailure(t, run("export", "--demo", "--out", direct), ExitError, direct)
	if r := run("export", "--demo", "--out", direct, "--overwrite"); r.code != ExitOK {
		t.Errorf("--overwrite: exit %d %s", r.code, r.stderr)
	}
}

func TestExportGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	git := func(args ...string) string {
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	git("init", "-q", "-b", "main")
	writeFile(t, repo, "README", "base\n")
	git("add", "README")
	git("commit", "-q", "-m", "init")
	r := run("export", "--demo", "--git", repo, "--branch", "tailor/right-size")
	if r.code != ExitOK || !strings.Contains(r.stdout, "committed 2 workloads to tailor/right-size") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if files := git("ls-tree", "-r", "--name-only", "tailor/right-size"); !strings.Contains(files, "tailor/kustomization.yaml") {
		t.Errorf("branch files:\n%s", files)
	}
	if head := strings.TrimSpace(git("rev-parse", "--abbrev-ref", "HEAD")); head != "main" {
		t.Errorf("HEAD moved to %s", head)
	}
	if r := run("export", "--demo", "--git", repo, "--branch", "tailor/right-size"); r.code != ExitOK || !strings.Contains(r.stdout, "nothing to export") {
		t.Errorf("second export: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
