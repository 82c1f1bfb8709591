package discovery

import (
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Client defaults, applied where the kubeconfig leaves them unset.
const (
	requestTimeout = 30 * time.Second // per request: no call hangs on a silent server
	clientQPS      = 50               // client-go's default (5) would throttle paging through large clusters
	clientBurst    = 100
)

// Client returns a clientset and its configuration from the standard
// kubeconfig loading rules: the explicit kubeconfig path when given, else
// the files in $KUBECONFIG, else ~/.kube/config (else the in-cluster
// service account); kubeContext overrides the current context when set.
func Client(kubeconfig, kubeContext string) (kubernetes.Interface, *rest.Config, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides).ClientConfig()
	if err != nil {
		return nil, nil, fmt.Errorf("kubeconfig: %w", explainConfigError(err, kubeconfig, kubeContext))
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = requestTimeout
	}
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = clientQPS, clientBurst
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client for %s: %w", cfg.Host, err)
	}
	return cs, cfg, nil
}

// explainConfigError says where the configuration was looked for.
func explainConfigError(err error, kubeconfig, kubeContext string) error {
	switch {
	case clientcmd.IsEmptyConfig(err) && kubeconfig == "":
		return fmt.Errorf("no cluster configuration found (give --kubeconfig, set KUBECONFIG or write %s): %w",
			clientcmd.RecommendedHomeFile, err)
	case kubeconfig != "":
		return fmt.Errorf("load %s (context %s): %w", kubeconfig, contextName(kubeContext), err)
	case kubeContext != "":
		return fmt.Errorf("context %s: %w", contextName(kubeContext), err)
	}
	return err
}

func contextName(c string) string {
	if c == "" {
		return "current"
	}
	return fmt.Sprintf("%q", c)
}
