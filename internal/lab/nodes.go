package lab

import (
	"context"
	"fmt"
	"runtime"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// NodeName is the name of the i-th fake node (from 0).
func NodeName(i int) string { return fmt.Sprintf("lab-node-%d", i) }

// NodeLabel is set to "true" on every fake node.
const NodeLabel = "tailor.dev/lab-node"

// fakeNode is a node for kwok to manage. It reports KubernetesVersion as its
// kubelet version, which in-place pod resize requires (>= 1.33).
func (c *Cluster) fakeNode(i int) *corev1.Node {
	name := NodeName(i)
	res := corev1.ResourceList{
		corev1.ResourceCPU:    c.opts.NodeCPU,
		corev1.ResourceMemory: c.opts.NodeMemory,
		corev1.ResourcePods:   c.opts.NodePods,
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     runtime.GOARCH,
				"type":                   "kwok",
				NodeLabel:                "true",
			},
			Annotations: map[string]string{kwokAnnotation: "fake", "node.alpha.kubernetes.io/ttl": "0"},
		},
		Status: corev1.NodeStatus{
			Capacity:    res,
			Allocatable: res,
			NodeInfo: corev1.NodeSystemInfo{
				KubeletVersion:          KubernetesVersion,
				OperatingSystem:         "linux",
				Architecture:            runtime.GOARCH,
				ContainerRuntimeVersion: "kwok://" + KwokVersion,
			},
		},
	}
}

// startNodes creates the fake nodes and waits until kwok reports them
// Ready and the controller manager has created the default service account.
func (c *Cluster) startNodes(ctx context.Context) error {
	cs, err := c.Client()
	if err != nil {
		return err
	}
	for i := range c.opts.Nodes {
		_, err := cs.CoreV1().Nodes().Create(ctx, c.fakeNode(i), metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", NodeName(i), err)
		}
	}
	if err := c.waitFor(ctx, "nodes Ready", c.process("kwok"), c.nodesReady(cs)); err != nil {
		return err
	}
	return c.waitFor(ctx, "default service account", c.process("kube-controller-manager"),
		func(ctx context.Context) error {
			_, err := cs.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
			return err
		})
}

func (c *Cluster) nodesReady(cs kubernetes.Interface) func(context.Context) error {
	return func(ctx context.Context) error {
		list, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: NodeLabel + "=true"})
		if err != nil {
			return err
		}
		ready := 0
		for _, n := range list.Items {
			if nodeReady(&n) {
				ready++
			}
		}
		if ready < c.opts.Nodes {
			return fmt.Errorf("%d of %d nodes Ready", ready, c.opts.Nodes)
		}
		return nil
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, cond := range n.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}
