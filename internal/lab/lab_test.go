package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// TestLab starts a 3-node cluster, scales a Deployment from 3 to 5 Running
// pods and checks that Stop leaves nothing behind.
// Expected runtime: about 20 s with cached binaries (`make lab`); the first
// build adds about 10 minutes on 2 cores, beyond go test's default timeout
// (run it with -timeout 30m or build with `make lab` first).
func TestLab(t *testing.T) {
	start := time.Now()
	c := ForTest(t, Options{Nodes: 3})
	t.Logf("started in %s", time.Since(start).Round(time.Millisecond))
	ctx := t.Context()
	cs, err := c.Client()
	if err != nil {
		t.Fatal(err)
	}
	checkNodes(ctx, t, cs, 3)
	checkKubeconfig(t, c)

	deploy := deployment("web", 3)
	if _, err := cs.AppsV1().Deployments("default").Create(ctx, deploy, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRunning(ctx, t, cs, "app=web", 3)
	patch := []byte(`{"spec":{"replicas":5}}`)
	_, err = cs.AppsV1().Deployments("default").Patch(ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitRunning(ctx, t, cs, "app=web", 5)
	checkResize(ctx, t, cs, "app=web")

	pids, dir := c.pids(), c.Dir()
	start = time.Now()
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	t.Logf("stopped in %s", time.Since(start).Round(time.Millisecond))
	checkGone(t, c.Binaries(), pids, dir)
}

func (c *Cluster) pids() map[int]bool {
	out := map[int]bool{}
	for _, p := range c.procs {
		out[p.cmd.Process.Pid] = true
	}
	return out
}

func checkNodes(ctx context.Context, t *testing.T, cs kubernetes.Interface, want int) {
	t.Helper()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes.Items) != want {
		t.Fatalf("got %d nodes, want %d", len(nodes.Items), want)
	}
	for _, n := range nodes.Items {
		if got := n.Status.NodeInfo.KubeletVersion; got != KubernetesVersion {
			t.Errorf("node %s: kubeletVersion %q, want %q", n.Name, got, KubernetesVersion)
		}
		if !nodeReady(&n) {
			t.Errorf("node %s not Ready", n.Name)
		}
	}
}

// checkKubeconfig reads the server version through the kubeconfig file.
func checkKubeconfig(t *testing.T, c *Cluster) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig())
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != KubernetesVersion {
		t.Errorf("server version %s, want %s", v.GitVersion, KubernetesVersion)
	}
}

func deployment(name string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "app",
					Image: "registry.invalid/app:1", // kwok never pulls
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("100m"),
						corev1.ResourceMemory: resource.MustParse("64Mi"),
					}},
				}}},
			},
		},
	}
}

