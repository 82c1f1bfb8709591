package lab

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestStagingReplaces(t *testing.T) {
	goMod := `module k8s.io/kubernetes

require k8s.io/api v0.0.0

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	github.com/foo/bar => github.com/foo/bar v1.2.3
)

replace k8s.io/kms => ./staging/src/k8s.io/kms
`
	got := stagingReplaces(goMod, stagingVersion("v1.35.4"))
	want := []string{
		"\tk8s.io/api => k8s.io/api v0.35.4",
		"\tk8s.io/client-go => k8s.io/client-go v0.35.4",
		"\tk8s.io/kms => k8s.io/kms v0.35.4",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestKubeLdflags(t *testing.T) {
	got := kubeLdflags()
	for _, want := range []string{
		"-X k8s.io/component-base/version.gitVersion=" + KubernetesVersion,
		"-X k8s.io/client-go/pkg/version.gitMinor=35",
		"-X k8s.io/component-base/version.gitMajor=1",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("ldflags %q lack %q", got, want)
		}
	}
}

// A failing go command names itself and quotes the end of its log.
func TestGoModuleFailureQuotesLog(t *testing.T) {
	dir := t.TempDir()
	m := goModule{dir: filepath.Join(dir, "src"), log: filepath.Join(dir, "build.log")}
	err := m.write(map[string]string{
		"go.mod":  "module tailorlab/broken\n\ngo 1.25.0\n",
		"main.go": "package main\n\nfunc main() { undefinedThing() }\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	err = m.build(t.Context(), dir, "", "tailorlab/broken")
	if err == nil {
		t.Fatal("build of a broken module succeeded")
	}
	for _, want := range []string{"go build", "undefinedThing", m.log} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestLockFileExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := lockFile(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
	defer cancel()
	if _, err := lockFile(ctx, path); err == nil {
		t.Fatal("second lock taken while the first is held")
	}
	unlock()
	unlock2, err := lockFile(t.Context(), path)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	unlock2()
}

func TestCachedRejectsStaleStamp(t *testing.T) {
	cache := t.TempDir()
	root, err := versionDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	bins := binariesIn(filepath.Join(root, "bin"))
	if err := os.MkdirAll(bins.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range bins.all() {
		if err := os.WriteFile(p, []byte("#!/bin/true\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bins.Dir, stampFile), []byte("other-versions\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Cached(cache); err == nil || !strings.Contains(err.Error(), "other-versions") {
		t.Errorf("Cached with a stale stamp: err %v", err)
	}
	if err := os.WriteFile(filepath.Join(bins.Dir, stampFile), []byte(cacheKey()+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := Cached(cache); err != nil || got.APIServer != bins.APIServer {
		t.Errorf("Cached with a good stamp: %+v, %v", got, err)
	}
}

func TestPKIServingCertVerifies(t *testing.T) {
	p, err := newPKI(serviceIP)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(p.caCert) {
		t.Fatal("bad CA PEM")
	}
	block, _ := pem.Decode(p.serverCert)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost", "10.96.0.1", "kubernetes.default.svc"} {
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: host}); err != nil {
			t.Errorf("verify for %s: %v", host, err)
		}
	}
}
