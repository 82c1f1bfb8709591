package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configure Start. The zero value starts one fake node.
type Options struct {
	// Nodes is the number of kwok-managed fake nodes (default 1).
	Nodes int
	// NodeCPU, NodeMemory and NodePods are each node's capacity and
	// allocatable (defaults 32 cores, 128Gi, 110 pods).
	NodeCPU, NodeMemory, NodePods resource.Quantity
	// CacheDir is where binaries are built and cached (DefaultCacheDir when empty).
	CacheDir string
	// NoBuild makes Start fail, instead of building, when binaries are missing.
	NoBuild bool
	// Dir holds the cluster's data, keys and logs. When empty a temporary
	// directory is created and Stop removes it; a given Dir is kept.
	Dir string
	// StartTimeout bounds Start once binaries are ready (default 2m).
	StartTimeout time.Duration
	// StopGrace is how long Stop waits after SIGTERM before SIGKILL (default 10s).
	StopGrace time.Duration
	// ExtraArgs adds flags per component, keyed by binary name
	// ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "etcd").
	ExtraArgs map[string][]string
	// Aggregator sets up the API aggregation layer for servers outside the
	// cluster: a front-proxy CA and client certificate, the API server's
	// --requestheader-* and --proxy-client-* flags, Cluster.FrontProxyCA and
	// Cluster.RegisterAPIService.
	Aggregator bool
}

func (o Options) withDefaults() Options {
	if o.Nodes <= 0 {
		o.Nodes = 1
	}
	if o.NodeCPU.IsZero() {
		o.NodeCPU = resource.MustParse("32")
	}
	if o.NodeMemory.IsZero() {
		o.NodeMemory = resource.MustParse("128Gi")
	}
	if o.NodePods.IsZero() {
		o.NodePods = resource.MustParse("110")
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = 2 * time.Minute
	}
	if o.StopGrace <= 0 {
		o.StopGrace = 10 * time.Second
	}
	return o
}

// Cluster is a running lab cluster. Stop it with Stop, or by cancelling the
// context given to Start.
type Cluster struct {
	opts   Options
	bins   Binaries
	dir    string
	ownDir bool
	ports  ports
	pki    pki
	front  *frontProxy       // nil unless Options.Aggregator
	tokens map[string]string // user name -> bearer token
	procs  []*process

	mu       sync.Mutex
	unwatch  func() bool
	stopOnce sync.Once
	stopErr  error
}

// Start builds the binaries if needed (see Build and Options.NoBuild) and
// starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
// kwok on 127.0.0.1, then Options.Nodes fake nodes. It returns once the API
// server is ready, every node is Ready and the default service account
// exists. The cluster lives until Stop or until ctx is cancelled. On error
// nothing is left running, and the error quotes the failing component's log.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	opts = opts.withDefaults()
	bins, err := binaries(ctx, opts)
	if err != nil {
		return nil, err
	}
	c, err := newCluster(opts, bins)
	if err != nil {
		return nil, err
	}
	startCtx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	if err := c.boot(startCtx); err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("lab: start: %w", err)
	}
	c.mu.Lock()
	c.unwatch = context.AfterFunc(ctx, func() { _ = c.Stop() })
	c.mu.Unlock()
	return c, nil
}

func binaries(ctx context.Context, opts Options) (Binaries, error) {
	if opts.NoBuild {
		return Cached(opts.CacheDir)
	}
	return Build(ctx, opts.CacheDir)
}

// newCluster prepares the directory, ports, keys, tokens and kubeconfigs.
func newCluster(opts Options, bins Binaries) (*Cluster, error) {
	c := &Cluster{opts: opts, bins: bins, dir: opts.Dir}
	if c.dir == "" {
		dir, err := os.MkdirTemp("", "tailor-lab-")
		if err != nil {
			return nil, fmt.Errorf("lab: %w", err)
		}
		c.dir, c.ownDir = dir, true
	}
	if err := c.prepare(); err != nil {
		if c.ownDir {
			_ = os.RemoveAll(c.dir)
		}
		return nil, fmt.Errorf("lab: prepare %s: %w", c.dir, err)
	}
	return c, nil
}

func (c *Cluster) prepare() error {
	for _, d := range []string{"logs", "etcd", "apiserver"} {
		if err := os.MkdirAll(filepath.Join(c.dir, d), 0o700); err != nil {
			return err
		}
	}
	var err error
	if c.ports, err = freePorts(); err != nil {
		return err
	}
	if c.pki, err = newPKI(serviceIP); err != nil {
		return err
	}
	if err := c.pki.writeTo(c.dir); err != nil {
		return err
	}
	if c.opts.Aggregator {
		if c.front, err = newFrontProxy(); err != nil {
			return err
		}
		if err := c.front.writeTo(c.dir); err != nil {
			return err
		}
	}
	if err := os.WriteFile(c.path(kwokStagesFile), kwokStages, 0o644); err != nil {
		return err
	}
	return c.writeCredentials()
}

// Stop terminates every component in reverse start order (SIGTERM to its
// process group, then SIGKILL after Options.StopGrace), waits until all have exited and removes the cluster
// directory unless Options.Dir was given. It is safe to call more than once.
func (c *Cluster) Stop() error {
	c.stopOnce.Do(func() { c.stopErr = c.stop() })
	return c.stopErr
}

func (c *Cluster) stop() error {
	c.mu.Lock()
	if c.unwatch != nil {
		c.unwatch()
	}
	c.mu.Unlock()
	// Reverse start order: the API server shuts down in about a second
	// while etcd runs, but waits out the grace period without it.
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].stop(c.opts.StopGrace)
	}
	if !c.ownDir {
		return nil
	}
	if err := os.RemoveAll(c.dir); err != nil {
		return fmt.Errorf("lab: stop: %w", err)
	}
	return nil
}

// Kubeconfig is the path of a kubeconfig file for the cluster's admin
// (group system:masters, bearer token).
func (c *Cluster) Kubeconfig() string { return c.kubeconfigPath(adminUser) }

// RESTConfig is a fresh client configuration for the cluster's admin.
func (c *Cluster) RESTConfig() *rest.Config {
	return &rest.Config{
		Host:            c.URL(),
		BearerToken:     c.tokens[adminUser],
		TLSClientConfig: rest.TLSClientConfig{CAData: c.pki.caCert},
		QPS:             200,
		Burst:           400,
	}
}

// Client is a clientset for RESTConfig.
func (c *Cluster) Client() (kubernetes.Interface, error) {
	return kubernetes.NewForConfig(c.RESTConfig())
}

// URL is the API server's address, https://127.0.0.1:<port>.
func (c *Cluster) URL() string { return fmt.Sprintf("https://127.0.0.1:%d", c.ports.apiserver) }

// Dir is the cluster directory: keys, kubeconfigs, etcd data and logs/<component>.log.
func (c *Cluster) Dir() string { return c.dir }

// Binaries are the executables the cluster runs.
func (c *Cluster) Binaries() Binaries { return c.bins }

// LogPath is the log file of a component, named like its binary.
func (c *Cluster) LogPath(component string) string {
	return filepath.Join(c.dir, "logs", component+".log")
}

// LogTail is the last n lines of a component's log.
func (c *Cluster) LogTail(component string, n int) string { return tailFile(c.LogPath(component), n) }
