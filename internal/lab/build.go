package lab

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Binaries are the absolute paths of the lab's executables.
type Binaries struct {
	Dir               string
	Etcd              string
	APIServer         string
	ControllerManager string
	Scheduler         string
	Kwok              string
}

// stampFile records, inside the bin directory, which versions a completed
// build produced. It is written last, so its presence means every binary is there.
const stampFile = "VERSION"

func binariesIn(dir string) Binaries {
	return Binaries{
		Dir:               dir,
		Etcd:              filepath.Join(dir, "etcd"),
		APIServer:         filepath.Join(dir, "kube-apiserver"),
		ControllerManager: filepath.Join(dir, "kube-controller-manager"),
		Scheduler:         filepath.Join(dir, "kube-scheduler"),
		Kwok:              filepath.Join(dir, "kwok"),
	}
}

func (b Binaries) all() []string {
	return []string{b.Etcd, b.APIServer, b.ControllerManager, b.Scheduler, b.Kwok}
}

// check returns nil when the stamp matches the pinned versions and every
// binary is an executable file.
func (b Binaries) check() error {
	stamp, err := os.ReadFile(filepath.Join(b.Dir, stampFile))
	if err != nil {
		return fmt.Errorf("no build stamp in %s", b.Dir)
	}
	if strings.TrimSpace(string(stamp)) != cacheKey() {
		return fmt.Errorf("build stamp in %s is %q, want %q", b.Dir, strings.TrimSpace(string(stamp)), cacheKey())
	}
	for _, p := range b.all() {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode()&0o111 == 0 {
			return fmt.Errorf("%s is missing or not executable", p)
		}
	}
	return nil
}

// DefaultCacheDir is $XDG_CACHE_HOME/tailor-lab, or the user cache
// directory's tailor-lab (~/.cache/tailor-lab on Linux).
func DefaultCacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("lab: user cache dir: %w", err)
	}
	return filepath.Join(base, "tailor-lab"), nil
}

// versionDir is the directory of the pinned versions under cacheDir (the
// default cache directory when cacheDir is empty).
func versionDir(cacheDir string) (string, error) {
	if cacheDir == "" {
		var err error
		if cacheDir, err = DefaultCacheDir(); err != nil {
			return "", err
		}
	}
	abs, err := filepath.Abs(cacheDir)
	if err != nil {
		return "", fmt.Errorf("lab: cache dir: %w", err)
	}
	return filepath.Join(abs, cacheKey()), nil
}

// Cached returns the binaries already built under cacheDir without building
// anything, or an error saying how to build them.
func Cached(cacheDir string) (Binaries, error) {
	root, err := versionDir(cacheDir)
	if err != nil {
		return Binaries{}, err
	}
	bins := binariesIn(filepath.Join(root, "bin"))
	if err := bins.check(); err != nil {
		return Binaries{}, fmt.Errorf("lab: binaries not built (%v); run `make lab` or call lab.Build", err)
	}
	return bins, nil
}

// Build compiles the lab's binaries into cacheDir (DefaultCacheDir when
// empty) unless a complete build of the pinned versions is already there.
// Concurrent callers, in one process or many, wait on a file lock and
// reuse the first one's result. The first build takes minutes.
func Build(ctx context.Context, cacheDir string) (Binaries, error) {
	return BuildLog(ctx, cacheDir, io.Discard)
}

// BuildLog is Build, writing one progress line per step to w.
func BuildLog(ctx context.Context, cacheDir string, w io.Writer) (Binaries, error) {
	if bins, err := Cached(cacheDir); err == nil {
		return bins, nil
	}
	root, err := versionDir(cacheDir)
	if err != nil {
		return Binaries{}, err
	}
	if err := os.MkdirAll(filepath.Join(root, "bin"), 0o755); err != nil {
		return Binaries{}, fmt.Errorf("lab: build: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(root, "build.lock"))
	if err != nil {
		return Binaries{}, fmt.Errorf("lab: build: lock: %w", err)
	}
	defer unlock()
	if bins, err := Cached(cacheDir); err == nil {
		return bins, nil // built by whoever held the lock before us
	}
	return buildAll(ctx, root, w)
}

func buildAll(ctx context.Context, root string, w io.Writer) (Binaries, error) {
	bins := binariesIn(filepath.Join(root, "bin"))
	_ = os.Remove(filepath.Join(bins.Dir, stampFile))
	for _, s := range buildSteps(root, bins) {
		start := time.Now()
		fmt.Fprintf(w, "lab: building %s\n", s.name)
		if err := s.run(ctx); err != nil {
			return Binaries{}, fmt.Errorf("lab: build %s: %w", s.name, err)
		}
		fmt.Fprintf(w, "lab: built %s in %s\n", s.name, time.Since(start).Round(time.Second))
	}
	if err := os.WriteFile(filepath.Join(bins.Dir, stampFile), []byte(cacheKey()+"\n"), 0o644); err != nil {
		return Binaries{}, fmt.Errorf("lab: build: stamp: %w", err)
	}
	if err := bins.check(); err != nil {
		return Binaries{}, fmt.Errorf("lab: build: %w", err)
	}
	return bins, nil
}

type buildStep struct {
	name string
	run  func(context.Context) error
}

func buildSteps(root string, bins Binaries) []buildStep {
	src := func(name string) string { return filepath.Join(root, "src", name) }
	logs := func(name string) string { return filepath.Join(root, "build-"+name+".log") }
	etcd := goModule{dir: src("etcd"), log: logs("etcd")}
	kwok := goModule{dir: src("kwok"), log: logs("kwok")}
	kube := goModule{dir: src("kubernetes"), log: logs("kubernetes")}
	return []buildStep{
		{"etcd " + EtcdVersion, func(ctx context.Context) error { return buildEtcd(ctx, etcd, bins) }},
		{"kwok " + KwokVersion, func(ctx context.Context) error { return buildKwok(ctx, kwok, bins) }},
		{"kubernetes " + KubernetesVersion, func(ctx context.Context) error { return buildKube(ctx, kube, bins) }},
	}
}
