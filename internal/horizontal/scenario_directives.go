package horizontal

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// args splits key=value words; every key must be in allowed.
func args(words []string, allowed ...string) (map[string]string, error) {
	out := map[string]string{}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || v == "" {
			return nil, fmt.Errorf("want key=value, got %q", w)
		}
		if !contains(allowed, k) {
			return nil, fmt.Errorf("unknown key %q (want one of %s)", k, strings.Join(allowed, ", "))
		}
		if _, dup := out[k]; dup && k != "policy" {
			return nil, fmt.Errorf("key %q given twice", k)
		}
		out[k] = v
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) config(words []string) error {
	if err := p.once("config"); err != nil {
		return err
	}
	a, err := args(words, "sync", "tolerance", "downscaleStabilization", "cpuInitializationPeriod", "initialReadinessDelay")
	if err != nil {
		return err
	}
	c := &p.s.Config
	for k, v := range a {
		var err error
		switch k {
		case "sync":
			c.SyncPeriod, err = parseDuration(k, v)
		case "tolerance":
			c.Tolerance, err = parseFloat(k, v)
		case "downscaleStabilization":
			c.DownscaleStabilization, err = parseDuration(k, v)
		case "cpuInitializationPeriod":
			c.CPUInitializationPeriod, err = parseDuration(k, v)
		case "initialReadinessDelay":
			c.InitialReadinessDelay, err = parseDuration(k, v)
		}
		if err != nil {
			return err
		}
	}
	return c.Validate()
}

func (p *parser) hpa(words []string) error {
	if err := p.once("hpa"); err != nil {
		return err
	}
	a, err := args(words, "minReplicas", "maxReplicas", "cpu", "scaleToZero")
	if err != nil {
		return err
	}
	p.s.lines["spec.minReplicas"], p.s.lines["spec.maxReplicas"] = p.line, p.line
	if v, ok := a["minReplicas"]; ok {
		n, err := parseInt32(v)
		if err != nil {
			return fmt.Errorf("minReplicas: %w", err)
		}
		p.s.Spec.MinReplicas = &n
	}
	if _, ok := a["maxReplicas"]; !ok {
		return fmt.Errorf("hpa: maxReplicas is required")
	}
	if p.s.Spec.MaxReplicas, err = parseInt32(a["maxReplicas"]); err != nil {
		return fmt.Errorf("maxReplicas: %w", err)
	}
	if v, ok := a["scaleToZero"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("scaleToZero: want true or false, got %q", v)
		}
		p.s.Options.ScaleToZero = b
	}
	if v, ok := a["cpu"]; ok {
		pct, err := parseInt32(strings.TrimSuffix(v, "%"))
		if err != nil || !strings.HasSuffix(v, "%") {
			return fmt.Errorf("cpu: want a percentage such as 50%%, got %q", v)
		}
		p.addMetric(ResourceUtilization(CPU, pct))
	}
	return nil
}

func (p *parser) addMetric(m MetricSpec) {
	p.s.lines[fmt.Sprintf("spec.metrics[%d]", len(p.s.Spec.Metrics))] = p.line
	p.s.Spec.Metrics = append(p.s.Spec.Metrics, m)
}

// metric: metric KIND NAME [container=C] utilization=N|value=Q|averageValue=Q
func (p *parser) metric(words []string) error {
	if len(words) < 2 {
		return fmt.Errorf("want: metric resource|containerResource|pods|object|external NAME utilization=N|value=Q|averageValue=Q")
	}
	kind, name := words[0], words[1]
	a, err := args(words[2:], "utilization", "value", "averageValue", "container")
	if err != nil {
		return err
	}
	t, err := target(a)
	if err != nil {
		return err
	}
	var m MetricSpec
	switch kind {
	case "resource":
		m = MetricSpec{Type: ResourceMetricSourceType, Resource: &ResourceMetricSource{Name: ResourceName(name), Target: t}}
	case "containerResource":
		m = MetricSpec{Type: ContainerResourceMetricSourceType, ContainerResource: &ContainerResourceMetricSource{
			Name: ResourceName(name), Container: a["container"], Target: t}}
	case "pods":
		m = MetricSpec{Type: PodsMetricSourceType, Pods: &PodsMetricSource{Metric: name, Target: t}}
	case "object":
		m = MetricSpec{Type: ObjectMetricSourceType, Object: &ObjectMetricSource{Metric: name, Target: t}}
	case "external":
		m = MetricSpec{Type: ExternalMetricSourceType, External: &ExternalMetricSource{Metric: name, Target: t}}
	default:
		return fmt.Errorf("unknown metric kind %q (want resource, containerResource, pods, object or external)", kind)
	}
	p.addMetric(m)
	return nil
}

