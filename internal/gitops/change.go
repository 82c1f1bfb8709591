package gitops

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"tailor.dev/tailor/internal/workload"
)

// ErrNoChanges is returned (wrapped) when the changes would not change any
// field: nothing is written and no commit is made.
var ErrNoChanges = errors.New("no changes to export")

// Kind is the kind of workload a Change patches.
type Kind string

// The kinds tailor can patch.
const (
	Deployment  Kind = "Deployment"
	StatefulSet Kind = "StatefulSet"
	DaemonSet   Kind = "DaemonSet"
	Job         Kind = "Job"
	CronJob     Kind = "CronJob"
)

// kindInfo is what the patch of one kind needs: its API group and version
// and where the pod spec sits in the object.
type kindInfo struct {
	group, version string
	podSpec        []string
}

var kinds = map[Kind]kindInfo{
	Deployment:  {"apps", "v1", []string{"spec", "template", "spec"}},
	StatefulSet: {"apps", "v1", []string{"spec", "template", "spec"}},
	DaemonSet:   {"apps", "v1", []string{"spec", "template", "spec"}},
	Job:         {"batch", "v1", []string{"spec", "template", "spec"}},
	CronJob:     {"batch", "v1", []string{"spec", "jobTemplate", "spec", "template", "spec"}},
}

func (k kindInfo) apiVersion() string { return k.group + "/" + k.version }

// Change is what tailor recommends for one workload.
type Change struct {
	Kind       Kind
	Namespace  string // required: patches name the namespace they apply to
	Name       string
	Containers []ContainerChange
}

// String names the workload: "Deployment shop/web".
func (c Change) String() string { return fmt.Sprintf("%s %s/%s", c.Kind, c.Namespace, c.Name) }

// ContainerChange is the recommendation for one container of a workload.
//
// Before is what tailor observed (0 = not set), After what it recommends.
// A field that is 0 in After is left as it is: the patch does not mention it,
// so whatever the manifests say stays. A field is changed, and appears in the
// patch, when After is set and differs from Before once both are rounded the
// way Kubernetes stores them (CPU to whole millicores, memory to whole bytes).
// A patch can set or change a value but never remove one.
type ContainerChange struct {
	Name   string
	Init   bool // an init container or a sidecar (an init container with restartPolicy: Always)
	Before workload.Resources
	After  workload.Resources
}

// fieldChange is one changed value, rounded as Kubernetes stores it
// (millicores for CPU, bytes for memory; 0 = not set).
type fieldChange struct {
	field         field
	before, after int64
}

// changes lists the fields of c that the patch sets, in field order.
func (c ContainerChange) changes() []fieldChange {
	var out []fieldChange
	for _, f := range fields {
		after := f.round(f.get(c.After))
		before := f.round(f.get(c.Before))
		if after != 0 && after != before {
			out = append(out, fieldChange{f, before, after})
		}
	}
	return out
}

// describe says what changes: "cpu request 1 -> 250m, memory limit 1Gi -> 512Mi".
func describe(fcs []fieldChange) string {
	parts := make([]string, len(fcs))
	for i, fc := range fcs {
		parts[i] = fmt.Sprintf("%s %s -> %s", fc.field, fc.field.format(fc.before), fc.field.format(fc.after))
	}
	return strings.Join(parts, ", ")
}

// label is "container web" or "init container istio-proxy".
func (c ContainerChange) label() string {
	if c.Init {
		return "init container " + c.Name
	}
	return "container " + c.Name
}

// validate checks every change and that no workload appears twice. The
// error names each bad change by its index and workload.
func validate(changes []Change) error {
	var errs []error
	seen := make(map[string]int)
	for i, c := range changes {
		if err := c.validate(); err != nil {
			errs = append(errs, fmt.Errorf("change %d (%s): %w", i, c, err))
			continue
		}
		key := c.String()
		if j, dup := seen[key]; dup {
			errs = append(errs, fmt.Errorf("change %d (%s): same workload as change %d", i, c, j))
			continue
		}
		seen[key] = i
	}
	return errors.Join(errs...)
}

func (c Change) validate() error {
	if _, ok := kinds[c.Kind]; !ok {
		return fmt.Errorf("unknown kind %q (want Deployment, StatefulSet, DaemonSet, Job or CronJob)", c.Kind)
	}
	if c.Name == "" {
		return errors.New("empty name")
	}
	if msgs := validation.IsDNS1123Subdomain(c.Name); len(msgs) > 0 {
		return fmt.Errorf("name %q: %s", c.Name, strings.Join(msgs, "; "))
	}
	if c.Namespace == "" {
		return errors.New("empty namespace")
	}
	if msgs := validation.IsDNS1123Label(c.Namespace); len(msgs) > 0 {
		return fmt.Errorf("namespace %q: %s", c.Namespace, strings.Join(msgs, "; "))
	}
	names := make(map[string]bool)
	for _, cc := range c.Containers {
		if names[cc.Name] {
			return fmt.Errorf("container %q listed twice", cc.Name)
		}
		names[cc.Name] = true
		if err := cc.validate(); err != nil {
			return fmt.Errorf("container %q: %w", cc.Name, err)
		}
	}
	return nil
}

func (c ContainerChange) validate() error {
	if msgs := validation.IsDNS1123Label(c.Name); len(msgs) > 0 {
		return fmt.Errorf("name: %s", strings.Join(msgs, "; "))
	}
	for _, f := range fields {
		for _, v := range []struct {
			which string
			value float64
		}{{"before", f.get(c.Before)}, {"after", f.get(c.After)}} {
			if err := f.check(v.value); err != nil {
				return fmt.Errorf("%s %s: %w", f, v.which, err)
			}
		}
	}
	// The result must stay valid: request <= limit where both are set,
	// taking the value from Before where After leaves a field as is.
	for _, pair := range [][2]field{{cpuRequest, cpuLimit}, {memRequest, memLimit}} {
		req, lim := c.result(pair[0]), c.result(pair[1])
		if req != 0 && lim != 0 && req > lim {
			return fmt.Errorf("%s %s would exceed %s %s", pair[0], pair[0].format(req), pair[1], pair[1].format(lim))
		}
	}
	return nil
}

// result is the rounded value of f after the patch: After if set, else Before.
func (c ContainerChange) result(f field) int64 {
	if v := f.round(f.get(c.After)); v != 0 {
		return v
	}
	return f.round(f.get(c.Before))
}

// maxValue bounds every value so that its rounded form fits an int64 with room.
const maxValue = 1 << 62

func (f field) check(v float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("not a number: %v", v)
	case v < 0:
		return fmt.Errorf("negative value %v", v)
	case v*f.scale() > maxValue:
		return fmt.Errorf("value %v out of range", v)
	}
	return nil
}
