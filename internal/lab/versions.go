package lab

import "strings"

// Pinned versions of the lab's components. Changing one changes the cache
// key, so binaries of different versions never mix.
const (
	KubernetesVersion = "v1.35.4"
	EtcdVersion       = "v3.6.16"
	KwokVersion       = "v0.7.0"
)

// cacheKey names the cache directory of one set of pinned versions.
func cacheKey() string {
	return "k8s-" + KubernetesVersion + "_etcd-" + EtcdVersion + "_kwok-" + KwokVersion
}

// stagingVersion maps a Kubernetes version (v1.35.4) to the version of its
// staging modules (v0.35.4).
func stagingVersion(kube string) string {
	return "v0." + strings.TrimPrefix(kube, "v1.")
}