func waitRunning(ctx context.Context, t *testing.T, cs kubernetes.Interface, selector string, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		running, err := countRunning(ctx, cs, selector)
		if err == nil && running == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d pods Running (err %v), want %d", selector, running, err, want)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// checkResize resizes one pod's CPU in place through the pods/resize
// subresource and waits until kwok, acting as the kubelet, reports it done.
func checkResize(ctx context.Context, t *testing.T, cs kubernetes.Interface, selector string) {
	t.Helper()
	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil || len(pods.Items) == 0 {
		t.Fatalf("list pods: %v", err)
	}
	patch := []byte(`{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"250m"}}}]}}`)
	pod, err := cs.CoreV1().Pods("default").Patch(ctx, pods.Items[0].Name, types.StrategicMergePatchType,
		patch, metav1.PatchOptions{}, "resize")
	if err != nil {
		t.Fatalf("resize: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !resized(pod, "250m") {
		if time.Now().After(deadline) {
			t.Fatalf("resize not reported in status: generation %d, status %+v", pod.Generation, pod.Status)
		}
		time.Sleep(200 * time.Millisecond)
		if pod, err = cs.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func resized(pod *corev1.Pod, cpu string) bool {
	if len(pod.Status.ContainerStatuses) == 0 || pod.Status.ObservedGeneration != pod.Generation {
		return false
	}
	st := pod.Status.ContainerStatuses[0]
	return st.Resources != nil && st.Resources.Requests.Cpu().String() == cpu &&
		st.AllocatedResources.Cpu().String() == cpu && st.State.Running != nil
}

func countRunning(ctx context.Context, cs kubernetes.Interface, selector string) (int, error) {
	pods, err := cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range pods.Items {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			n++
		}
	}
	return n, nil
}

// checkGone checks that no process of the cluster remains (checkNoProcess)
// and that its directory is gone.
func checkGone(t *testing.T, bins Binaries, pids map[int]bool, dir string) {
	t.Helper()
	checkNoProcess(t, bins, pids, dir)
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("cluster dir %s still exists (err %v)", dir, err)
	}
}

// checkNoProcess scans /proc for any process of this cluster: one it
// started, one in their process groups, or one running a lab binary with the
// cluster directory on its command line.
func checkNoProcess(t *testing.T, bins Binaries, pids map[int]bool, dir string) {
	t.Helper()
	exes := map[string]bool{}
	for _, b := range bins.all() {
		exes[b] = true
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if why := ours(pid, pids, exes, dir); why != "" {
			t.Errorf("process %d still running after Stop: %s", pid, why)
		}
	}
}

func ours(pid int, pids map[int]bool, exes map[string]bool, dir string) string {
	if pids[pid] {
		return "started by the cluster"
	}
	if pgid := procPgid(pid); pids[pgid] {
		return fmt.Sprintf("in process group %d", pgid)
	}
	exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	exe = strings.TrimSuffix(exe, " (deleted)")
	if exes[exe] && strings.Contains(string(cmdline), dir) {
		return "runs " + exe + " for this cluster"
	}
	return ""
}

// procPgid reads the process group from /proc/<pid>/stat (0 when unreadable).
func procPgid(pid int) int {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses: state ppid pgrp ...
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	fields := strings.Fields(rest)
	if len(fields) < 3 {
		return 0
	}
	pgid, _ := strconv.Atoi(fields[2])
	return pgid
}

// TestStartWithoutBinaries needs no binaries: with building disabled and an
// empty cache, Start must fail at once and say how to build.
func TestStartWithoutBinaries(t *testing.T) {
	cache := t.TempDir()
	start := time.Now()
	_, err := Start(t.Context(), Options{CacheDir: cache, NoBuild: true})
	if err == nil {
		t.Fatal("Start succeeded without binaries")
	}
	for _, want := range []string{"not built", "make lab", cache} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Start took %s to fail", d)
	}
}

// A component that cannot start fails Start with the end of its log, and
// nothing of the cluster is left running.
func TestStartFailureQuotesLog(t *testing.T) {
	if testing.Short() {
		t.Skip("lab: skipped in -short mode (starts the lab's binaries)")
	}
	bins, err := Build(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "cluster") // a given Dir is kept, so the test knows it
	_, err = Start(t.Context(), Options{Dir: dir, ExtraArgs: map[string][]string{"kube-apiserver": {"--no-such-flag"}}})
	if err == nil {
		t.Fatal("Start succeeded with a bad kube-apiserver flag")
	}
	for _, want := range []string{"kube-apiserver exited", "unknown flag: --no-such-flag", "kube-apiserver.log"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	checkNoProcess(t, bins, nil, dir)
}

// Cancelling Start's context stops the cluster.
func TestContextCancelStops(t *testing.T) {
	if testing.Short() {
		t.Skip("lab: skipped in -short mode (starts a local cluster)")
	}
	ctx, cancel := context.WithCancel(t.Context())
	c, err := Start(ctx, Options{})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	pids, dir := c.pids(), c.Dir()
	cancel()
	for _, p := range c.procs {
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s still running 30s after cancel", p.name)
		}
	}
	// Stop runs in the context's AfterFunc; wait for it to finish removing the directory.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	checkGone(t, c.Binaries(), pids, dir)
}