func target(a map[string]string) (MetricTarget, error) {
	var t MetricTarget
	if v, ok := a["utilization"]; ok {
		n, err := parseInt32(strings.TrimSuffix(v, "%"))
		if err != nil {
			return t, fmt.Errorf("utilization: %w", err)
		}
		t.Type, t.AverageUtilization = UtilizationMetricType, &n
	}
	for _, k := range []string{"value", "averageValue"} {
		v, ok := a[k]
		if !ok {
			continue
		}
		q, err := ParseQuantity(v)
		if err != nil {
			return t, fmt.Errorf("%s: %w", k, err)
		}
		if k == "value" {
			t.Type, t.Value = ValueMetricType, &q
		} else {
			t.Type, t.AverageValue = AverageValueMetricType, &q
		}
	}
	return t, nil
}

// behavior: behavior scaleUp|scaleDown [stabilization=D] [select=S] [tolerance=F] [policy=Type:Value:Period]...
// "behavior default" sets an empty behavior so the API defaults apply.
func (p *parser) behavior(words []string) error {
	if p.s.Spec.Behavior == nil {
		p.s.Spec.Behavior = &Behavior{}
	}
	if len(words) == 1 && words[0] == "default" {
		return p.once("behavior default")
	}
	if len(words) == 0 || (words[0] != "scaleUp" && words[0] != "scaleDown") {
		return fmt.Errorf("want: behavior default, or behavior scaleUp|scaleDown followed by key=value settings")
	}
	if err := p.once("behavior " + words[0]); err != nil {
		return err
	}
	p.s.lines["spec.behavior."+words[0]] = p.line
	r, err := rules(words[1:])
	if err != nil {
		return err
	}
	if words[0] == "scaleUp" {
		p.s.Spec.Behavior.ScaleUp = r
	} else {
		p.s.Spec.Behavior.ScaleDown = r
	}
	return nil
}

func rules(words []string) (*ScalingRules, error) {
	r := &ScalingRules{}
	for _, w := range words {
		a, err := args([]string{w}, "stabilization", "select", "tolerance", "policy")
		if err != nil {
			return nil, err
		}
		for k, v := range a {
			if err := r.set(k, v); err != nil {
				return nil, err
			}
		}
	}
	return r, nil
}

func (r *ScalingRules) set(k, v string) error {
	switch k {
	case "stabilization":
		s, err := parseSeconds(k, v)
		r.StabilizationWindowSeconds = &s
		return err
	case "select":
		r.SelectPolicy = Ptr(ScalingPolicySelect(v))
	case "tolerance":
		f, err := parseFloat(k, v)
		r.Tolerance = &f
		return err
	case "policy":
		pol, err := parsePolicy(v)
		r.Policies = append(r.Policies, pol)
		return err
	}
	return nil
}

// parsePolicy reads Type:Value:Period, e.g. Pods:4:15s or Percent:100:60.
func parsePolicy(v string) (ScalingPolicy, error) {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return ScalingPolicy{}, fmt.Errorf("policy: want Type:Value:Period such as Pods:4:15s, got %q", v)
	}
	n, err := parseInt32(parts[1])
	if err != nil {
		return ScalingPolicy{}, fmt.Errorf("policy %q: value: %w", v, err)
	}
	period, err := parseSeconds("policy period", parts[2])
	if err != nil {
		return ScalingPolicy{}, err
	}
	return ScalingPolicy{Type: ScalingPolicyType(parts[0]), Value: n, PeriodSeconds: period}, nil
}

func parseDuration(k, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s: invalid duration %q", k, v)
	}
	return d, nil
}

// parseSeconds reads whole seconds as a duration ("15s", "5m") or a number.
func parseSeconds(k, v string) (int32, error) {
	if n, err := strconv.ParseInt(v, 10, 32); err == nil {
		return int32(n), nil
	}
	d, err := parseDuration(k, v)
	if err != nil {
		return 0, err
	}
	if d%time.Second != 0 {
		return 0, fmt.Errorf("%s: %q is not a whole number of seconds", k, v)
	}
	return int32(d / time.Second), nil
}

func parseFloat(k, v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: invalid number %q", k, v)
	}
	return f, nil
}

func parseInt32(v string) (int32, error) {
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("invalid integer %q", v)
	}
	return int32(n), nil
}
