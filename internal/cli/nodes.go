package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"tailor.dev/tailor/internal/cost"
)

// loadNodePool reads the instance-type table at path and builds the pool
// of the named types (--node-type) with a DaemonSet overhead per node.
func loadNodePool(path string, names []string, daemonSet cost.Request, daemonSetPods int) (*cost.NodePool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--instance-types: %w", err)
	}
	defer f.Close()
	cat, err := cost.ReadInstanceTypes(f)
	if err != nil {
		return nil, fmt.Errorf("--instance-types %s: %w", path, err)
	}
	pool := &cost.NodePool{DaemonSet: daemonSet, DaemonSetPods: daemonSetPods}
	for _, name := range names {
		t, err := cat.Lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, usagef("--node-type: %v in %s", err, path)
		}
		pool.Types = append(pool.Types, t)
	}
	if err := pool.Validate(); err != nil {
		return nil, usagef("--node-type, --daemonset-*: %v", err)
	}
	return pool, nil
}

// sharedInstanceTypes finds the public instance-type table the way the
// tests find datasets: $TAILOR_SHARED_DATA, then ../shared/data.
func sharedInstanceTypes() (string, error) {
	rel := filepath.Join("aws-ec2-instance-types", "aws_ec2_instance_types.csv")
	var tried []string
	for _, dir := range []string{os.Getenv("TAILOR_SHARED_DATA"), filepath.Join("..", "shared", "data")} {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, rel)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		tried = append(tried, p)
	}
	return "", fmt.Errorf("--node-type: no instance-type table at %s; give --instance-types FILE", strings.Join(tried, " or "))
}
