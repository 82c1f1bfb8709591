package lab

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

const etcdMain = `package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
`

// buildEtcd builds etcd from a three-line main calling etcdmain.Main.
func buildEtcd(ctx context.Context, m goModule, bins Binaries) error {
	err := m.write(map[string]string{
		"go.mod":  scratchGoMod("etcd", "go.etcd.io/etcd/server/v3", EtcdVersion),
		"main.go": etcdMain,
	})
	if err != nil {
		return err
	}
	return m.build(ctx, bins.Dir, "", "tailorlab/etcd")
}

const kwokCmd = "sigs.k8s.io/kwok/cmd/kwok"

// buildKwok builds kwok's command with the versions its own go.mod pins.
func buildKwok(ctx context.Context, m goModule, bins Binaries) error {
	err := m.write(map[string]string{
		"go.mod":   scratchGoMod("kwok", "sigs.k8s.io/kwok", KwokVersion),
		"tools.go": toolsGo(kwokCmd),
	})
	if err != nil {
		return err
	}
	ldflags := "-X sigs.k8s.io/kwok/pkg/consts.Version=" + strings.TrimPrefix(KwokVersion, "v")
	return m.build(ctx, bins.Dir, ldflags, kwokCmd)
}

var kubeCmds = []string{
	"k8s.io/kubernetes/cmd/kube-apiserver",
	"k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kube-scheduler",
}

// buildKube builds the three control-plane commands in a scratch module that
// requires k8s.io/kubernetes and replaces each of its ./staging modules with
// the published module of the matching v0 version.
func buildKube(ctx context.Context, m goModule, bins Binaries) error {
	if err := m.write(map[string]string{"go.mod": "module tailorlab/kubernetes\n\ngo 1.25.0\n"}); err != nil {
		return err
	}
	upstream, err := m.modFile(ctx, "k8s.io/kubernetes", KubernetesVersion)
	if err != nil {
		return err
	}
	replaces := stagingReplaces(upstream, stagingVersion(KubernetesVersion))
	if len(replaces) == 0 {
		return fmt.Errorf("no ./staging replace lines in k8s.io/kubernetes %s go.mod", KubernetesVersion)
	}
	goMod := scratchGoMod("kubernetes", "k8s.io/kubernetes", KubernetesVersion) +
		"\nreplace (\n" + strings.Join(replaces, "\n") + "\n)\n"
	if err := m.write(map[string]string{"go.mod": goMod, "tools.go": toolsGo(kubeCmds...)}); err != nil {
		return err
	}
	return m.build(ctx, bins.Dir, kubeLdflags(), kubeCmds...)
}

// stagingReplaces turns every `k8s.io/x => ./staging/src/k8s.io/x` line of
// k8s.io/kubernetes' go.mod into `k8s.io/x => k8s.io/x <version>`, sorted.
func stagingReplaces(goMod, version string) []string {
	var out []string
	for _, line := range strings.Split(goMod, "\n") {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "replace "))
		if len(fields) != 3 || fields[1] != "=>" || !strings.HasPrefix(fields[2], "./staging/") {
			continue
		}
		out = append(out, fmt.Sprintf("\t%s => %s %s", fields[0], fields[0], version))
	}
	sort.Strings(out)
	return out
}

// kubeLdflags stamps the version the way Kubernetes' own build does, so the
// components report KubernetesVersion instead of v0.0.0-master.
func kubeLdflags() string {
	v := strings.TrimPrefix(KubernetesVersion, "v")
	parts := strings.SplitN(v, ".", 3)
	vars := map[string]string{
		"gitVersion":   KubernetesVersion,
		"gitMajor":     parts[0],
		"gitMinor":     parts[1],
		"gitTreeState": "clean",
		"buildDate":    "1970-01-01T00:00:00Z",
	}
	var flags []string
	for _, pkg := range []string{"k8s.io/client-go/pkg/version", "k8s.io/component-base/version"} {
		for k, val := range vars {
			flags = append(flags, fmt.Sprintf("-X %s.%s=%s", pkg, k, val))
		}
	}
	sort.Strings(flags)
	return strings.Join(flags, " ")
}
