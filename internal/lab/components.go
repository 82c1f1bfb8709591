package lab

import (
	"context"
	_ "embed"
	"fmt"
	"path/filepath"
)

// kwokStages replaces kwok's default pod stages so that pods report their
// resources and in-place resizes complete (see the file's header).
//
//go:embed kwok-stages.yaml
var kwokStages []byte

const kwokStagesFile = "kwok-stages.yaml"

// component is one binary to run with its flags.
type component struct {
	name string
	bin  string
	args []string
}

func (c *Cluster) path(name string) string { return filepath.Join(c.dir, name) }

func (c *Cluster) etcd() component {
	client := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdClient)
	peer := fmt.Sprintf("http://127.0.0.1:%d", c.ports.etcdPeer)
	return component{"etcd", c.bins.Etcd, []string{
		"--name=lab",
		"--data-dir=" + c.path("etcd"),
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=lab=" + peer,
		"--unsafe-no-fsync=true", // throwaway data: durability buys nothing
		"--log-level=warn",
	}}
}

func (c *Cluster) apiserver() component {
	return component{"kube-apiserver", c.bins.APIServer, append([]string{
		fmt.Sprintf("--etcd-servers=http://127.0.0.1:%d", c.ports.etcdClient),
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		fmt.Sprintf("--secure-port=%d", c.ports.apiserver),
		"--cert-dir=" + c.path("apiserver"),
		"--tls-cert-file=" + c.path(serverCertFile),
		"--tls-private-key-file=" + c.path(serverKeyFile),
		"--client-ca-file=" + c.path(caCertFile),
		"--token-auth-file=" + c.path(tokenFile),
		"--authorization-mode=Node,RBAC",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.path(saPubFile),
		"--service-account-signing-key-file=" + c.path(saKeyFile),
		"--allow-privileged=true",
		"--profiling=false",
	}, c.aggregatorArgs()...)}
}

func (c *Cluster) controllerManager() component {
	return component{"kube-controller-manager", c.bins.ControllerManager, []string{
		"--kubeconfig=" + c.kubeconfigPath(controllerUser),
		"--controllers=*",
		"--service-account-private-key-file=" + c.path(saKeyFile),
		"--root-ca-file=" + c.path(caCertFile),
		"--cluster-signing-cert-file=" + c.path(caCertFile),
		"--cluster-signing-key-file=" + c.path(caKeyFile),
		"--cluster-name=tailor-lab",
		"--leader-elect=false",
		"--secure-port=0",
		"--profiling=false",
	}}
}

func (c *Cluster) scheduler() component {
	return component{"kube-scheduler", c.bins.Scheduler, []string{
		"--kubeconfig=" + c.kubeconfigPath(schedulerUser),
		"--leader-elect=false",
		"--secure-port=0",
		"--profiling=false",
	}}
}

// kwokAnnotation marks the nodes kwok manages (and no other node).
const kwokAnnotation = "kwok.x-k8s.io/node"

func (c *Cluster) kwok() component {
	return component{"kwok", c.bins.Kwok, []string{
		"--kubeconfig=" + c.kubeconfigPath(kwokUser),
		"--config=" + c.path(kwokStagesFile),
		"--manage-all-nodes=false",
		"--manage-nodes-with-annotation-selector=" + kwokAnnotation + "=fake",
		"--cidr=" + podCIDR,
		"--node-ip=127.0.0.1",
		// Heartbeats through node leases, renewed every 10 s. Without a
		// KwokConfiguration in --config kwok's default of 40 is not applied
		// and it falls back to status heartbeats 20-45 s apart, which the
		// node lifecycle controller (50 s grace) answers by marking the nodes
		// and all their pods NotReady every minute or so.
		"--node-lease-duration-seconds=40",
	}}
}

// run starts a component with its Options.ExtraArgs and tracks it for Stop.
func (c *Cluster) run(comp component) (*process, error) {
	args := append(comp.args, c.opts.ExtraArgs[comp.name]...)
	p, err := startProcess(comp.name, comp.bin, args, c.path("logs"))
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, p)
	return p, nil
}

// boot starts the components in dependency order, waiting for each stage.
func (c *Cluster) boot(ctx context.Context) error {
	etcd, err := c.run(c.etcd())
	if err != nil {
		return err
	}
	if err := c.waitFor(ctx, "etcd health", etcd, c.etcdHealthy); err != nil {
		return err
	}
	api, err := c.run(c.apiserver())
	if err != nil {
		return err
	}
	if err := c.waitFor(ctx, "kube-apiserver /readyz", api, c.apiserverReady); err != nil {
		return err
	}
	for _, comp := range []component{c.controllerManager(), c.scheduler(), c.kwok()} {
		if _, err := c.run(comp); err != nil {
			return err
		}
	}
	return c.startNodes(ctx)
}
